#!/usr/bin/env bash
# Kubernetes manifests side by side with Checkov, in one run, over a generated corpus
# (bench/k8s-corpus.py, seeded: COUNT application streams of workloads, Services, Ingresses,
# NetworkPolicies, RBAC and ConfigMaps, plus COUNT/20 compose files): wall time and peak RSS of
# `hullguard k8s DIR` and `checkov -d DIR --framework kubernetes`, their ratios, and concept by
# concept how many objects each flags (through the CKV_K8S peer ids of `hullguard checks list`).
#   bench/k8s.sh            (COUNT=1000; installs checkov into a venv when it is missing)
set -euo pipefail
source "$(dirname "$0")/common.sh"
count=${COUNT:-1000}
checkov=${CHECKOV:-$(command -v checkov || true)}
if [ -z "$checkov" ]; then
  venv=${CHECKOV_VENV:-/var/tmp/hg-checkov-venv}
  [ -x "$venv/bin/checkov" ] || { python3 -m venv "$venv" && "$venv/bin/pip" install -q checkov; }
  checkov=$venv/bin/checkov
fi
python3 "$repo/bench/k8s-corpus.py" "$work/corpus" --count "$count"
cd "$work/corpus"
echo "$("$bin" --version), checkov $("$checkov" --version 2>/dev/null | tail -1)"
printf '%d manifest files (%d documents), %d compose files\n' \
  "$(find k8s -type f | wc -l)" "$(cat k8s/*.yaml | grep -c "^---")" "$(find compose -type f | wc -l)"

measure() { # label, command...: wall seconds and peak RSS (MB) of one run, output to $work/label.out
  local label=$1; shift
  /usr/bin/time -f '%e %M' -o "$work/$label.time" "$@" > "$work/$label.out" 2>"$work/$label.err" || true
  # (time puts "Command exited with non-zero status N" first when the tool reports findings)
  read -r secs kb < <(tail -1 "$work/$label.time")
  echo "$secs $((kb / 1024))"
}
# Default output of each (hullguard's table, checkov's CLI report), then JSON of each.
read -r ck_cli_s ck_cli_mb < <(measure checkov-cli "$checkov" -d k8s --framework kubernetes --quiet --skip-download)
read -r hg_tab_s hg_tab_mb < <(measure hullguard-table "$bin" k8s k8s)
read -r ck_s ck_mb < <(measure checkov "$checkov" -d k8s --framework kubernetes -o json --quiet --skip-download)
read -r hg_s hg_mb < <(measure hullguard "$bin" k8s k8s -f json)
read -r cfg_s cfg_mb < <(measure config "$bin" config . -f json)

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.0fx", a / (b > 0 ? b : 0.001) }'; }
share() { awk -v a="$1" -v b="$2" 'BEGIN { printf "1/%.0f", b / (a > 0 ? a : 1) }'; }
printf '%-56s %8s s %7s MB\n' "checkov -d k8s --framework kubernetes (CLI report)" "$ck_cli_s" "$ck_cli_mb"
printf '%-56s %8s s %7s MB   %s faster, %s of the RSS\n' "hullguard k8s k8s (table)" "$hg_tab_s" "$hg_tab_mb" \
  "$(ratio "$ck_cli_s" "$hg_tab_s")" "$(share "$hg_tab_mb" "$ck_cli_mb")"
printf '%-56s %8s s %7s MB\n' "checkov … -o json" "$ck_s" "$ck_mb"
printf '%-56s %8s s %7s MB   %s faster, %s of the RSS\n' "hullguard k8s k8s -f json" "$hg_s" "$hg_mb" \
  "$(ratio "$ck_s" "$hg_s")" "$(share "$hg_mb" "$ck_mb")"
printf '%-56s %8s s %7s MB   (Kubernetes and compose files)\n' "hullguard config . -f json (discovery)" "$cfg_s" "$cfg_mb"

"$bin" checks list -f json > "$work/checks.json"
python3 - "$work/checks.json" "$work/hullguard.out" "$work/checkov.out" <<'PY'
import collections, json, sys
checks = json.load(open(sys.argv[1]))
ours = json.load(open(sys.argv[2]))
theirs = json.load(open(sys.argv[3]))
if isinstance(theirs, list):
    theirs = next((r for r in theirs if r.get("check_type") == "kubernetes"), {"results": {}})
# Objects (kind/namespace/name) each tool flags, per hullguard concept.
by_peer = collections.defaultdict(set)
for c in checks:
    for p in c.get("peer_ids", []):
        if p.startswith("CKV_K8S_") or p.startswith("CKV2_K8S_"):
            by_peer[p].add(c["concept"])
flag_ours = collections.defaultdict(set)
for f in ours["findings"]:
    loc = f["location"]
    flag_ours[f.get("concept")].add(loc.get("object"))
flag_theirs = collections.defaultdict(set)
for r in theirs.get("results", {}).get("failed_checks", []):
    kind, *rest = r["resource"].split(".")
    name = rest[-1] if rest else ""
    ns = rest[0] if len(rest) > 1 else None
    obj = f"{kind}/{ns}/{name}" if ns and ns != "default" else f"{kind}/{name}"
    for concept in by_peer.get(r["check_id"], ()):
        flag_theirs[concept].add(obj)
# Checkov names objects without a namespace as kind.default.name: compare by kind and name.
norm = lambda objs: {(o.split("/")[0], o.split("/")[-1]) for o in objs}
print("\nconcept                               hullguard  checkov  (objects flagged; only concepts with a Checkov peer)")
for concept in sorted(set(flag_theirs) | {c for cs in by_peer.values() for c in cs}):
    a, b = norm(flag_ours.get(concept, set())), norm(flag_theirs.get(concept, set()))
    mark = "" if a == b else f"   differ: {len(a - b)} only hullguard, {len(b - a)} only checkov"
    print(f"{concept:38} {len(a):9} {len(b):8}{mark}")
print(f"\nhullguard findings: {len(ours['findings'])}, checkov failed checks: {len(theirs.get('results', {}).get('failed_checks', []))}")
PY
