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
