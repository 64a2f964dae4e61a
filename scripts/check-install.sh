#!/usr/bin/env bash
# Installs wasp into a temporary prefix (make install) and builds a program
# against it the three ways a user would: pkg-config with the shared library,
# pkg-config --static, and CMake's find_package(wasp). Each must run.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
prefix="$tmp/prefix"

echo "check-install: make install PREFIX=$prefix"
make -C "$root" --no-print-directory install PREFIX="$prefix" >"$tmp/install.log" 2>&1 \
    || { cat "$tmp/install.log"; exit 1; }
test -z "$(find "$prefix" -name 'test_*')" || { echo "check-install: tests were installed" >&2; exit 1; }
export PKG_CONFIG_PATH="$prefix/lib/pkgconfig"
src="$root/tests/install/consumer.c"

cc -o "$tmp/shared" "$src" $(pkg-config --cflags --libs wasp) -Wl,-rpath,"$prefix/lib"
"$tmp/shared"
cc -o "$tmp/static" "$src" $(pkg-config --cflags wasp) "$prefix/lib/libwasp.a" \
    $(pkg-config --static --libs wasp | sed 's/-lwasp\b//')
"$tmp/static"

cmake -S "$root/tests/install" -B "$tmp/cmake" -G Ninja -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
cmake --build "$tmp/cmake" >/dev/null
LD_LIBRARY_PATH="$prefix/lib" "$tmp/cmake/consumer_shared"
"$tmp/cmake/consumer_static"
echo "check-install: ok"
