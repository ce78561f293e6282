#!/usr/bin/env bash
# Secret scanning side by side with detect-secrets, in one run: the merged final filesystem of
# app-mixed written to a temp dir, scanned by `detect-secrets scan --all-files`, by hullguard's
# secret scanner (the library's scan_tree example, and `hullguard image --scanners secret dir:`),
# and by `hullguard image --scanners secret` over every layer of the archive; wall times, the
# speed-up, and what each found (counts by rule, and the paths one reports and the other does not).
#   bench/secrets-vs-detect-secrets.sh        (RUNS=3; DS_RUNS=RUNS for detect-secrets alone, which
#                                             takes minutes a run; needs `pip install detect-secrets`)
# The tree is written by the Python below, not umoci (Debian's umoci 0.4.7 refuses app-mixed's zstd
# layer): layers applied in order with their whiteouts (.wh.NAME, .wh..wh..opq); regular files and
# directories only (no symlinks, so nothing is read outside the tree; no devices, fifos, setuid
# bits); names with `..` or through a non-directory skipped; hard links copied.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
shared=${HULLGUARD_SHARED:-$repo/../shared}
archive=$shared/images/bookworm-images.oci.tar
ref=app-mixed:latest
runs=${RUNS:-3}
ds_runs=${DS_RUNS:-$runs}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-/var/tmp/hg-target}
command -v detect-secrets >/dev/null || pip install -q detect-secrets
# Call the console script's Python directly, not a pyenv shim (~0.2 s per process).
ds=$(pyenv which detect-secrets 2>/dev/null || command -v detect-secrets)
bin=$CARGO_TARGET_DIR/release/hullguard
[ -x "$bin" ] || cargo build --release -q -p hullguard
cargo build --release -q -p hullguard-secrets --example scan_tree
scan_tree=$CARGO_TARGET_DIR/release/examples/scan_tree
work=$(mktemp -d); trap 'chmod -R u+rwX "$work" 2>/dev/null; rm -rf "$work"' EXIT
tree=$work/rootfs

python3 - "$archive" "$ref" "$tree" <<'PY'
import io, json, os, shutil, stat, subprocess, sys, tarfile
archive, ref, root = sys.argv[1:4]
outer = tarfile.open(archive)
def blob(digest):
    return outer.extractfile("blobs/" + digest.replace(":", "/")).read()
index = json.loads(outer.extractfile("index.json").read())
desc = [m for m in index["manifests"] if m.get("annotations", {}).get("org.opencontainers.image.ref.name") == ref]
if len(desc) != 1:
    sys.exit(f"{ref}: {len(desc)} manifests in {archive}")
manifest = json.loads(blob(desc[0]["digest"]))
os.makedirs(root)
skipped = {"symlink": 0, "special": 0, "unsafe name": 0}
def target(name):
    """The path of `name` under root, or None when it is unsafe (`..`, a parent that is not a directory)."""
    parts = [p for p in name.split("/") if p not in ("", ".")]
    if not parts or ".." in parts:
        return None
    path = root
    for p in parts[:-1]:
        path = os.path.join(path, p)
        if os.path.lexists(path) and not stat.S_ISDIR(os.lstat(path).st_mode):
            return None
    return os.path.join(path, parts[-1])
def remove(path):
    if stat.S_ISDIR(os.lstat(path).st_mode):
        shutil.rmtree(path)
    else:
        os.unlink(path)
for n, layer in enumerate(manifest["layers"]):
    raw = blob(layer["digest"])
    if layer["mediaType"].endswith("+zstd"):
        raw = subprocess.run(["zstd", "-d", "-q", "-c"], input=raw, stdout=subprocess.PIPE, check=True).stdout
    added = set()  # paths this layer wrote: an opaque whiteout hides only the lower layers
    with tarfile.open(fileobj=io.BytesIO(raw), mode="r:*") as t:
        for m in t:
            head, _, base = m.name.rstrip("/").rpartition("/")
            if base == ".wh..wh..opq":
                d = target(head) if head.strip("./") else root
                if d and os.path.isdir(d) and not os.path.islink(d):
                    for e in os.listdir(d):
                        if os.path.join(d, e) not in added:
                            remove(os.path.join(d, e))
                continue
            if base.startswith(".wh."):
                p = target(head + "/" + base[4:])
                if p and os.path.lexists(p):
                    remove(p)
                continue
            p = target(m.name)
            if p is None:
                skipped["unsafe name"] += 1
                continue
            os.makedirs(os.path.dirname(p), exist_ok=True)
            if m.isdir():
                if os.path.lexists(p) and not os.path.isdir(p):
                    remove(p)
                os.makedirs(p, exist_ok=True)
                os.chmod(p, 0o755)
            elif m.isfile() or m.islnk():
                if m.islnk():
                    src = target(m.linkname)
                    if not src or not os.path.isfile(src) or os.path.islink(src):
                        skipped["unsafe name"] += 1
                        continue
                    data = open(src, "rb").read()
                else:
                    data = t.extractfile(m).read()
                if os.path.lexists(p):
                    remove(p)
                with open(p, "wb") as f:
                    f.write(data)
                os.chmod(p, 0o755 if m.mode & 0o111 else 0o644)
            elif m.issym():
                if os.path.lexists(p):
                    remove(p)
                skipped["symlink"] += 1
                continue
            else:
                skipped["special"] += 1
                continue
            added.add(p)
files = sum(len(fs) for _, _, fs in os.walk(root))
size = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(root) for f in fs)
print(f"{ref}: {len(manifest['layers'])} layers merged into {files} files, {size / 1e6:.1f} MB "
      f"(skipped: {', '.join(f'{v} {k}' for k, v in skipped.items())})")
PY

best() { sort -n | head -1; }
wall() { # N cmd...: best wall seconds of cmd over N runs, its output kept in $work/out (exit codes ignored)
  local n=$1; shift
  for _ in $(seq "$n"); do
    local t0 t1
    t0=$(date +%s%N); "$@" >"$work/out" 2>"$work/err" || true; t1=$(date +%s%N)
    echo $(( (t1 - t0) / 1000 ))
  done | best | awk '{printf "%.3f", $1 / 1e6}'
}
cd "$tree"   # every tool reports paths relative to the tree
ds_s=$(wall "$ds_runs" "$ds" scan --all-files .); cp "$work/out" "$work/ds.json"
st_s=$(wall "$runs" "$scan_tree" .); cp "$work/out" "$work/st.txt"
dir_s=$(wall "$runs" "$bin" image -q --scanners secret "dir:$tree" -f json); cp "$work/out" "$work/dir.json"
img_s=$(wall "$runs" "$bin" image -q --no-cache --scanners secret "oci-archive:$archive:$ref" -f json); cp "$work/out" "$work/img.json"
cd "$work"

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1fx", a / b }'; }
echo "$("$ds" --version | sed 's/^/detect-secrets /'), $("$bin" --version); best of $runs runs ($ds_runs for detect-secrets)"
printf '%-58s %8s s\n' "detect-secrets scan --all-files TREE" "$ds_s"
printf '%-58s %8s s  speed-up %s\n' "hullguard-secrets scan_tree TREE (library)" "$st_s" "$(ratio "$ds_s" "$st_s")"
printf '%-58s %8s s  speed-up %s\n' "hullguard image --scanners secret dir:TREE" "$dir_s" "$(ratio "$ds_s" "$dir_s")"
printf '%-58s %8s s  speed-up %s\n' "hullguard image --scanners secret (archive, every layer)" "$img_s" "$(ratio "$ds_s" "$img_s")"
tail -1 st.txt | sed 's/^/scan_tree: /'

python3 - ds.json st.txt dir.json img.json <<'PY'
import json, re, sys
from collections import Counter
ds_doc, st_txt, dir_doc, img_doc = sys.argv[1:5]
norm = lambda p: re.sub(r"^(\./|/)+", "", p)
ds = json.load(open(ds_doc))["results"]
ds_hits = [(norm(p), h["line_number"], h["type"]) for p, hs in ds.items() for h in hs]
st_hits = []
for line in open(st_txt):
    m = re.match(r"^(.*):(\d+):(\d+) (\S+) ", line)
    if m:
        st_hits.append((norm(m.group(1)), int(m.group(2)), m.group(4)))
def image_hits(doc):
    """(path, line, rule, layer) of the secret findings of `hullguard image -f json`."""
    out = []
    def walk(o):
        if isinstance(o, dict):
            if o.get("kind") == "secret" or "rule_id" in o:
                loc = o.get("location") or {}
                out.append((norm(str(loc.get("path") or o.get("path") or "")), o.get("line") or loc.get("line"),
                            o.get("id") or o.get("rule_id"), loc.get("layer", o.get("layer"))))
                return
            for v in o.values():
                walk(v)
        elif isinstance(o, list):
            for v in o:
                walk(v)
    walk(json.load(open(doc)))
    return out
dir_hits, img_hits = image_hits(dir_doc), image_hits(img_doc)
def show(label, hits):
    files = {h[0] for h in hits}
    c = Counter(h[2] for h in hits)
    print(f"{label}: {len(hits)} findings in {len(files)} files; " + ", ".join(f"{k} {v}" for k, v in c.most_common(12)))
print()
show("detect-secrets            ", ds_hits)
show("hullguard scan_tree       ", st_hits)
show("hullguard image dir:TREE  ", dir_hits)
show("hullguard image (archive) ", img_hits)
deleted = sorted({h[0] for h in img_hits} - {h[0] for h in st_hits})
print(f"  of which in files absent from the final tree (deleted by a later layer): {len(deleted)}", " ".join(deleted[:10]))
ds_files, hg_files = {h[0] for h in ds_hits}, {h[0] for h in st_hits}
for label, only in (("paths detect-secrets reports and hullguard does not", ds_files - hg_files),
                    ("paths hullguard reports and detect-secrets does not", hg_files - ds_files)):
    print(f"\n{label}: {len(only)}")
    for p in sorted(only)[:20]:
        kinds = Counter(h[2] for h in (ds_hits if "detect-secrets reports" in label else st_hits) if h[0] == p)
        print("   ", p, dict(kinds))
print(f"\npaths both report: {len(ds_files & hg_files)}")
PY
