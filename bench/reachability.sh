#!/usr/bin/env bash
# Reachability's cost: app-mixed scanned with `--reachability off` (the baseline: Go binaries'
# functions not read) and `report` (read from every Go binary's pclntab, verdicts on every Go
# finding), the best of RUNS cold scans each, interleaved, in the same run. Target: at most
# 1.10x. Also the verdicts of app-mixed's Go findings. (The agreement with govulncheck is a CI
# test: `cargo test -p hullguard --test cli reachability::govulncheck`.)
#
# Environment: HULLGUARD (binary, default the release build), HULLGUARD_SHARED, RUNS (7).
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
shared="${HULLGUARD_SHARED:-$repo/../shared}"
hg="${HULLGUARD:-${CARGO_TARGET_DIR:-$repo/target}/release/hullguard}"
runs="${RUNS:-7}"
work="$(mktemp -d "${TMPDIR:-/tmp}/hg-reach.XXXXXX")"
trap 'rm -rf "$work"' EXIT

"$hg" db build --source "$shared/vulndata" --db "$work/hullguard.db" >/dev/null 2>&1
image="oci-archive:$shared/images/bookworm-images.oci.tar:app-mixed:latest"

scan() { # --reachability $1, the report to $2
    "$hg" image --no-cache --scanners vuln --db "$work/hullguard.db" --reachability "$1" -q -f json -o "$2" "$image"
}
ms() { # wall time of "$@" in ms
    local t0 t1
    t0=$(date +%s%N)
    "$@"
    t1=$(date +%s%N)
    echo $(( (t1 - t0) / 1000000 ))
}
best_off=999999 best_on=999999
for _ in $(seq "$runs"); do
    t=$(ms scan off "$work/off.json"); (( t < best_off )) && best_off=$t
    t=$(ms scan report "$work/on.json"); (( t < best_on )) && best_on=$t
done
python3 - "$best_off" "$best_on" "$runs" "$work/off.json" "$work/on.json" <<'PY'
import collections, json, sys
off, on, runs = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
print(f"app-mixed, best of {runs} cold scans: --reachability off {off} ms, report {on} ms: {on / off:.3f}x (target <= 1.10x)")
def go(path):
    return [f for f in json.load(open(path))["findings"]
            if f["kind"] == "vulnerability" and f["vulnerability"]["ecosystem"] == "Go"]
before, after = go(sys.argv[4]), go(sys.argv[5])
verdicts = collections.Counter(f["vulnerability"]["reachability"]["verdict"] for f in after)
print(f"Go findings: {len(before)} without reachability, {len(after)} with: "
      + ", ".join(f"{v} {n}" for v, n in sorted(verdicts.items())))
by_path = collections.defaultdict(collections.Counter)
for f in after:
    by_path[f["location"]["path"]][f["vulnerability"]["reachability"]["verdict"]] += 1
for path, c in sorted(by_path.items()):
    print(f"  {path}: " + ", ".join(f"{v} {n}" for v, n in sorted(c.items())))
PY
