# Sourced by the benchmarks: where the repository, shared data and debian-large are, how many
# runs, and the release binary (built here) with a scratch folder removed on exit.
# Sets: repo, shared, large, runs, bin, work; bench_inputs makes the server benchmarks' inputs.
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

# bench_inputs COUNT SHARE PREFIX: the full shared/vulndata database in $work/full.db, app-mixed's
# CycloneDX SBOM in $work/app-mixed.cdx.json and, in $work/sboms, COUNT submissions 0.json..
# (`{"name": "PREFIX/app-I:1", "sbom": …}`), each SBOM a random SHARE (0..1, seeded: the same
# every run) of app-mixed's packages plus one PyPI package of its own (PREFIX-app-I), and
# every.cdx.json, one SBOM of every package of them all.
bench_inputs() {
  "$bin" db build -q --source "$shared/vulndata" --db "$work/full.db"
  "$bin" inventory -q --no-cache "docker-archive:$shared/images/bookworm-images.docker.tar:app-mixed:latest" \
    -f cyclonedx > "$work/app-mixed.cdx.json"
  python3 - "$work/app-mixed.cdx.json" "$1" "$2" "$3" "$work/sboms" <<'PY'
import json, os, random, sys
base, n, share, prefix, out = json.load(open(sys.argv[1])), int(sys.argv[2]), float(sys.argv[3]), sys.argv[4], sys.argv[5]
os.makedirs(out)
rng = random.Random(16)
packages = [c for c in base["components"] if c.get("purl")]
others = [c for c in base["components"] if not c.get("purl")]
every = dict(base, components=others + packages)
for i in range(n):
    own = {"type": "library", "bom-ref": f"{prefix}-{i}", "name": f"{prefix}-app-{i}", "version": "1.0.0",
           "purl": f"pkg:pypi/{prefix}-app-{i}@1.0.0"}
    picked = [c for c in packages if rng.random() < share] + [own]
    every["components"].append(own)
    doc = dict(base, components=others + picked)
    with open(f"{out}/{i}.json", "w") as f:
        json.dump({"name": f"{prefix}/app-{i}:1", "sbom": doc}, f)
json.dump(every, open(f"{out}/every.cdx.json", "w"))
PY
}
