#!/usr/bin/env bash
# Registry pulls, in one run, against Debian's docker-registry on 127.0.0.1:
#   pull : pull + vulnerability scan of app-mixed (10 layers, 50 MB), no cache, vs the floor
#          `skopeo copy` of the same image to an OCI dir (copy only): medians of RUNS (3) runs
#          each, and the ratio (target <= 1.0x); then `tar -t` over the copied layers (inflating each),
#          the floor of a scan that must inflate, and the ratio to copy + that;
#   cache: a registry of IMAGES (20) images sharing app-mixed, each with one small layer of its
#          own on top (made here by editing an OCI layout), scanned whole by `registry scan`
#          twice with one layer cache: the second scan's time over the first's (target <= 10%).
#   CARGO_TARGET_DIR=/var/tmp/hg-release bench/registry-pull.sh
set -euo pipefail
source "$(dirname "$0")/common.sh"
images=${IMAGES:-20}
for tool in docker-registry skopeo curl python3; do
  command -v "$tool" >/dev/null || { echo "bench/registry-pull.sh needs $tool" >&2; exit 2; }
done

pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"' EXIT INT TERM
start_registry
export DOCKER_CONFIG=/nonexistent
"$bin" db build -q --source "$shared/vulndata" --db "$work/hullguard.db"
skopeo copy -q --dest-tls-verify=false "oci-archive:$shared/images/bookworm-images.oci.tar:app-mixed:latest" \
  "docker://$host/bench/app-mixed:latest"

# Seconds of wall time of one run of "$@" (output discarded).
wall() {
  local start end
  start=$(date +%s.%N)
  "$@" >/dev/null
  end=$(date +%s.%N)
  echo "$end - $start" | bc -l
}
median() { sort -g | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }

echo "== pull + scan of app-mixed vs skopeo copy (median of $runs, $(nproc) cores, load: $(cut -d' ' -f1-3 /proc/loadavg))"
floor=$(for _ in $(seq "$runs"); do
  rm -rf "$work/oci"
  wall skopeo copy -q --src-tls-verify=false "docker://$host/bench/app-mixed:latest" "oci:$work/oci:app"
done | median)
ours=$(for _ in $(seq "$runs"); do
  wall "$bin" image --no-cache --insecure --db "$work/hullguard.db" -f json "$host/bench/app-mixed:latest"
done | median)
# The physical floor of a scan that must inflate: the copy, then `tar -t` over its layers (tar runs gzip or zstd)
# (one after the other, on one core).
layers=$(python3 -c 'import json, sys
d = sys.argv[1]
index = json.load(open(d + "/index.json"))
manifest = json.load(open(d + "/blobs/" + index["manifests"][0]["digest"].replace(":", "/")))
print(" ".join(d + "/blobs/" + l["digest"].replace(":", "/") for l in manifest["layers"]))' "$work/oci")
inflate() { for l in $layers; do tar -tf "$l" > /dev/null; done; }  # GNU tar: gzip or zstd by their magic
unpack=$(for _ in $(seq "$runs"); do wall inflate; done | median)
printf 'skopeo copy (floor)  %6.3f s\nhullguard image      %6.3f s\nratio                %6.2fx (target <= 1.0x)\n' \
  "$floor" "$ours" "$(echo "$ours / $floor" | bc -l)"
printf 'tar -t of the copied layers (gzip -dc, zstd -dc) %6.3f s; copy + that %6.3f s; hullguard image / (copy + that) %6.2fx\n' \
  "$unpack" "$(echo "$floor + $unpack" | bc -l)" "$(echo "$ours / ($floor + $unpack)" | bc -l)"

# The 20 images: app-mixed plus one small layer each (a file naming the variant).
skopeo copy -q "oci-archive:$shared/images/bookworm-images.oci.tar:app-mixed:latest" "oci:$work/layout:base"
python3 - "$work/layout" "$images" <<'PY'
import gzip, hashlib, io, json, os, sys, tarfile
layout, count = sys.argv[1], int(sys.argv[2])
blobs = os.path.join(layout, "blobs", "sha256")
def put(data):
    digest = hashlib.sha256(data).hexdigest()
    with open(os.path.join(blobs, digest), "wb") as f:
        f.write(data)
    return "sha256:" + digest
def blob(digest):
    with open(os.path.join(blobs, digest.split(":")[1]), "rb") as f:
        return f.read()
index = json.load(open(os.path.join(layout, "index.json")))
base = json.loads(blob(index["manifests"][0]["digest"]))
config = json.loads(blob(base["config"]["digest"]))
for i in range(1, count + 1):
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        body = f"variant {i}\n".encode()
        info = tarfile.TarInfo(f"etc/variant-{i}")
        info.size, info.mtime, info.mode = len(body), 0, 0o644
        tar.addfile(info, io.BytesIO(body))
    diff_id = "sha256:" + hashlib.sha256(raw.getvalue()).hexdigest()
    layer = gzip.compress(raw.getvalue(), mtime=0)
    c = json.loads(json.dumps(config))
    c["rootfs"]["diff_ids"].append(diff_id)
    c.setdefault("history", []).append({"created_by": f"COPY variant-{i} /etc/"})
    c_bytes = json.dumps(c).encode()
    m = json.loads(json.dumps(base))
    m["config"] = {"mediaType": m["config"]["mediaType"], "digest": put(c_bytes), "size": len(c_bytes)}
    m["layers"].append({"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": put(layer),
                        "size": len(layer)})
    m_bytes = json.dumps(m).encode()
    index["manifests"].append({"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": put(m_bytes),
                               "size": len(m_bytes), "annotations": {"org.opencontainers.image.ref.name": f"v{i}"}})
json.dump(index, open(os.path.join(layout, "index.json"), "w"))
PY
for i in $(seq "$images"); do
  skopeo copy -q --dest-tls-verify=false "oci:$work/layout:v$i" "docker://$host/fleet/app-$i:1"
done

echo "== registry scan of $images images sharing a base, twice with one layer cache (load: $(cut -d' ' -f1-3 /proc/loadavg))"
scan() { "$bin" registry scan --insecure --cache-dir "$work/cache" --db "$work/hullguard.db" -f json "$host/fleet" > "$1"; }
first=$(wall scan "$work/first.json")
second=$(wall scan "$work/second.json")
cmp -s "$work/first.json" "$work/second.json" || echo "note: the two scans' reports differ" >&2
count=$(python3 -c 'import json, sys; print(len(json.load(open(sys.argv[1]))["images"]))' "$work/first.json")
printf 'reports               %d\nfirst scan (cold)   %6.3f s\nsecond scan (cache) %6.3f s\nratio               %6.1f%% (target <= 10%%)\n' \
  "$count" "$first" "$second" "$(echo "100 * $second / $first" | bc -l)"
