#!/usr/bin/env bash
# Builds the libFuzzer targets with clang and runs them for a bounded time.
# usage: scripts/fuzz.sh [SECONDS]   (default 30; split evenly between the targets)
#   fuzz_module_load  the module boundary: compile, ABI check, instantiate, call
#   fuzz_manifest     the manifest loader: YAML, model and rules, from memory
#   fuzz_control      the control protocol: request lines, payloads, base64, metrics
#   fuzz_scenario     `wasp test` scenario files: YAML, steps, matchers, from memory
#   fuzz_dist_wire    multi-node frames and NATS subjects (at most 5 s)
#   fuzz_http_envelope the HTTP ingress's request and response envelopes, Content-Type codecs
#   fuzz_store        the storage layer: operations from bytes, checked against a model
#   fuzz_module_scan  the section scan that sizes up a module before it is compiled
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
secs="${1:-30}"
per=$(( secs / 8 ))
[ "$per" -ge 1 ] || per=1
wt="$("$root/scripts/build-wasmtime.sh")"
out="$root/build-fuzz"
mkdir -p "$out" "$out/corpus-module_load" "$out/corpus-manifest" "$out/corpus-scenario" "$out/corpus-store"

# Fixtures seed the corpus of the module target.
seed="$out/seed-module_load"
mkdir -p "$seed"
for w in "$root"/tests/fixtures/*.wat; do
    wat2wasm --enable-all "$w" -o "$seed/$(basename "$w" .wat).wasm"
done

cflags=(-std=c11 -D_GNU_SOURCE -O1 -g -fsanitize=fuzzer,address,undefined
        -DWASP_VERSION_STRING='"fuzz"'
        -I"$root/include" -I"$root/src" -isystem "$wt/include")
libs=("$wt/lib/libwasp_wasmtime.a" -lcrypto -lsqlite3 -llmdb -lpthread -ldl -lm)

src=("$root"/src/core/*.c "$root"/src/runtime/*.c "$root"/src/supervisor/*.c "$root"/src/store/*.c
     "$root"/src/engine/*.c "$root"/src/component/*.c)
clang "${cflags[@]}" "$root/fuzz/fuzz_module_load.c" "${src[@]}" "${libs[@]}" \
    -o "$out/fuzz_module_load"

# The manifest loader sits on the whole public API (it can load components).
msrc=("$root"/src/core/*.c "$root"/src/runtime/*.c "$root"/src/supervisor/*.c "$root"/src/store/*.c
     "$root"/src/engine/*.c "$root"/src/component/*.c
      "$root"/src/manifest/*.c)
clang "${cflags[@]}" $(pkg-config --cflags libfyaml) "$root/fuzz/fuzz_manifest.c" "${msrc[@]}" \
    $(pkg-config --libs libfyaml) "${libs[@]}" -o "$out/fuzz_manifest"

# Scenario files: the testing kit on top of the manifest loader, JSON by jansson.
ssrc=("${msrc[@]}" "$root"/src/testkit/*.c)
clang "${cflags[@]}" $(pkg-config --cflags libfyaml jansson) "$root/fuzz/fuzz_scenario.c" "${ssrc[@]}" \
    $(pkg-config --libs libfyaml jansson) "${libs[@]}" -o "$out/fuzz_scenario"

corpus="$root/fuzz/corpus/module_load"
"$out/fuzz_module_load" -max_total_time="$per" -max_len=65536 -timeout=10 -rss_limit_mb=4096 \
    -print_final_stats=1 -artifact_prefix="$out/" "$out/corpus-module_load" "$corpus" "$seed" 2>&1 | tail -15

# libfyaml 0.7 leaks a little on some malformed input; its own leaks are not ours.
printf 'leak:libfyaml.so\n' > "$out/lsan-manifest.supp"
LSAN_OPTIONS="suppressions=$out/lsan-manifest.supp:print_suppressions=0" \
"$out/fuzz_manifest" -max_total_time="$per" -max_len=16384 -timeout=10 -rss_limit_mb=4096 \
    -print_final_stats=1 -artifact_prefix="$out/manifest-" "$out/corpus-manifest" \
    "$root/fuzz/corpus/manifest" 2>&1 | tail -15

# The control protocol sits on the public API and jansson (src/control).
csrc=("$root"/src/control/*.c)
clang "${cflags[@]}" $(pkg-config --cflags jansson) "$root/fuzz/fuzz_control.c" "${csrc[@]}" \
    "${msrc[@]}" $(pkg-config --cflags --libs libfyaml) $(pkg-config --libs jansson) "${libs[@]}" -o "$out/fuzz_control"
mkdir -p "$out/corpus-control"
"$out/fuzz_control" -max_total_time="$per" -max_len=65536 -timeout=10 -rss_limit_mb=4096 \
    -print_final_stats=1 -artifact_prefix="$out/control-" "$out/corpus-control" \
    "$root/fuzz/corpus/control" 2>&1 | tail -15

LSAN_OPTIONS="suppressions=$out/lsan-manifest.supp:print_suppressions=0" \
"$out/fuzz_scenario" -max_total_time="$per" -max_len=16384 -timeout=10 -rss_limit_mb=4096 \
    -print_final_stats=1 -artifact_prefix="$out/scenario-" "$out/corpus-scenario" \
    "$root/fuzz/corpus/scenario" 2>&1 | tail -15

# The multi-node wire format is pure C (no NATS needed to fuzz it).
clang "${cflags[@]}" "$root/fuzz/fuzz_dist_wire.c" "$root/src/dist/dist_wire.c" -o "$out/fuzz_dist_wire"
mkdir -p "$out/corpus-dist_wire"
"$out/fuzz_dist_wire" -max_total_time="$(( per > 5 ? 5 : per ))" -max_len=1024 -timeout=10 \
    -print_final_stats=1 -artifact_prefix="$out/dist_wire-" "$out/corpus-dist_wire" \
    "$root/fuzz/corpus/dist_wire" 2>&1 | tail -15

# The HTTP envelopes: pure functions, no server needed.
clang "${cflags[@]}" "$root/fuzz/fuzz_http_envelope.c" "$root/src/http/http_envelope.c" "$root/src/http/http_codec.c" \
    "$root/src/core/error.c" -o "$out/fuzz_http_envelope"
mkdir -p "$out/corpus-http_envelope"
"$out/fuzz_http_envelope" -max_total_time="$per" -max_len=16384 -timeout=10 -rss_limit_mb=4096 \
    -print_final_stats=1 -artifact_prefix="$out/http-" "$out/corpus-http_envelope" \
    "$root/fuzz/corpus/http_envelope" 2>&1 | tail -15

# The storage layer needs no Wasmtime.
stsrc=("$root"/src/core/*.c "$root"/src/runtime/*.c "$root"/src/supervisor/*.c "$root"/src/store/*.c)
clang "${cflags[@]}" "$root/fuzz/fuzz_store.c" "${stsrc[@]}" -lsqlite3 -llmdb -lpthread -lm -o "$out/fuzz_store"
"$out/fuzz_store" -max_total_time="$per" -max_len=4096 -timeout=10 -rss_limit_mb=4096 \
    -print_final_stats=1 -artifact_prefix="$out/store-" "$out/corpus-store" 2>&1 | tail -15
# The section scan (src/engine/scan.c), alone: fast, so it gets many inputs.
clang "${cflags[@]}" "$root/fuzz/fuzz_module_scan.c" "$root/src/engine/scan.c" "$root/src/engine/error.c" \
    "$root"/src/core/*.c "$root"/src/runtime/*.c "$root"/src/supervisor/*.c "${libs[@]}" -o "$out/fuzz_module_scan"
mkdir -p "$out/corpus-module_scan"
"$out/fuzz_module_scan" -max_total_time="$per" -max_len=65536 -timeout=10 -rss_limit_mb=4096 \
    -print_final_stats=1 -artifact_prefix="$out/scan-" "$out/corpus-module_scan" \
    "$root/fuzz/corpus/module_scan" "$corpus" "$seed" 2>&1 | tail -15
