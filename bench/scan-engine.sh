#!/usr/bin/env bash
# The single-pass scan engine on debian-large, in one run: `image --scanners vuln`, `--scanners
# vuln,misconfig,secret` with no cache and with a warm layer cache, and the floor of reading the
# same layers with `gzip -dc | tar -t`; with the ratios the issue "One scan engine" asks for
# (all three: at most 1.15x vuln alone and 0.5x the floor; warm: at most 0.3 s).
#   bench/scan-engine.sh        (RUNS=3; builds debian-large with build.sh bench-image when missing)
set -euo pipefail
source "$(dirname "$0")/common.sh"
archive=$large/debian-large.oci.tar
[ -f "$archive" ] || LARGE_OUT=$large "$shared/images/build.sh" bench-image >&2

best() { sort -n | head -1; }
# Best wall seconds of "$@" over $runs runs; the CPU seconds (user + system) of that best run go
# to $work/cpu.<name>: on a loaded 2-core machine wall time shifts with the load, CPU time less.
secs() {
  local name=$1; shift
  for _ in $(seq "$runs"); do
    /usr/bin/time -f '%e %U %S' -o "$work/t" "$@" >/dev/null 2>&1; cat "$work/t"
  done | sort -n | head -1 > "$work/best.$name"
  awk '{print $2 + $3}' "$work/best.$name" > "$work/cpu.$name"
  awk '{print $1}' "$work/best.$name"
}
cpu() { cat "$work/cpu.$1"; }
ratio() { echo "$1/$2" | bc -l; }

db=$work/hullguard.db
"$bin" db build -q --source "$shared/vulndata" --db "$db"

# The floor: the same layer blobs, each decompressed and listed once.
mkdir "$work/blobs"
tar -xf "$archive" -C "$work/blobs"
python3 - "$work/blobs" > "$work/layers" <<'PY'
import json, sys, os
root = sys.argv[1]
blob = lambda d: os.path.join(root, "blobs", *d.split(":"))
index = json.load(open(os.path.join(root, "index.json")))
manifest = json.load(open(blob(index["manifests"][0]["digest"])))
for layer in manifest["layers"]:
    print(blob(layer["digest"]))
PY
floor() { while read -r b; do gzip -dc "$b" | tar -t >/dev/null; done < "$work/layers"; }
export -f floor; export work
floor_s=$(secs floor bash -c floor)

scan=("$bin" image -q --db "$db" "oci-archive:$archive" -f json)
vuln_s=$(secs vuln "${scan[@]}" --no-cache --scanners vuln)
all_s=$(secs all "${scan[@]}" --no-cache --scanners vuln,misconfig,secret)
cache=$work/cache
"${scan[@]}" --cache-dir "$cache" --scanners vuln,misconfig,secret >/dev/null
warm_s=$(secs warm "${scan[@]}" --cache-dir "$cache" --scanners vuln,misconfig,secret)
reused=$(HULLGUARD_LOG=info "${scan[@]}" --cache-dir "$cache" --scanners vuln,misconfig,secret 2>&1 >/dev/null |
  sed -n 's/.*layer cache: \(.*\)/\1/p')

printf '== debian-large (%s layers), best of %s runs, load average %s\n' "$(wc -l < "$work/layers")" "$runs" "$(cut -d' ' -f1 /proc/loadavg)"
printf '%-46s %7s %7s\n' '' wall cpu
printf '%-46s %6.2fs %6.2fs\n' 'gzip -dc | tar -t over the layers (floor)' "$floor_s" "$(cpu floor)"
printf '%-46s %6.2fs %6.2fs\n' 'image --scanners vuln, no cache' "$vuln_s" "$(cpu vuln)"
printf '%-46s %6.2fs %6.2fs  wall %.2fx vuln alone, %.2fx the floor; cpu %.2fx, %.2fx\n' \
  'image --scanners vuln,misconfig,secret, cold' "$all_s" "$(cpu all)" \
  "$(ratio "$all_s" "$vuln_s")" "$(ratio "$all_s" "$floor_s")" "$(ratio "$(cpu all)" "$(cpu vuln)")" "$(ratio "$(cpu all)" "$(cpu floor)")"
printf '%-46s %6.2fs %6.2fs  (layer cache: %s)\n' 'image --scanners vuln,misconfig,secret, warm' "$warm_s" "$(cpu warm)" "$reused"
