#!/usr/bin/env bash
# Benchmark: hullguard reading and digest-verifying every layer of debian-large, against the
# physical floor `gzip -dc | tar -t` over the same layer blobs, measured in one run.
#   bench/image-read.sh            (RUNS=3, LARGE_OUT=/var/tmp/hullguard-image-build/large-out)
# Prints per-run times, the best of each, the ratio, MB/s of uncompressed data and peak RSS.
set -euo pipefail
source "$(dirname "$0")/common.sh"

if [ ! -f "$large/debian-large.oci.tar" ]; then
  echo "building debian-large (about 4 minutes, once) into $large" >&2
  LARGE_OUT=$large "$shared/images/build.sh" bench-image >&2
fi
image=$large/debian-large.oci.tar

# The baseline reads the same layer blobs, unpacked from the archive once (not timed).
tar -xf "$image" -C "$work" blobs
mapfile -t layers < <("$bin" inspect "oci-archive:$image" -q -f json \
  | python3 -c 'import json,sys; [print(l["digest"][7:]) for l in json.load(sys.stdin)["layers"]]')
uncompressed=$("$bin" inspect "oci-archive:$image" -q -f json \
  | python3 -c 'import json,sys; print(sum(l["uncompressed_size"] for l in json.load(sys.stdin)["layers"]))')

now() { date +%s.%N; }
best_floor=999999; best_hg=999999; rss=0
for i in $(seq "$runs"); do
  cat "$image" > /dev/null  # same page-cache state for both
  t0=$(now)
  for l in "${layers[@]}"; do gzip -dc "$work/blobs/sha256/$l" | tar -t > /dev/null; done
  t1=$(now)
  /usr/bin/time -f '%M' -o "$work/rss" "$bin" inspect "oci-archive:$image" -q -f json > /dev/null
  t2=$(now)
  floor=$(echo "$t1 - $t0" | bc -l); hg=$(echo "$t2 - $t1" | bc -l); r=$(cat "$work/rss")
  printf 'run %d: gzip -dc | tar -t %.2f s, hullguard %.2f s, peak RSS %d KiB\n' "$i" "$floor" "$hg" "$r"
  best_floor=$(echo "if ($floor < $best_floor) $floor else $best_floor" | bc -l)
  best_hg=$(echo "if ($hg < $best_hg) $hg else $best_hg" | bc -l)
  [ "$r" -gt "$rss" ] && rss=$r
done
mb=$(echo "$uncompressed / 1000000" | bc -l)
printf '\ndebian-large: %d layers, %.0f MB uncompressed, %s compressed\n' "${#layers[@]}" "$mb" "$(du -h "$image" | cut -f1)"
printf 'floor  gzip -dc | tar -t : %.2f s (%.0f MB/s)\n' "$best_floor" "$(echo "$mb / $best_floor" | bc -l)"
printf 'hullguard inspect     : %.2f s (%.0f MB/s), digests verified, peak RSS %.1f MB\n' "$best_hg" "$(echo "$mb / $best_hg" | bc -l)" "$(echo "$rss / 1024" | bc -l)"
printf 'ratio hullguard/floor : %.2f (target <= 0.60)\n' "$(echo "$best_hg / $best_floor" | bc -l)"
