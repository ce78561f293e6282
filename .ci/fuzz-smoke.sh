#!/usr/bin/env bash
# Fuzz smoke test: build the cargo-fuzz targets in fuzz/, seed their corpora from the real images
# in shared/images, and run each target for FUZZ_SECONDS. Exits non-zero when any target finds a
# crash (panic, sanitizer report, leak, timeout or OOM); the reproducers and the log of the last
# run are left in fuzz/artifacts/<target>/ (git-ignored).
#
# Environment:
#   FUZZ_SECONDS       seconds per target (default 20)
#   FUZZ_TARGETS       space-separated targets to run (default: every target in fuzz/)
#   HULLGUARD_SHARED   the shared/ directory (default: <repo>/../shared)
#   FUZZ_TARGET_DIR    cargo target dir for the fuzz build (default /var/tmp/hg-target-fuzz)
#   FUZZ_SANITIZER     address (default) or none
#
# Only a stable toolchain is needed: RUSTC_BOOTSTRAP=1 lets stable rustc/cargo accept the -Z
# flags cargo-fuzz passes (-Zsanitizer=address, --cfg fuzzing, sancov passes).
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
shared="${HULLGUARD_SHARED:-$repo/../shared}"
images="$shared/images"
seconds="${FUZZ_SECONDS:-20}"
sanitizer="${FUZZ_SANITIZER:-address}"
cargo_fuzz_version="0.13.2"

log() { printf '%s\n' "$*" >&2; }

# --- cargo-fuzz -------------------------------------------------------------------------------
if ! cargo fuzz --version >/dev/null 2>&1; then
    log "installing cargo-fuzz $cargo_fuzz_version"
    env -u CARGO_TARGET_DIR -u RUSTFLAGS cargo install cargo-fuzz --version "$cargo_fuzz_version" --locked
fi
log "$(cargo fuzz --version); $(rustc --version)"

export RUSTC_BOOTSTRAP=1
export CARGO_TARGET_DIR="${FUZZ_TARGET_DIR:-/var/tmp/hg-target-fuzz}"

cd "$repo"
if [[ -n "${FUZZ_TARGETS:-}" ]]; then
    read -r -a targets <<<"$FUZZ_TARGETS"
else
    mapfile -t targets < <(cargo fuzz list)
fi
((${#targets[@]})) || { log "no fuzz targets found"; exit 2; }

# --- seeds -------------------------------------------------------------------------------------
[[ -d "$images" ]] || { log "no images at $images (set HULLGUARD_SHARED)"; exit 2; }
corpus="$repo/fuzz/corpus"
mkdir -p "$corpus/spec_json" "$corpus/layer_walk" "$corpus/archive_index" "$corpus/go_symbols"

# Scratch space for extracted members and, later, the fuzzers' temporary files.
scratch="$(mktemp -d "${TMPDIR:-/tmp}/hullguard-fuzz.XXXXXX")"
trap 'rm -rf "$scratch"' EXIT

# Regular members of archive $1 no larger than $3 bytes whose names match the extended regex $2.
small_members() {
    tar -tvf "$1" | awk -v max="$3" -v re="$2" '$1 ~ /^-/ && $3 + 0 <= max + 0 && $6 ~ re { print $6 }'
}

# Extract members (read on stdin, one a line) of archive $1 into a fresh directory; print it.
extract() {
    local dir
    dir="$(mktemp -d "$scratch/extract.XXXXXX")"
    local members=()
    mapfile -t members
    if ((${#members[@]})); then
        tar -xf "$1" -C "$dir" -- "${members[@]}"
    fi
    printf '%s\n' "$dir"
}

# The first bytes of file $1 as hex.
magic() { od -An -tx1 -N"$2" "$1" | tr -d ' \n'; }

seed_spec_json() {
    local tarball base dir f
    for tarball in "$images"/*.tar; do
        base="$(basename "$tarball" .tar)"
        # index.json, manifest.json and every small JSON blob: image configs, manifests, nested
        # indexes, docker-save config files.
        dir="$(small_members "$tarball" '^(index|manifest)\.json$|^blobs/sha256/|\.json$' 16384 | extract "$tarball")"
        while IFS= read -r -d '' f; do
            case "$(magic "$f" 1)" in
            7b | 5b) cp "$f" "$corpus/spec_json/$base.$(basename "$f" | cut -c1-24)" ;; # '{' or '['
            esac
        done < <(find "$dir" -type f -print0)
    done
    printf 'linux/amd64' >"$corpus/spec_json/platform-2"
    printf 'linux/arm/v7' >"$corpus/spec_json/platform-3"
    printf 'sha256:5c903e763b41bc8a59c675409d9a51225ea7fae15dfeb1ddbe93cc2ddfe26b4b' >"$corpus/spec_json/digest"
}

seed_layer_walk() {
    local tarball dir f id
    # The gzip layer blobs of the OCI layout.
    tarball="$images/secrets-layers.oci.tar"
    dir="$(small_members "$tarball" '^blobs/sha256/' 65536 | extract "$tarball")"
    while IFS= read -r -d '' f; do
        if [[ "$(magic "$f" 2)" == "1f8b" ]]; then
            cp "$f" "$corpus/layer_walk/gzip-$(basename "$f" | cut -c1-12)"
        fi
    done < <(find "$dir" -type f -print0)
    # Plain tar layers as `docker save` writes them, and the same recompressed with zstd.
    tarball="$images/secrets-layers.docker-uncompressed.tar"
    dir="$(small_members "$tarball" '/layer\.tar$' 65536 | extract "$tarball")"
    while IFS= read -r -d '' f; do
        id="$(basename "$(dirname "$f")" | cut -c1-12)"
        cp "$f" "$corpus/layer_walk/tar-$id"
        if command -v zstd >/dev/null 2>&1; then
            zstd -q -3 -c "$f" >"$corpus/layer_walk/zstd-$id"
        fi
    done < <(find "$dir" -type f -print0)
}

seed_archive_index() {
    local tarball
    for tarball in "$images"/secrets-layers.*.tar; do
        cp "$tarball" "$corpus/archive_index/$(basename "$tarball")"
    done
}

# The pclntab of a Go program built here (stdlib only, offline), whole and its first 4 KiB, and
# a tiny Go binary without its section headers' names stripped (`-s -w`).
seed_go_symbols() {
    command -v go >/dev/null 2>&1 && command -v objcopy >/dev/null 2>&1 || { log "no go/objcopy: go_symbols seeds skipped"; return 0; }
    local dir="$scratch/goseed"
    mkdir -p "$dir"
    printf 'module example.com/seed\n\ngo 1.19\n' >"$dir/go.mod"
    printf 'package main\n\nimport (\n\t"fmt"\n\t"net/netip"\n)\n\nfunc main() { fmt.Println(netip.MustParseAddr("::1").IsLoopback()) }\n' >"$dir/main.go"
    (cd "$dir" && GOCACHE="$dir/cache" GOPATH="$dir/gopath" GOPROXY=off GOTOOLCHAIN=local GOFLAGS=-mod=mod CGO_ENABLED=0 \
        go build -trimpath -ldflags='-s -w' -o seed .)
    objcopy -O binary --only-section=.gopclntab "$dir/seed" "$corpus/go_symbols/pclntab"
    head -c 4096 "$corpus/go_symbols/pclntab" >"$corpus/go_symbols/pclntab-head"
    cp "$dir/seed" "$corpus/go_symbols/binary"
}

seed_spec_json
seed_layer_walk
seed_archive_index
seed_go_symbols
for t in spec_json layer_walk archive_index go_symbols; do
    log "corpus for $t: $(find "$corpus/$t" -type f | wc -l) files (seeds refreshed)"
done

# --- build and run -----------------------------------------------------------------------------
fuzz_flags=(--sanitizer "$sanitizer")
log "building fuzz targets (sanitizer: $sanitizer, target dir: $CARGO_TARGET_DIR)"
cargo fuzz build "${fuzz_flags[@]}"

failed=0
summary=()
for t in "${targets[@]}"; do
    artifacts="$repo/fuzz/artifacts/$t"
    mkdir -p "$artifacts" "$corpus/$t"
    out="$scratch/$t.log"
    stamp="$scratch/$t.stamp"
    touch "$stamp"
    log "fuzzing $t for ${seconds}s"
    status=0
    TMPDIR="$scratch" cargo fuzz run "${fuzz_flags[@]}" "$t" "$corpus/$t" -- \
        -max_total_time="$seconds" -timeout=10 -print_final_stats=1 >"$out" 2>&1 || status=$?
    runs="$(sed -n 's/^stat::number_of_executed_units: *\([0-9]*\).*/\1/p' "$out" | tail -n 1)"
    [[ -n "$runs" ]] || runs="$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$out" | tail -n 1)"
    [[ -n "$runs" ]] || runs="$(grep -o '^#[0-9]*' "$out" | tail -n 1 | tr -d '#')"
    [[ -n "$runs" ]] || runs=0
    mapfile -t found < <(find "$artifacts" -type f -newer "$stamp" \
        \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' \) | sort)
    crashes=${#found[@]}
    if (( status != 0 && crashes == 0 )); then
        # libFuzzer or the build failed without leaving a reproducer: count it, show why.
        crashes=1
        found=("(no artifact; exit status $status)")
    fi
    cp "$out" "$artifacts/last-run.log"
    line="fuzz $t: $runs runs, $crashes crashes"
    summary+=("$line")
    echo "$line"
    if (( crashes > 0 )); then
        failed=1
        for f in "${found[@]}"; do echo "  reproducer: $f"; done
        grep -E '^Base64: ' "$out" | sed 's/^/  input /' || true
        # The panic or sanitizer report and the top of its stack; the whole log is kept beside the
        # reproducers.
        first="$(grep -n -m1 -E 'panicked at|ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)' "$out" | cut -d: -f1 || true)"
        echo "  --- $t report (full log: $artifacts/last-run.log) ---"
        if [[ -n "$first" ]]; then
            sed -n "${first},$((first + 40))p" "$out" | sed 's/^/  /'
        else
            tail -n 60 "$out" | sed 's/^/  /'
        fi
    fi
done

echo "--- fuzz smoke summary (${seconds}s per target) ---"
printf '%s\n' "${summary[@]}"
exit "$failed"
