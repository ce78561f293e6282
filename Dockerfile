# syntax=docker/dockerfile:1
# hullguard's own image: the binary built in a Rust stage, run as a non-root user from a
# minimal Debian base. `hullguard dockerfile Dockerfile` passes clean (tested in CI).
FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked -p hullguard \
 && install -D -m 0755 target/release/hullguard /out/hullguard

FROM debian:12.8-slim
RUN groupadd --system --gid 10001 hullguard \
 && useradd --system --uid 10001 --gid hullguard --home-dir /var/lib/hullguard --create-home hullguard
COPY --from=build /out/hullguard /usr/local/bin/hullguard
USER 10001:10001
WORKDIR /var/lib/hullguard
EXPOSE 8080
# The orchestrator probes GET /api/v1/health (deploy/kubernetes/server.yaml); the image carries no
# HTTP client to probe it from inside.
HEALTHCHECK NONE
ENTRYPOINT ["/usr/local/bin/hullguard"]
# The store and the vulnerability database live on a volume at /var/lib/hullguard.
CMD ["server", "--listen", "0.0.0.0:8080", "--store", "/var/lib/hullguard/store.sqlite", "--db", "/var/lib/hullguard/vuln.db"]
