#!/usr/bin/env bash
# Overhead of `hullguard watch` (default rules) on syscall-heavy loops in a debian-base container:
# an open/read/close loop on a watched path (/etc/os-release: every open is an event) and a
# connect loop (127.0.0.1:9, refused: every connect is an event), each timed inside the container
# with the watcher off and on; the watcher's CPU time, peak RSS, events and kernel drops; then
# load: the open loop (N/10 opens each) in 1, 10 and 100 processes at once, with the events read
# and dropped during each (from the watcher's Prometheus counters). Root; tracefs mounted. HG
# names the binary.
set -euo pipefail
HG=${HG:-${CARGO_TARGET_DIR:-target}/release/hullguard}
N=${N:-20000}
name=hg-bench-watch-$$
wpid=
cleanup() { [ -n "$wpid" ] && kill "$wpid" 2>/dev/null; docker rm -f "$name" >/dev/null 2>&1 || true; }
trap cleanup EXIT
docker run -d --rm --name "$name" --network host debian-base sleep infinity >/dev/null

open_loop="for (1..$N) { open(my \$f, '<', '/etc/os-release') or die; my \$l = <\$f>; close \$f }"
connect_loop="use Socket; for (1..$N) { socket(my \$s, PF_INET, SOCK_STREAM, 0) or die; connect(\$s, pack_sockaddr_in(9, inet_aton('127.0.0.1'))); close \$s }"
# Seconds perl running $1 in P=$2 processes at once takes in the container (clock read there).
run() {
  docker exec "$name" sh -c 's=$(date +%s%N); perl -e "$0" "$1"; e=$(date +%s%N); echo $(( (e - s) / 1000000 ))' \
    "for (1..$2) { fork or do { $1; exit } } 1 while wait != -1" "$2" |
    python3 -c 'import sys; print(int(sys.stdin.read()) / 1000)'
}
# Best of 3 of one process.
timed() { { run "$1" 1; run "$1" 1; run "$1" 1; } | sort -n | head -1; }
parallel() { run "$1" "$2"; }
pct() { python3 -c "print(f'{($2 / $1 - 1) * 100:+.1f}%')"; }

off_open=$(timed "$open_loop"); off_connect=$(timed "$connect_loop")
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
log=$(mktemp); errs=$(mktemp); "$HG" watch --source ebpf --duration "${WATCH_SECONDS:-90}" --metrics-addr "127.0.0.1:$port" \
  >/dev/null 2>"$log" & wpid=$!
sleep 3
on_open=$(timed "$open_loop"); on_connect=$(timed "$connect_loop")
# The watcher's count of events and drops so far (updated every 500 ms).
counter() { curl -s "http://127.0.0.1:$port/metrics" | awk -v m="hullguard_watch_$1_total" '$1 == m {print $2}'; }
M=$((N / 10))
# A failed open is counted, not fatal: under the 100-process load fuse-overlayfs (this host's
# storage driver, a FUSE daemon) can answer EMFILE when its asynchronous releases fall behind.
load_loop="my \$e = 0; for (1..$M) { open(my \$f, '<', '/etc/os-release') or do { \$e++; next }; my \$l = <\$f>; close \$f } print STDERR \"failed \$e: \$!\\n\" if \$e"
loads=()
for p in 1 10 100; do
  sleep 1; e0=$(counter events); d0=$(counter dropped)
  secs=$(parallel "$load_loop" "$p" 2> "$errs")
  failed=$(awk '$1 == "failed" {n += $2} END {print n + 0}' "$errs")
  sleep 1; e1=$(counter events); d1=$(counter dropped)
  loads+=("$(python3 -c "e, d, s, p = $e1 - $e0, $d1 - $d0, $secs, $p
print(f'{p:>3} processes: {p * $M} opens in {s:.2f}s, {e / s:,.0f} events/s read, {d} dropped ({100 * d / max(e + d, 1):.1f}%), $failed opens failed')")")
done
ticks=$(awk '{print $14 + $15}' "/proc/$wpid/stat"); hz=$(getconf CLK_TCK)
rss=$(awk '/VmHWM/ {print $2}' "/proc/$wpid/status")
wait "$wpid"; wpid=
echo "loops of $N, best of 3, seconds in the container (watcher off / on / overhead)"
echo "open/read/close: $off_open / $on_open / $(pct "$off_open" "$on_open")"
echo "connect:         $off_connect / $on_connect / $(pct "$off_connect" "$on_connect")"
echo "load: the open loop of $M in 1, 10, 100 processes at once"
printf '%s\n' "${loads[@]}"
echo "watcher: CPU $(python3 -c "print(round($ticks / $hz, 2))") s, peak RSS $((rss / 1024)) MB; $(tail -1 "$log")"
rm -f "$log" "$errs"
