#!/usr/bin/env bash
# The admission webhook under load, in one run. app-mixed is pushed to a loopback registry
# (Debian's docker-registry), signed, and its scan stored in the server (its SBOM under its
# config digest); the trust policy requires the signature and gates vulnerabilities (above
# CRITICAL: none, so every finding is counted and the Pod is admitted). Then, over TLS:
#   cached: RATE (1000) reviews a second for DURATION (30) seconds of a restricted Pod using that image,
#           open loop (each sent at its time, latency counted from it): p50, p99, max, errors,
#           and the server's CPU and RSS;
#   cold  : COLD (200) reviews one after the other by a second server whose caches keep
#           nothing (signature_cache_seconds: 0): every review verifies the signature in the
#           registry, resolves the config digest and reads the stored scan: p50, p99;
#   floor : FLOOR (20000) calls of the same decision function (`admission::review`) in
#           process, caches filled: p50, p99; and the ratios.
#   bench/admission.sh        (target: cached p99 < 10 ms, no errors)
set -euo pipefail
source "$(dirname "$0")/common.sh"
rate=${RATE:-1000}
seconds=${DURATION:-30}
cold=${COLD:-200}
floor_count=${FLOOR:-20000}
# ADMISSION_LOAD: use that load generator (say a debug build, with HULLGUARD_BIN) instead.
if [ -n "${ADMISSION_LOAD:-}" ]; then
  load=$ADMISSION_LOAD
else
  cargo build --release -q -p hullguard-server --example admission_load --manifest-path "$repo/Cargo.toml"
  load=$CARGO_TARGET_DIR/release/examples/admission_load
fi
for tool in docker-registry skopeo openssl curl; do
  command -v "$tool" >/dev/null || { echo "bench/admission.sh needs $tool" >&2; exit 2; }
done

pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"' EXIT INT TERM
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# The registry, with app-mixed signed in it.
host=127.0.0.1:$(free_port)
printf 'version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: %s\nhttp:\n  addr: %s\n' \
  "$work/registry" "$host" > "$work/registry.yml"
docker-registry serve "$work/registry.yml" > "$work/registry.log" 2>&1 &
pids+=($!)
until curl -sf "http://$host/v2/" >/dev/null; do sleep 0.1; done
app=docker-archive:$shared/images/bookworm-images.docker.tar:app-mixed:latest
skopeo copy -q --dest-tls-verify=false "$app" "docker://$host/shop/app:1"
export HULLGUARD_PASSWORD=bench DOCKER_CONFIG=/nonexistent
"$bin" key generate --output-key-prefix "$work/bench" </dev/null 2>/dev/null
"$bin" sign --insecure "$host/shop/app:1" --key "$work/bench.key" 2>/dev/null

# The database, the certificate, the policies and the review.
"$bin" db build -q --source "$shared/vulndata" --db "$work/hullguard.db"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=hullguard-webhook \
  -addext subjectAltName=IP:127.0.0.1 -addext basicConstraints=critical,CA:FALSE -keyout "$work/key.pem" -out "$work/cert.pem" 2>/dev/null
printf 'registries: ["%s/shop/**"]\nsignatures:\n  - keys: [bench.pub]\nvulnerabilities:\n  max_severity: critical\n' \
  "$host" > "$work/trust.yaml"
policy="namespace_levels: {apps: restricted}
trusted_registries: [\"$host\"]
trust_policy: trust.yaml
plain_http_registries: [\"$host\"]"
echo "$policy" > "$work/cached.yaml"
printf '%s\nsignature_cache_seconds: 0\n' "$policy" > "$work/cold.yaml"
python3 - "$host/shop/app:1" > "$work/review.json" <<'PY'
import json, sys
container = {
    "name": "app", "image": sys.argv[1],
    "resources": {"limits": {"cpu": "500m", "memory": "256Mi"}, "requests": {"cpu": "100m", "memory": "128Mi"}},
    "securityContext": {"allowPrivilegeEscalation": False, "runAsNonRoot": True, "readOnlyRootFilesystem": True,
                        "capabilities": {"drop": ["ALL"]}, "seccompProfile": {"type": "RuntimeDefault"}},
}
pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web", "namespace": "apps"},
       "spec": {"automountServiceAccountToken": False, "securityContext": {"runAsNonRoot": True, "runAsUser": 10001},
                "containers": [container]}}
kind = {"group": "", "version": "v1", "kind": "Pod"}
print(json.dumps({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": {
    "uid": "bench", "kind": kind, "resource": {"group": "", "version": "v1", "resource": "pods"}, "requestKind": kind,
    "name": "web", "namespace": "apps", "operation": "CREATE", "userInfo": {"username": "alice"},
    "object": pod, "oldObject": None, "dryRun": False}}))
PY

store=$work/store.sqlite
serve() { # serve the webhook under policy $1 (log $2); sets $server and $base
  "$bin" server --listen 127.0.0.1:0 --store "$store" --db "$work/hullguard.db" --db-poll 0 \
    --admission "$1" --tls-cert "$work/cert.pem" --tls-key "$work/key.pem" 2> "$2" &
  server=$!
  pids+=("$server")
  until grep -qs 'listening on' "$2"; do sleep 0.1; done
  base=$(sed -n 's/.*listening on //p' "$2")
}
serve "$work/cached.yaml" "$work/cached.log"
# The stored scan of app-mixed, as client mode stores it: under its config digest.
token=$("$bin" server token create --store "$store" --scope scan --name bench)
"$bin" inventory -q --no-cache "$app" -f cyclonedx > "$work/sbom.json"
python3 -c "import json,sys; s=json.load(open(sys.argv[1])); print(json.dumps({'name': sys.argv[2], 'config_digest': s['metadata']['component']['version'], 'sbom': s}))" \
  "$work/sbom.json" "$host/shop/app:1" > "$work/submission.json"
read -r findings summary < <(curl -sf --cacert "$work/cert.pem" -H "Authorization: Bearer $token" \
  -H 'Content-Type: application/json' --data-binary "@$work/submission.json" "$base/api/v1/scans" |
  python3 -c 'import json,sys; s=json.load(sys.stdin)["summary"]; print(sum(s.values()), json.dumps(s, separators=(",", ":")))')
echo "$("$bin" --version); app-mixed in the loopback registry, signed; its stored scan: $summary"

# Cached: a warm-up (the caches filled, connections made), then the load.
"$load" serial "$base/validate" "$work/review.json" "$work/cert.pem" 20 > /dev/null
ticks=$(getconf CLK_TCK)
cpu() { awk '{print $14 + $15}' "/proc/$1/stat"; }
cpu0=$(cpu "$server")
read -r ok _ errors _ _ p50 _ p99 _ max < <("$load" rate "$base/validate" "$work/review.json" "$work/cert.pem" "$rate" "$seconds")
cpu1=$(cpu "$server")
rss=$(awk '/VmRSS/ {print $2}' "/proc/$server/status")
hwm=$(awk '/VmHWM/ {print $2}' "/proc/$server/status")
kill "$server"; wait "$server" || true

# Cold: every cache dropped at once.
serve "$work/cold.yaml" "$work/cold.log"
read -r cold_ok _ cold_errors _ _ cold_p50 _ cold_p99 _ cold_max < <("$load" serial "$base/validate" "$work/review.json" "$work/cert.pem" "$cold")
kill "$server"; wait "$server" || true

# The floor: the decision function in process, with the same store, database and policy.
read -r floor_ok _ floor_errors _ _ floor_p50 _ floor_p99 _ floor_max < <("$load" floor "$store" "$work/hullguard.db" "$work/cached.yaml" "$work/review.json" "$floor_count")

printf 'cached : %s reviews/s for %s s over TLS: %s admitted, %s errors; p50 %.2f ms, p99 %.2f ms, max %.2f ms (target p99 < 10 ms)\n' \
  "$rate" "$seconds" "$ok" "$errors" "$p50" "$p99" "$max"
printf 'server : CPU %.1f s in %s s (%.0f %% of one core), RSS %.1f MB (peak %.1f MB)\n' \
  "$(echo "($cpu1-$cpu0)/$ticks" | bc -l)" "$seconds" "$(echo "($cpu1-$cpu0)/$ticks*100/$seconds" | bc -l)" \
  "$(echo "$rss/1024" | bc -l)" "$(echo "$hwm/1024" | bc -l)"
printf 'cold   : %s reviews one by one, nothing cached (signature verified in the registry, config digest resolved, stored scan of %s findings read): %s admitted, %s errors; p50 %.2f ms, p99 %.2f ms, max %.2f ms\n' \
  "$cold" "$findings" "$cold_ok" "$cold_errors" "$cold_p50" "$cold_p99" "$cold_max"
printf 'floor  : %s in-process calls of admission::review: p50 %.3f ms, p99 %.3f ms, max %.3f ms\n' \
  "$floor_count" "$floor_p50" "$floor_p99" "$floor_max"
printf 'ratios : cached/floor p50 %.1fx, p99 %.1fx; cold/cached p99 %.1fx\n' \
  "$(echo "$p50/$floor_p50" | bc -l)" "$(echo "$p99/$floor_p99" | bc -l)" "$(echo "$cold_p99/$p99" | bc -l)"
