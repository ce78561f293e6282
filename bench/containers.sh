#!/usr/bin/env bash
# `hullguard containers` (every running container: inspect, top, exec sessions, 37 checks each)
# against the floor `docker inspect $(docker ps -q)` in the same run, over COUNT sleeping
# containers started from the shared debian-base image; prints both times and the ratio. The
# containers carry this run's label and are removed at the end, also on failure or Ctrl-C.
#   bench/containers.sh        (RUNS=3, COUNT=50)
set -euo pipefail
source "$(dirname "$0")/common.sh"
count=${COUNT:-50}
label="hullguard-bench=containers-$$"
cleanup() {
  local ids
  ids=$(docker ps -aq --filter "label=$label")
  [ -z "$ids" ] || docker rm -f $ids >/dev/null
  rm -rf "$work"
}
trap cleanup EXIT INT TERM
docker image inspect debian-base:latest >/dev/null 2>&1 \
  || docker load -q -i "$shared/images/bookworm-images.docker.tar" >/dev/null
for i in $(seq "$count"); do
  docker run -d -q --label "$label" --name "hg-bench-$$-$i" debian-base sleep infinity >/dev/null
done
running=$(docker ps -q | wc -l)
echo "$("$bin" --version), Docker Engine $(docker info --format '{{.ServerVersion}}'); $running running containers ($count started here); best of $runs runs"

best() { sort -n | head -1; }
wall() { # best wall milliseconds of "$@" over $runs runs
  for _ in $(seq "$runs"); do
    local t0 t1
    t0=$(date +%s%N); "$@" >/dev/null 2>&1 || true; t1=$(date +%s%N)
    echo $(( (t1 - t0) / 1000 ))
  done | best | awk '{printf "%.0f", $1 / 1e3}'
}
inspect_all() { docker inspect $(docker ps -q); }
floor=$(wall inspect_all)
ours=$(wall "$bin" containers -f json -q)
findings=$("$bin" containers -f json -q | python3 -c 'import json,sys; d=json.load(sys.stdin); print(len(d["findings"]), len(d["outcomes"]))')
printf 'docker inspect $(docker ps -q)   %6s ms\n' "$floor"
printf 'hullguard containers -f json   %6s ms  (findings, outcomes: %s)\n' "$ours" "$findings"
awk -v a="$ours" -v b="$floor" 'BEGIN { printf "ratio                          %6.2fx the floor\n", a / b }'
