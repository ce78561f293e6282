#!/usr/bin/env bash
# Image config + secret checks over every layer of debian-large, against the physical floor
# (`gzip -dc | tar -t` over the same layer blobs), in one run, best of RUNS (3).
#   bench/image-checks.sh
set -euo pipefail
source "$(dirname "$0")/common.sh"
[ -f "$large/debian-large.oci.tar" ] || LARGE_OUT=$large "$shared/images/build.sh" bench-image >&2
tar xf "$large/debian-large.oci.tar" -C "$work"
layers=$(python3 -c "
import json,sys
d='$work'
idx=json.load(open(d+'/index.json'))
m=json.load(open(d+'/blobs/sha256/'+idx['manifests'][0]['digest'].split(':')[1]))
print(' '.join(d+'/blobs/sha256/'+l['digest'].split(':')[1] for l in m['layers']))")
bytes=$(for l in $layers; do gzip -dc "$l" | wc -c; done | paste -sd+ | bc)
best() { sort -n | head -1; }
floor=$(for _ in $(seq "$runs"); do /usr/bin/time -f '%e' bash -c "for l in $layers; do gzip -dc \"\$l\" | tar -t >/dev/null; done" 2>&1 >/dev/null | tail -1; done | best)
for _ in $(seq "$runs"); do
  /usr/bin/time -f '%e %M' -o "$work/t" "$bin" image -q --scanners misconfig,secret "oci-archive:$large/debian-large.oci.tar" -f json > "$work/out.json"
  cat "$work/t"
done > "$work/times"
hg=$(cut -d' ' -f1 "$work/times" | best); rss=$(cut -d' ' -f2 "$work/times" | sort -n | tail -1)
counts=$(python3 -c "import json; r=json.load(open('$work/out.json')); print(len(r.get('misconfigurations',[])), 'misconfigurations,', len(r.get('secrets',[])), 'secrets')")
mb=$(echo "$bytes/1000000" | bc -l)
printf 'debian-large: %.0f MB uncompressed\nfloor gzip -dc | tar -t                 : %5.2f s (%.0f MB/s)\n' "$mb" "$floor" "$(echo "$mb/$floor" | bc -l)"
printf 'hullguard image --scanners misconfig,secret : %5.2f s (%.0f MB/s), peak RSS %.1f MB, %s\n' "$hg" "$(echo "$mb/$hg" | bc -l)" "$(echo "$rss/1024" | bc -l)" "$counts"
printf 'ratio hullguard/floor : %.2f\n' "$(echo "$hg/$floor" | bc -l)"
