#!/usr/bin/env bash
# Benchmark: peak RSS of `inspect --files -f json` and `inventory` over generated images of
# 300k and 1M entries (one layer of empty files, a directory and a symlink per 1000 files), debug
# build, measured with /usr/bin/time -v by the memory tests of the CLI suite.
#   bench/memory.sh
# Prints one line per image: entries and the peak RSS of each command.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-/var/tmp/hg-target}
cargo test -q -p hullguard --test cli memory::peak_memory -- --include-ignored --nocapture --test-threads 1 2>&1 \
  | grep -E 'entries:|panicked|peak RSS for'
