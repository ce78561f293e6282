#!/usr/bin/env bash
# Continuous re-scan figures, in one run: a `hullguard server` holding a fleet of 10,000 stored
# inventories (SBOMs cut from app-mixed's, each a random 60 % of its packages plus one package of
# its own) re-matches every one when a new database file is taken (POST /api/v1/db):
#   cold   : from a database with no advisories to the full shared/vulndata one (every finding new);
#   update : from that to a build without the GHSA subset and with two PyPI advisories changed.
# Baseline (the floor): `hullguard sbom` matching, once, one SBOM holding every distinct package
# of the fleet (what any re-match must at least do), against the same database.
# STORES: the stores to run it on, side by side (default "sqlite"; "sqlite postgres": also a
# throwaway PostgreSQL cluster from Debian's postgresql on a free loopback port, run as the
# `postgres` user when root).
#   bench/server-rescan.sh                               (FLEET=10000; target: 10,000 in < 30 s)
#   FLEET=1000 STORES="sqlite postgres" bench/server-rescan.sh
set -euo pipefail
source "$(dirname "$0")/common.sh"
fleet=${FLEET:-10000}
stores=${STORES:-sqlite}

vulndata=$shared/vulndata
kev=$vulndata/kev/known_exploited_vulnerabilities.json
"$bin" db build -q --source "$kev" --db "$work/none.db"
# The update: the full data without the GHSA subset (136 advisories withdrawn), with a Django
# advisory gone from PyPI (PYSEC-2024-28) and another one without its fix (PYSEC-2024-47).
mkdir -p "$work/next-data/osv"
link_all_but() { # link the entries of folder $1 into $2, but those named in $3...
  local from=$1 to=$2; shift 2
  for f in "$from"/*; do [[ " $* " == *" $(basename "$f") "* ]] || ln -s "$f" "$to/"; done
}
link_all_but "$vulndata" "$work/next-data" osv
link_all_but "$vulndata/osv" "$work/next-data/osv" PyPI.zip ghsa-subset
python3 - "$vulndata/osv/PyPI.zip" "$work/next-data/osv/PyPI.zip" <<'PY'
import json, sys, zipfile
src, dst = zipfile.ZipFile(sys.argv[1]), zipfile.ZipFile(sys.argv[2], "w")
for name in sorted(src.namelist()):
    if name == "PYSEC-2024-28.json":
        continue
    body = src.read(name)
    if name == "PYSEC-2024-47.json":
        record = json.loads(body)
        for a in record["affected"]:
            for r in a.get("ranges", []):
                r["events"] = [e for e in r["events"] if "fixed" not in e]
        body = json.dumps(record)
    dst.writestr(name, body)
dst.close()
PY
"$bin" db build -q --source "$work/next-data" --db "$work/next.db"

# The fleet (in $work/sboms), the SBOM of every distinct package in it, and the full database.
bench_inputs "$fleet" 0.6 fleet

cpu() { # the CPU seconds (user + system) the server process has used so far
  awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f\n", ($14 + $15) / hz }' "/proc/$server/stat"
}
rescan() { # take database $1 and print the server's answer: seconds, inventories, events; and its CPU seconds
  cp "$1" "$work/vuln.db.new" && mv "$work/vuln.db.new" "$work/vuln.db"
  local before; before=$(cpu)
  curl -sf -X POST -H "Authorization: Bearer $token" "$base/api/v1/db" |
    python3 -c 'import json,sys; r=json.load(sys.stdin); print(r["seconds"], r["rescanned"], r["events"], end=" ")'
  echo "$(cpu) - $before" | bc
}
floor() { # best of $runs: `hullguard sbom` of every distinct package against database $1
  for _ in $(seq "$runs"); do
    /usr/bin/time -f '%e' -o "$work/t" "$bin" sbom -q --db "$1" "$work/sboms/every.cdx.json" -f json >/dev/null || true
    cat "$work/t"
  done | sort -n | head -1
}
sizes=$(python3 -c "import json,glob; s=[len(json.load(open(f))['sbom']['components']) for f in glob.glob('$work/sboms/[0-9]*.json')]; print(f'{min(s)}..{max(s)}')")
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; [ -d "$work/pg" ] && { pg stop -m immediate >/dev/null || true; }; rm -rf "$work"' EXIT
pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
pg() { # pg_ctl on the throwaway cluster, as the postgres user when root
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$pgbin/pg_ctl" -D "$work/pg/data" -l "$work/pg/log" "$@"
  else "$pgbin/pg_ctl" -D "$work/pg/data" -l "$work/pg/log" "$@"; fi
}
store_of() { # the --store of kind $1, a fresh one
  case $1 in
    sqlite) echo "$work/store.sqlite" ;;
    postgres)
      mkdir -p "$work/pg"; [ "$(id -u)" = 0 ] && chown postgres "$work/pg" && chmod o+x "$work"
      local port; port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
      if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$pgbin/initdb" -D "$work/pg/data" -U postgres --auth=trust -E UTF8 >/dev/null
      else "$pgbin/initdb" -D "$work/pg/data" -U postgres --auth=trust -E UTF8 >/dev/null; fi
      pg -o "-c listen_addresses=127.0.0.1 -p $port -k $work/pg" -w start >/dev/null
      echo "postgres://postgres@127.0.0.1:$port/postgres" ;;
    *) echo "STORES: unknown store $1" >&2; exit 2 ;;
  esac
}
floor_s=$(floor "$work/full.db")
printf 'floor: every distinct package (%s) matched once by `hullguard sbom`: %.2f s\n' \
  "$(python3 -c "import json; print(len(json.load(open('$work/sboms/every.cdx.json'))['components']))")" "$floor_s"

for kind in $stores; do
  # The server over the empty database, fed the fleet by 4 clients.
  store=$(store_of "$kind")
  cp "$work/none.db" "$work/vuln.db"
  "$bin" server token create --store "$store" --scope admin --name bench > "$work/token"
  token=$(cat "$work/token")
  "$bin" server --listen 127.0.0.1:0 --store "$store" --db "$work/vuln.db" --db-poll 0 \
    --rate-limit 1000000 --request-timeout 600 2> "$work/server.log" &
  server=$!
  pids+=("$server")
  until grep -qs 'listening on' "$work/server.log"; do sleep 0.1; done
  base=$(sed -n 's/.*listening on //p' "$work/server.log")
  fed_s=$(python3 - "$base" "$token" "$work/sboms" "$fleet" <<'PY'
import sys, time, urllib.request
from concurrent.futures import ThreadPoolExecutor
base, token, folder, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
def post(i):
    body = open(f"{folder}/{i}.json", "rb").read()
    req = urllib.request.Request(f"{base}/api/v1/scans", body, {"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(req) as r:
        assert r.status == 201, r.status
started = time.monotonic()
with ThreadPoolExecutor(4) as pool:
    list(pool.map(post, range(n)))
print(f"{time.monotonic() - started:.2f}")
PY
  )
  printf '%s: fleet: %s SBOMs of %s components stored in %.1f s (%.1f ms each, against no advisories)\n' "$kind" "$fleet" "$sizes" \
    "$fed_s" "$(echo "$fed_s*1000/$fleet" | bc -l)"

  read -r cold_s cold_n cold_events cold_cpu < <(rescan "$work/full.db")
  read -r update_s update_n update_events update_cpu < <(rescan "$work/next.db")
  printf '%s: re-match, cold   : %s inventories in %6.2f s (%.2f ms each, server CPU %.2f s), %s events; %.1fx the floor\n' \
    "$kind" "$cold_n" "$cold_s" "$(echo "$cold_s*1000/$cold_n" | bc -l)" "$cold_cpu" "$cold_events" "$(echo "$cold_s/$floor_s" | bc -l)"
  printf '%s: re-match, update : %s inventories in %6.2f s (%.2f ms each, server CPU %.2f s), %s events; %.1fx the floor (target < 30 s)\n' \
    "$kind" "$update_n" "$update_s" "$(echo "$update_s*1000/$update_n" | bc -l)" "$update_cpu" "$update_events" "$(echo "$update_s/$floor_s" | bc -l)"
  if [ "$kind" = sqlite ]; then bytes=$(du -b "$work/store.sqlite" | cut -f1)
  else bytes=$("$pgbin/psql" -AtX "$store" -c 'SELECT pg_database_size(current_database())'); fi
  printf '%s: store: %.0f MB\n' "$kind" "$(echo "$bytes/1048576" | bc -l)"
  kill "$server"; wait "$server" || true
done
