#!/usr/bin/env bash
# Reachability's cost: app-mixed scanned with `--reachability off` (the baseline: Go binaries'
# functions not read) and `report` (read from every Go binary's pclntab, verdicts on every Go
# finding), the best of RUNS cold scans each, interleaved, in the same run: CPU and wall time,
# peak RSS. Target: at most 1.10x. Also the verdicts of app-mixed's Go findings. (The agreement with govulncheck is a CI
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

scan() { # --reachability $1, the report to $2; appends "wall_ms cpu_ms" to $work/times-$1
    /usr/bin/time -f '%e %U %S' -o "$work/t" "$hg" image --no-cache --scanners vuln --db "$work/hullguard.db" \
        --reachability "$1" -q -f json -o "$2" "$image"
    awk '{ printf "%d %d\n", $1 * 1000, ($2 + $3) * 1000 }' "$work/t" >>"$work/times-$1"
}
# Wall time depends on what else the machine runs; CPU time (user + sys) much less: both, best of.
for _ in $(seq "$runs"); do
    scan off "$work/off.json"
    scan report "$work/on.json"
done
best() { sort -n -k"$2" "$work/times-$1" | head -1 | cut -d' ' -f"$2"; }
rss() { # peak RSS in MB of one scan with --reachability $1
    /usr/bin/time -f %M -o "$work/rss" "$hg" image --no-cache --scanners vuln --db "$work/hullguard.db" \
        --reachability "$1" -q -f json -o "$work/rss.json" "$image"
    echo $(( $(cat "$work/rss") / 1024 ))
}
python3 - "$(best off 1)" "$(best report 1)" "$runs" "$work/off.json" "$work/on.json" "$(rss off)" "$(rss report)" \
    "$(best off 2)" "$(best report 2)" "$(cut -d' ' -f1 /proc/loadavg)" <<'PY'
import collections, json, sys
off, on, runs = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
cpu_off, cpu_on = int(sys.argv[8]), int(sys.argv[9])
print(f"app-mixed, best of {runs} cold scans each, interleaved (load average {sys.argv[10]}):")
print(f"  CPU time (user+sys): --reachability off {cpu_off} ms, report {cpu_on} ms: {cpu_on / cpu_off:.3f}x (target <= 1.10x)")
print(f"  wall time: off {off} ms, report {on} ms: {on / off:.3f}x")
print(f"  peak RSS: off {sys.argv[6]} MB, report {sys.argv[7]} MB")
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
