#!/usr/bin/env bash
# Custom Rego policies at scale: a directory of 200 generated rules (20 packages of 10 `deny_…`
# rules over containers, labels, security contexts and resources, plus one `warn` rule that
# fires once per object so the objects are counted) over the Kubernetes objects of
# bench/k8s-corpus.py (seeded). Prints the wall time of `hullguard k8s DIR` with and without
# `--policy-dir`, the policies' time per object, and its ratio to the built-in checks' time.
# Two rule sets of those shapes: `banned`, values no object has (what most deny rules are: the
# rule index skips nearly every evaluation), and `matching`, values the corpus has (an image in
# use, the app label, DB_PASSWORD, 256Mi as uid 0: most rules are evaluated and many fire).
#   bench/rego.sh            (COUNT=250 applications, about 1,000 objects; RUNS=3, best run kept)
set -euo pipefail
source "$(dirname "$0")/common.sh"
count=${COUNT:-250}
python3 "$repo/bench/k8s-corpus.py" "$work/corpus" --count "$count" >/dev/null
python3 - "$work" <<'PY'
import os, sys
work = sys.argv[1]
images = ["nginx", "nginx:1.27", "redis:7", "ghcr.io/acme/api:2.3.1", "postgres:16", "busybox:latest"]
sets = {
    "banned": [
        'some c in input.spec.template.spec.containers\n\tc.image == "registry.invalid/banned-{i}"\n\tmsg := sprintf("container %s uses banned image {i}", [c.name])',
        'input.metadata.labels["acme.invalid/tier-{i}"] == "forbidden"\n\tmsg := sprintf("%s carries tier {i}", [input.metadata.name])',
        'some c in input.spec.template.spec.containers\n\tsome e in c.env\n\te.name == "ACME_SECRET_{i}"\n\tmsg := sprintf("container %s sets ACME_SECRET_{i}", [c.name])',
        'some c in input.spec.template.spec.containers\n\tc.resources.limits.memory == "{i}Gi"\n\tc.securityContext.runAsUser == {i}\n\tmsg := sprintf("container %s: limit {i}Gi as uid {i}", [c.name])',
    ],
    "matching": [
        'some c in input.spec.template.spec.containers\n\tc.image == "{image}"\n\tmsg := sprintf("container %s uses image {image} ({i})", [c.name])',
        'input.metadata.labels.app\n\tendswith(input.metadata.name, "{digit}")\n\tmsg := sprintf("%s ends in {digit} ({i})", [input.metadata.name])',
        'some c in input.spec.template.spec.containers\n\tsome e in c.env\n\te.name == "DB_PASSWORD"\n\tendswith(e.value, "{digit}")\n\tmsg := sprintf("container %s sets DB_PASSWORD ({i})", [c.name])',
        'some c in input.spec.template.spec.containers\n\tc.resources.limits.memory == "256Mi"\n\tc.securityContext.runAsUser == 0\n\tmsg := sprintf("container %s: 256Mi as root ({i})", [c.name])',
    ],
}
for name, shapes in sets.items():
    out = os.path.join(work, "rules-" + name)
    os.makedirs(out, exist_ok=True)
    for p in range(20):
        rules = []
        for r in range(10):
            i = p * 10 + r
            body = shapes[i % 4].replace("{i}", str(i)).replace("{image}", images[i % len(images)]).replace("{digit}", str(i % 10))
            rules.append(f"# METADATA\n# title: bench rule {i}\n# custom:\n#   id: BENCH-{i:03}\n#   severity: MEDIUM\ndeny_r{i} contains msg if {{\n\t{body}\n}}\n")
        if p == 0:
            rules[-1] = "# METADATA\n# title: object seen\n# custom:\n#   id: BENCH-SEEN\nwarn_seen contains msg if {\n\tmsg := sprintf(\"%s/%s\", [input.kind, object.get(input.metadata, \"name\", \"\")])\n}\n"
        with open(f"{out}/bench_{p:02}.rego", "w") as f:
            f.write(f"package bench.p{p:02}\n\n" + "\n".join(rules))
PY
echo "$("$bin" --version); each set: $(grep -c '^deny_\|^warn_' "$work"/rules-banned/*.rego | awk -F: '{n += $2} END {print n}') rules in $(ls "$work/rules-banned" | wc -l) files"
best() { # command...: "WALL CPU" (s) of the run of best wall time of $runs runs (wall from the
  # shell's microsecond clock; CPU: user + system, all threads, in 10 ms ticks; steadier than wall
  # on a loaded machine); output of the last to $work/last.out
  local b=""
  for _ in $(seq "$runs"); do
    local start=$EPOCHREALTIME
    /usr/bin/time -f '%U %S' -o "$work/t" "$@" > "$work/last.out" 2>/dev/null || true
    t=$(tail -1 "$work/t" | awk -v s="$start" -v e="$EPOCHREALTIME" '{ print e - s, $1 + $2 }')
    b=$(awk -v a="$t" -v b="$b" 'BEGIN { split(a, x, " "); split(b, y, " "); print (b == "" || x[1] < y[1]) ? a : b }')
  done
  echo "$b"
}
read -r builtin builtin_cpu <<< "$(best "$bin" k8s "$work/corpus/k8s" -f json)"
for set in banned matching; do
  read -r with with_cpu <<< "$(best "$bin" k8s "$work/corpus/k8s" -f json --policy-dir "$work/rules-$set")"
  read -r objects fired <<< "$(python3 -c 'import json,sys
ids = [f["id"] for f in json.load(open(sys.argv[1]))["findings"]]
print(ids.count("BENCH-SEEN"), sum(1 for i in ids if i.startswith("BENCH-") and i != "BENCH-SEEN"))' "$work/last.out")"
  awk -v b="$builtin" -v w="$with" -v bc="$builtin_cpu" -v wc="$with_cpu" -v n="$objects" -v s="$set" -v f="$fired" 'BEGIN {
    rego = w - b; rc = wc - bc
    printf "%s rules: %d findings over %d objects (wall, then CPU time of all threads)\n", s, f, n
    printf "  hullguard k8s (built-in checks only)        %6.2f s  %7.1f us/object  cpu %6.2f s\n", b, b / n * 1e6, bc
    printf "  hullguard k8s --policy-dir (200 rules too)  %6.2f s                     cpu %6.2f s\n", w, wc
    printf "  the 200 Rego rules alone                    %6.2f s  %7.1f us/object, %.2fx the built-in checks; cpu %6.2f s, %.2fx\n", rego, rego / n * 1e6, rego / b, rc, rc / bc
  }'
done
