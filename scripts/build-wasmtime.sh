#!/usr/bin/env bash
# Builds Wasmtime's C API (deps/wasmtime) once per machine and prints the
# directory holding lib/libwasp_wasmtime.a and include/.
#
# The cargo target directory lives outside the checkout, keyed by the hash of
# the wrapper crate's manifest and lock file, so fresh clones (CI) and later
# sessions on the same machine reuse a build that took many minutes. A new key
# starts from a copy of the newest finished build's target directory, so a
# change to the wrapper recompiles only what it touches; older builds then
# give up their target directories, so the cache stays a few GiB.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
crate="$root/deps/wasmtime"
cache_root="${WASP_CACHE_DIR:-$HOME/.cache/wasp}"
key="$(cat "$crate/Cargo.toml" "$crate/Cargo.lock" $(find "$crate/src" -name '*.rs' | LC_ALL=C sort) | sha256sum | cut -c1-16)"
out="$cache_root/wasmtime-$key"

if [ -f "$out/.done" ]; then
    touch "$out/.done" # in use: kept by the pruning below
    echo "$out"
    exit 0
fi

command -v cargo >/dev/null || { echo "build-wasmtime: cargo not found (install Rust)" >&2; exit 1; }
command -v cmake >/dev/null || { echo "build-wasmtime: cmake not found" >&2; exit 1; }

mkdir -p "$out"
seed=""
for done_file in $(ls -td "$cache_root"/wasmtime-*/.done 2>/dev/null); do
    if [ -d "$(dirname "$done_file")/target" ]; then seed="$(dirname "$done_file")"; break; fi
done
if [ -n "$seed" ] && [ ! -d "$out/target" ]; then
    echo "build-wasmtime: starting from $seed" >&2
    cp -a "$seed/target" "$out/target.tmp" && mv "$out/target.tmp" "$out/target"
fi
echo "build-wasmtime: building Wasmtime C API into $out (cold builds take 10-25 min)" >&2
start=$(date +%s)
# Progress goes to stderr; cargo prints one line per compiled crate.
CARGO_TARGET_DIR="$out/target" cargo build --release --locked \
    --manifest-path "$crate/Cargo.toml" 1>&2

inc="$(find "$out/target/release/build" -maxdepth 3 -type d -path '*wasmtime-c-api-impl-*/out/include' \
       -printf '%T@ %p\n' | sort -n | tail -1 | cut -d' ' -f2-)"
[ -n "$inc" ] && [ -f "$inc/wasmtime/conf.h" ] || { echo "build-wasmtime: generated headers not found" >&2; exit 1; }

rm -rf "$out/include" "$out/lib"
mkdir -p "$out/lib"
cp -r "$inc" "$out/include"
cp "$out/target/release/libwasp_wasmtime.a" "$out/lib/"
touch "$out/.done"
echo "build-wasmtime: done in $(( $(date +%s) - start ))s" >&2

# Older finished builds give up their cargo target directories (~1.2 GiB
# each; the new one seeds the next key) but keep lib/ and include/, which
# older checkouts still link against, until they are two weeks unused.
for old in "$cache_root"/wasmtime-*/; do
    old="${old%/}"
    [ "$old" != "$out" ] && [ -f "$old/.done" ] || continue
    rm -rf "$old/target"
    if [ -n "$(find "$old/.done" -mtime +14 2>/dev/null)" ]; then rm -rf "$old"; fi
done
echo "$out"
