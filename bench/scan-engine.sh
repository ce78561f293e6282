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
secs() { # best wall seconds of "$@" over $runs runs
  for _ in $(seq "$runs"); do /usr/bin/time -f '%e' -o "$work/t" "$@" >/dev/null 2>&1; cat "$work/t"; done | best
}
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
floor_s=$(secs bash -c floor)

scan=("$bin" image -q --db "$db" "oci-archive:$archive" -f json)
vuln_s=$(secs "${scan[@]}" --no-cache --scanners vuln)
all_s=$(secs "${scan[@]}" --no-cache --scanners vuln,misconfig,secret)
cache=$work/cache
"${scan[@]}" --cache-dir "$cache" --scanners vuln,misconfig,secret >/dev/null
warm_s=$(secs "${scan[@]}" --cache-dir "$cache" --scanners vuln,misconfig,secret)
reused=$(HULLGUARD_LOG=info "${scan[@]}" --cache-dir "$cache" --scanners vuln,misconfig,secret 2>&1 >/dev/null |
  sed -n 's/.*layer cache: \(.*\)/\1/p')

printf '== debian-large (%s layers), best of %s runs\n' "$(wc -l < "$work/layers")" "$runs"
printf 'gzip -dc | tar -t over the layers (floor)     : %6.2f s\n' "$floor_s"
printf 'image --scanners vuln, no cache               : %6.2f s\n' "$vuln_s"
printf 'image --scanners vuln,misconfig,secret, cold  : %6.2f s  (%.2fx vuln alone; %.2fx the floor)\n' \
  "$all_s" "$(ratio "$all_s" "$vuln_s")" "$(ratio "$all_s" "$floor_s")"
printf 'image --scanners vuln,misconfig,secret, warm  : %6.2f s  (layer cache: %s)\n' "$warm_s" "$reused"
