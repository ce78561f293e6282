#!/usr/bin/env bash
# Overhead of `hullguard watch` (default rules) on syscall-heavy loops in a debian-base container:
# an open/read/close loop on a watched path (/etc/os-release: every open is an event) and a
# connect loop (127.0.0.1:9, refused: every connect is an event), each timed inside the container
# with the watcher off and on; the watcher's CPU time, peak RSS, events and kernel drops; then
# the same loop run by 1 and 10 processes at once. Root; tracefs mounted. HG names the binary.
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
log=$(mktemp); "$HG" watch --duration "${WATCH_SECONDS:-90}" >/dev/null 2>"$log" & wpid=$!
sleep 3
on_open=$(timed "$open_loop"); on_connect=$(timed "$connect_loop")
p1=$(parallel "$open_loop" 1); p10=$(parallel "$open_loop" 10)
ticks=$(awk '{print $14 + $15}' "/proc/$wpid/stat"); hz=$(getconf CLK_TCK)
rss=$(awk '/VmHWM/ {print $2}' "/proc/$wpid/status")
wait "$wpid"; wpid=
echo "loops of $N, best of 3, seconds in the container (watcher off / on / overhead)"
echo "open/read/close: $off_open / $on_open / $(pct "$off_open" "$on_open")"
echo "connect:         $off_connect / $on_connect / $(pct "$off_connect" "$on_connect")"
echo "1 process: ${p1}s; 10 processes: ${p10}s ($((10 * N)) opens)"
echo "watcher: CPU $(python3 -c "print(round($ticks / $hz, 2))") s, peak RSS $((rss / 1024)) MB; $(tail -1 "$log")"
rm -f "$log"
