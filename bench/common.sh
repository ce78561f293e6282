# Sourced by the benchmarks: where the repository, shared data and debian-large are, how many
# runs, and the release binary (built here) with a scratch folder removed on exit.
# Sets: repo, shared, large, runs, bin, work.
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
shared=${HULLGUARD_SHARED:-$repo/../shared}
large=${LARGE_OUT:-/var/tmp/hullguard-image-build/large-out}
runs=${RUNS:-3}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-/var/tmp/hg-target}
export SYFT_CHECK_FOR_APP_UPDATE=false
# HULLGUARD_BIN: use that binary (say a debug build, an upper bound) instead of building release.
if [ -n "${HULLGUARD_BIN:-}" ]; then
  bin=$HULLGUARD_BIN
else
  cargo build --release -q -p hullguard --manifest-path "$repo/Cargo.toml"
  bin=$CARGO_TARGET_DIR/release/hullguard
fi
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT

# start_registry: Debian's docker-registry on a free 127.0.0.1 port with its storage in $work;
# sets $host (HOST:PORT) and appends its pid to the array $pids (the caller's trap kills them).
start_registry() {
  host=127.0.0.1:$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  printf 'version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: %s\nhttp:\n  addr: %s\n' \
    "$work/registry" "$host" > "$work/registry.yml"
  docker-registry serve "$work/registry.yml" > "$work/registry.log" 2>&1 &
  pids+=($!)
  until curl -sf "http://$host/v2/" >/dev/null; do sleep 0.1; done
}
