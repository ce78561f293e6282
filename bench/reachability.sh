#!/usr/bin/env bash
# Reachability: (1) the cost of reading Go binaries' functions, app-mixed scanned with
# `--reachability off` and `report` in the same run (target: at most 10% extra); (2) the peer,
# Debian's govulncheck (binary mode, offline, GOVULNDB=file:// in the legacy layout built from
# shared/vulndata/osv/Go.zip), against hullguard's verdicts per finding on Go binaries built here
# and on app-mixed's (which govulncheck refuses: stripped).
#
# Environment: HULLGUARD (binary, default target/…/debug/hullguard), HULLGUARD_SHARED, RUNS (5).
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
shared="${HULLGUARD_SHARED:-$repo/../shared}"
hg="${HULLGUARD:-${CARGO_TARGET_DIR:-$repo/target}/debug/hullguard}"
runs="${RUNS:-5}"
work="$(mktemp -d "${TMPDIR:-/tmp}/hg-reach.XXXXXX")"
trap 'rm -rf "$work"' EXIT

"$hg" db build --source "$shared/vulndata/osv/Go.zip" --db "$work/go.db" >/dev/null
image="oci-archive:$shared/images/bookworm-images.oci.tar:app-mixed:latest"

# --- (1) cost -----------------------------------------------------------------------------------
best() { # best wall time in ms of $runs scans with --reachability $1
    local best=999999 t0 t1 ms
    for _ in $(seq "$runs"); do
        t0=$(date +%s%N)
        "$hg" image --no-cache --scanners vuln --db "$work/go.db" --reachability "$1" -q -f json "$image" >/dev/null
        t1=$(date +%s%N)
        ms=$(( (t1 - t0) / 1000000 ))
        (( ms < best )) && best=$ms
    done
    echo "$best"
}
off=$(best off)
on=$(best report)
python3 -c "import sys; off,on=map(int,sys.argv[1:]); print(f'app-mixed scan: reachability off {off} ms, report {on} ms: {on/off:.3f}x (target <= 1.10x)')" "$off" "$on"

# --- (2) peer -----------------------------------------------------------------------------------
command -v govulncheck >/dev/null || { echo "govulncheck not installed: peer comparison skipped"; exit 0; }
python3 - "$shared/vulndata/osv/Go.zip" "$work/govulndb" <<'PY'
import json, os, re, sys, zipfile
src, out = sys.argv[1], sys.argv[2]
os.makedirs(os.path.join(out, "ID"), exist_ok=True)
by_module, index = {}, {}
with zipfile.ZipFile(src) as z:
    for name in z.namelist():
        if not name.endswith(".json"):
            continue
        rec = json.loads(z.read(name))
        json.dump(rec, open(os.path.join(out, "ID", rec["id"] + ".json"), "w"))
        for a in rec.get("affected", []):
            m = a.get("package", {}).get("name")
            if m and rec not in by_module.setdefault(m, []):
                by_module[m].append(rec)
                index[m] = max(index.get(m, ""), rec["modified"])
for m, recs in by_module.items():
    path = os.path.join(out, re.sub(r"[A-Z]", lambda c: "!" + c.group(0).lower(), m) + ".json")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    json.dump(recs, open(path, "w"))
json.dump(index, open(os.path.join(out, "index.json"), "w"))
PY
mkdir -p "$work/rootfs/usr/local/bin"
build() { # name, call
    mkdir -p "$work/src/$1"
    printf 'module example.com/%s\n\ngo 1.19\n' "$1" >"$work/src/$1/go.mod"
    printf 'package main\n\nimport (\n\t"fmt"\n\t"net/netip"\n\t"os"\n)\n\nfunc main() {\n\ta, err := netip.ParseAddr(os.Args[len(os.Args)-1])\n\tif err != nil {\n\t\treturn\n\t}\n\tfmt.Println(a.%s())\n}\n' "$2" >"$work/src/$1/main.go"
    (cd "$work/src/$1" && GOCACHE="$work/cache" GOPATH="$work/gopath" GOPROXY=off GOTOOLCHAIN=local GOFLAGS=-mod=mod CGO_ENABLED=0 \
        go build -trimpath -o "$work/rootfs/usr/local/bin/$1" .)
}
build calls IsLoopback
build imports String
"$hg" image --no-cache --scanners vuln --db "$work/go.db" -q -f json "dir:$work/rootfs" >"$work/hg.json"
"$hg" image --no-cache --scanners vuln --db "$work/go.db" -q -f json "$image" >"$work/app.json"
for b in calls imports; do
    GOVULNDB="file://$work/govulndb" govulncheck -json "$work/rootfs/usr/local/bin/$b" >"$work/gv-$b.json" 2>"$work/gv-$b.err" || true
done
python3 - "$work" <<'PY'
import json, sys
work = sys.argv[1]
def hg(report, path):
    out = {}
    for f in json.load(open(report))["findings"]:
        v = f.get("vulnerability")
        if v and f["location"].get("path") == path:
            for a in v["advisories"]:
                if a.startswith("GO-"):
                    out[a] = v.get("reachability", {}).get("verdict", "?")
    return out
def gv(path):
    text = open(path).read()
    try:
        doc = json.loads(text)
    except ValueError:
        return None
    ids = set()
    for v in doc.get("Vulns") or []:
        ids.add(v["OSV"]["id"])
    return ids
for b in ["calls", "imports"]:
    ours = hg(f"{work}/hg.json", f"/usr/local/bin/{b}")
    theirs = gv(f"{work}/gv-{b}.json")
    if theirs is None:
        print(f"{b}: govulncheck gave no JSON: {open(f'{work}/gv-{b}.err').read().strip()[:200]}")
        continue
    flagged = {i for i, v in ours.items() if v in ("reachable", "package_present")}
    agree = sorted(flagged & theirs)
    only_ours = sorted(flagged - theirs)
    only_theirs = sorted(theirs - flagged)
    cleared = sum(1 for v in ours.values() if v == "not_affected")
    print(f"{b}: {len(ours)} Go findings; hullguard reachable/package_present {len(flagged)}, not_affected {cleared}; "
          f"govulncheck {len(theirs)}; agree {len(agree)}: {' '.join(agree)}; only hullguard: {' '.join(only_ours) or '-'}; "
          f"only govulncheck: {' '.join(only_theirs) or '-'}")
app = json.load(open(f"{work}/app.json"))
for path in ["/usr/local/bin/goapp", "/usr/local/bin/gosu", "/usr/local/bin/runc"]:
    verdicts = {}
    for f in app["findings"]:
        v = f.get("vulnerability")
        if v and f["location"].get("path") == path:
            r = v.get("reachability", {}).get("verdict", "?")
            verdicts[r] = verdicts.get(r, 0) + 1
    print(f"app-mixed {path}: {dict(sorted(verdicts.items()))}")
PY
