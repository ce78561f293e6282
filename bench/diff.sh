#!/usr/bin/env bash
# `hullguard diff` of two large saved reports, against the floor of parsing both with Python's
# json module (a peer that does no comparison). The first report is debian-large's when
# $LARGE_OUT/debian-large.oci.tar exists, else a synthetic one: the app-mixed report with its
# findings repeated under new ids to SYNTH_FINDINGS (default 20000) findings. The second is the
# first with every tenth finding under a new id (a tenth added, a tenth removed).
# Target: under 100 ms per diff.
set -euo pipefail
. "$(dirname "$0")/common.sh"

db=$work/hullguard.db
"$bin" db build -q --source "$shared/vulndata" --db "$db" >/dev/null 2>&1 || "$bin" db build --source "$shared/vulndata" --db "$db" >/dev/null
if [ -f "$large/debian-large.oci.tar" ]; then
  what="debian-large reports"
  "$bin" image -q --no-cache --db "$db" --format json -o "$work/a.json" "oci-archive:$large/debian-large.oci.tar" || true
else
  what="synthetic reports"
  "$bin" image -q --no-cache --db "$db" --format json -o "$work/seed.json" \
    "oci-archive:$shared/images/bookworm-images.oci.tar:app-mixed:latest" || true
  python3 - "$work" "${SYNTH_FINDINGS:-20000}" <<'EOF'
import copy, json, sys
work, total = sys.argv[1], int(sys.argv[2])
seed = json.load(open(f"{work}/seed.json"))
base = seed["findings"]
findings = []
while len(findings) < total:
    for f in base:
        g = copy.deepcopy(f)
        g["id"] = f"{f['id']}-{len(findings)}"
        findings.append(g)
        if len(findings) == total:
            break
json.dump(dict(seed, findings=findings), open(f"{work}/a.json", "w"))
EOF
fi
python3 - "$work" <<'EOF'
import json, sys
work = sys.argv[1]
a = json.load(open(f"{work}/a.json"))
b = dict(a, findings=[dict(f, id=f["id"] + "-new") if i % 10 == 0 else f for i, f in enumerate(a["findings"])])
json.dump(b, open(f"{work}/b.json", "w"))
EOF
size=$(du -k "$work/a.json" | cut -f1)
count=$(python3 -c "import json,sys; print(len(json.load(open(sys.argv[1]))['findings']))" "$work/a.json")

best() { # best wall time in ms of $runs runs of "$@"
  local best=
  for _ in $(seq "$runs"); do
    local t0 t1 ms
    t0=$(date +%s%N); "$@" >/dev/null || [ $? -eq 1 ]; t1=$(date +%s%N)
    ms=$(( (t1 - t0) / 1000000 ))
    if [ -z "$best" ] || [ "$ms" -lt "$best" ]; then best=$ms; fi
  done
  echo "$best"
}
diff_ms=$(best "$bin" diff --format json "$work/a.json" "$work/b.json")
floor_ms=$(best python3 -c "import json,sys; [json.load(open(p)) for p in sys.argv[1:]]" "$work/a.json" "$work/b.json")
echo "diff of two $what ($count findings, ${size} KiB each): ${diff_ms} ms (target < 100 ms)"
echo "floor, python3 json.load of both: ${floor_ms} ms; ratio $(python3 -c "print(f'{$diff_ms/max($floor_ms,1):.2f}')")x"
