#!/usr/bin/env bash
# check-symbols.sh - libwasp's global symbols are its public API (wasp_
# names declared in include/wasp.h or include/wasp_test.h) or internal ones
# with the wasp__ prefix, nothing else (docs/ARCHITECTURE.md).
#   scripts/check-symbols.sh [build/libwasp.a ...]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
libs=("$@")
[ ${#libs[@]} -gt 0 ] || libs=("$root/build/libwasp.a")
public="$(grep -ohE 'wasp_[a-z0-9_]+[[:space:]]*\(' "$root/include/wasp.h" "$root/include/wasp_test.h" |
          sed -E 's/[[:space:]]*\($//' | sort -u)"
bad="$(nm -g --defined-only "${libs[@]}" | awk 'NF == 3 { print $3 }' | sort -u |
       grep -v '^wasp__' | grep -vxF "$public" || true)"
if [ -n "$bad" ]; then
    echo "check-symbols: global symbols that are neither in wasp.h/wasp_test.h nor wasp__ internal:" >&2
    echo "$bad" >&2
    exit 1
fi
echo "check-symbols: $(nm -g --defined-only "${libs[@]}" | awk 'NF == 3' | grep -c ' wasp_[^_]') public, $(nm -g --defined-only "${libs[@]}" | awk 'NF == 3' | grep -c ' wasp__') internal"
