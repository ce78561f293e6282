#!/usr/bin/env bash
# The server's API under load, in one run, against a `hullguard server` (SQLite store) holding
# app-mixed's SBOM scanned against the full shared/vulndata database:
#   fetch   : COUNT (20000) GETs of the stored report (?format=FORMAT, default json) by CLIENTS
#             (200) clients at once, closed loop: p50, p99; against the floor, RENDER (200)
#             renderings of the same report in process from the same store (what a fetch costs
#             when nothing is cached): p50, p99, and the ratios;
#   overhead: SCANS (50) SBOMs (app-mixed's, each with one package of its own, so each is a new
#             scan) each POSTed and its report fetched, one after the other, against
#             `hullguard sbom` of the same SBOMs with the same database: the mean per SBOM of each
#             and the difference (target: server overhead <= 5 ms per request).
#   bench/server-api.sh
# ADMISSION_LOAD: use that load generator (say a debug build, with HULLGUARD_BIN) instead.
set -euo pipefail
source "$(dirname "$0")/common.sh"
clients=${CLIENTS:-200}
count=${COUNT:-20000}
render_count=${RENDER:-200}
scans=${SCANS:-50}
format=${FORMAT:-json}
if [ -n "${ADMISSION_LOAD:-}" ]; then
  load=$ADMISSION_LOAD
else
  cargo build --release -q -p hullguard-server --example admission_load --manifest-path "$repo/Cargo.toml"
  load=$CARGO_TARGET_DIR/release/examples/admission_load
fi

pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"' EXIT INT TERM
# SCANS + 1 SBOMs of app-mixed's every package and one of their own, and the full database.
bench_inputs "$((scans + 1))" 1 bench

store=$work/store.sqlite
"$bin" server token create --store "$store" --scope admin --name bench > "$work/token"
token=$(cat "$work/token")
"$bin" server --listen 127.0.0.1:0 --store "$store" --db "$work/full.db" --db-poll 0 \
  --rate-limit 100000000 2> "$work/server.log" &
pids+=($!)
until grep -qs 'listening on' "$work/server.log"; do sleep 0.1; done
base=$(sed -n 's/.*listening on //p' "$work/server.log")
id=$(curl -sf -X POST -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
  --data-binary "@$work/sboms/0.json" "$base/api/v1/scans" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
bytes=$(curl -sf -H "Authorization: Bearer $token" "$base/api/v1/scans/$id/report?format=$format" | wc -c)

read -r _ _ fetch_errors _ _ fetch_p50 _ fetch_p99 _ _ < <("$load" get "$base/api/v1/scans/$id/report?format=$format" "$token" "$clients" "$count")
read -r _ _ _ _ _ render_p50 _ render_p99 _ _ < <("$load" render "$store" "$id" "$format" "$render_count")
printf 'report (%s, %s bytes, %s findings):\n' "$format" "$bytes" \
  "$(curl -sf -H "Authorization: Bearer $token" "$base/api/v1/scans/$id" | python3 -c 'import json,sys; print(sum(json.load(sys.stdin)["summary"].values()))')"
printf 'fetch : %s GETs by %s clients: p50 %.3f ms, p99 %.3f ms, %s errors\n' "$count" "$clients" "$fetch_p50" "$fetch_p99" "$fetch_errors"
printf 'floor : rendered in process %s times: p50 %.3f ms, p99 %.3f ms\n' "$render_count" "$render_p50" "$render_p99"
printf 'ratio : fetch at %s clients / one rendering: p50 %.2fx, p99 %.2fx\n' "$clients" \
  "$(echo "$fetch_p50/$render_p50" | bc -l)" "$(echo "$fetch_p99/$render_p99" | bc -l)"

# Server overhead per SBOM scan: POST + fetch through the server vs `hullguard sbom`.
server_s=$(python3 - "$base" "$token" "$work/sboms" "$scans" <<'PY'
import http.client, json, sys, time, urllib.parse
base, token, folder, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
url = urllib.parse.urlparse(base)
conn = http.client.HTTPConnection(url.hostname, url.port)
headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
started = time.monotonic()
for i in range(1, n + 1):
    conn.request("POST", "/api/v1/scans", open(f"{folder}/{i}.json", "rb").read(), headers)
    r = conn.getresponse(); body = r.read()
    assert r.status == 201, (r.status, body)
    conn.request("GET", f"/api/v1/scans/{json.loads(body)['id']}/report?format=json", headers=headers)
    r = conn.getresponse(); r.read()
    assert r.status == 200, r.status
print(f"{time.monotonic() - started:.4f}")
PY
)
cli_s=$(python3 - "$bin" "$work/full.db" "$work/sboms" "$scans" <<'PY'
import json, subprocess, sys, time
bin, db, folder, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
for i in range(1, n + 1):  # the SBOMs on their own, as `hullguard sbom` reads them
    json.dump(json.load(open(f"{folder}/{i}.json"))["sbom"], open(f"{folder}/{i}.cdx.json", "w"))
started = time.monotonic()
for i in range(1, n + 1):
    subprocess.run([bin, "sbom", "-q", "--db", db, f"{folder}/{i}.cdx.json", "-f", "json"],
                   stdout=subprocess.DEVNULL, check=False)
print(f"{time.monotonic() - started:.4f}")
PY
)
server_ms=$(echo "$server_s*1000/$scans" | bc -l)
cli_ms=$(echo "$cli_s*1000/$scans" | bc -l)
printf 'scan  : %s SBOMs, POST + fetch through the server: %.2f ms each; `hullguard sbom`: %.2f ms each\n' "$scans" "$server_ms" "$cli_ms"
printf 'scan  : server overhead %+.2f ms per request (target <= 5 ms), %.2fx the CLI\n' \
  "$(echo "$server_ms-$cli_ms" | bc -l)" "$(echo "$server_ms/$cli_ms" | bc -l)"
