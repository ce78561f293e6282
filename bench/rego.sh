#!/usr/bin/env bash
# Custom Rego policies at scale: a directory of 200 generated rules (20 packages of 10 `deny_…`
# rules over containers, labels, security contexts and resources, plus one `warn` rule that
# fires once per object so the objects are counted) over the Kubernetes objects of
# bench/k8s-corpus.py (seeded). Prints the wall time of `hullguard k8s DIR` with and without
# `--policy-dir`, the policies' time per object, and its ratio to the built-in checks' time.
#   bench/rego.sh            (COUNT=250 applications, about 1,000 objects; RUNS=3, best run kept)
set -euo pipefail
source "$(dirname "$0")/common.sh"
count=${COUNT:-250}
python3 "$repo/bench/k8s-corpus.py" "$work/corpus" --count "$count" >/dev/null
mkdir -p "$work/rules"
python3 - "$work/rules" <<'PY'
import sys
out = sys.argv[1]
shapes = [
    'some c in input.spec.template.spec.containers\n\tc.image == "registry.invalid/banned-{i}"\n\tmsg := sprintf("container %s uses banned image {i}", [c.name])',
    'input.metadata.labels["acme.invalid/tier-{i}"] == "forbidden"\n\tmsg := sprintf("%s carries tier {i}", [input.metadata.name])',
    'some c in input.spec.template.spec.containers\n\tsome e in c.env\n\te.name == "ACME_SECRET_{i}"\n\tmsg := sprintf("container %s sets ACME_SECRET_{i}", [c.name])',
    'some c in input.spec.template.spec.containers\n\tc.resources.limits.memory == "{i}Gi"\n\tc.securityContext.runAsUser == {i}\n\tmsg := sprintf("container %s: limit {i}Gi as uid {i}", [c.name])',
]
for p in range(20):
    rules = []
    for r in range(10):
        i = p * 10 + r
        body = shapes[i % 4].replace("{i}", str(i))
        rules.append(f"# METADATA\n# title: bench rule {i}\n# custom:\n#   id: BENCH-{i:03}\n#   severity: MEDIUM\ndeny_r{i} contains msg if {{\n\t{body}\n}}\n")
    if p == 0:
        rules[-1] = "# METADATA\n# title: object seen\n# custom:\n#   id: BENCH-SEEN\nwarn_seen contains msg if {\n\tmsg := sprintf(\"%s/%s\", [input.kind, object.get(input.metadata, \"name\", \"\")])\n}\n"
    with open(f"{out}/bench_{p:02}.rego", "w") as f:
        f.write(f"package bench.p{p:02}\n\n" + "\n".join(rules))
PY
echo "$("$bin" --version); $(grep -c '^deny_\|^warn_' "$work"/rules/*.rego | awk -F: '{n += $2} END {print n}') rules in $(ls "$work/rules" | wc -l) files"
best() { # command...: "WALL CPU" (s) of the run of best wall time of $runs runs (CPU: user +
  # system, all threads; steadier than wall on a loaded machine); output of the last to $work/last.out
  local b=""
  for _ in $(seq "$runs"); do
    /usr/bin/time -f '%e %U %S' -o "$work/t" "$@" > "$work/last.out" 2>/dev/null || true
    t=$(tail -1 "$work/t" | awk '{ print $1, $2 + $3 }')
    b=$(awk -v a="$t" -v b="$b" 'BEGIN { split(a, x, " "); split(b, y, " "); print (b == "" || x[1] < y[1]) ? a : b }')
  done
  echo "$b"
}
read -r builtin builtin_cpu <<< "$(best "$bin" k8s "$work/corpus/k8s" -f json)"
read -r with with_cpu <<< "$(best "$bin" k8s "$work/corpus/k8s" -f json --policy-dir "$work/rules")"
objects=$(python3 -c 'import json,sys; print(sum(1 for f in json.load(open(sys.argv[1]))["findings"] if f["id"] == "BENCH-SEEN"))' "$work/last.out")
awk -v b="$builtin" -v w="$with" -v bc="$builtin_cpu" -v wc="$with_cpu" -v n="$objects" 'BEGIN {
  rego = w - b; rc = wc - bc
  printf "objects: %d (wall, then CPU time of all threads)\n", n
  printf "hullguard k8s (built-in checks only)        %6.2f s  %7.1f us/object  cpu %6.2f s\n", b, b / n * 1e6, bc
  printf "hullguard k8s --policy-dir (200 rules too)  %6.2f s                     cpu %6.2f s\n", w, wc
  printf "the 200 Rego rules alone                    %6.2f s  %7.1f us/object, %.2fx the built-in checks; cpu %6.2f s, %.2fx\n", rego, rego / n * 1e6, rego / b, rc, rc / bc
}'
