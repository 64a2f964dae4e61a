#!/usr/bin/env bash
# Builds the libFuzzer targets with clang and runs each for a bounded time.
# usage: scripts/fuzz.sh [SECONDS_PER_TARGET]   (default 30)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
secs="${1:-30}"
wt="$("$root/scripts/build-wasmtime.sh")"
out="$root/build-fuzz"
mkdir -p "$out" "$out/corpus-module_load"

# Fixtures seed the corpus of the module target.
seed="$out/seed-module_load"
mkdir -p "$seed"
for w in "$root"/tests/fixtures/*.wat; do
    wat2wasm --enable-all "$w" -o "$seed/$(basename "$w" .wat).wasm"
done

src=("$root"/src/core/*.c "$root"/src/wasm/*.c)
clang -std=c11 -D_GNU_SOURCE -O1 -g -fsanitize=fuzzer,address,undefined \
    -DWASP_VERSION_STRING='"fuzz"' -I"$root/include" -I"$root/src" -isystem "$wt/include" \
    "$root/fuzz/fuzz_module_load.c" "${src[@]}" "$wt/lib/libwasp_wasmtime.a" -lpthread -ldl -lm \
    -o "$out/fuzz_module_load"

corpus="$root/fuzz/corpus/module_load"
"$out/fuzz_module_load" -max_total_time="$secs" -max_len=65536 -timeout=10 -rss_limit_mb=4096 \
    -print_final_stats=1 -artifact_prefix="$out/" "$out/corpus-module_load" "$corpus" "$seed" 2>&1 | tail -15
