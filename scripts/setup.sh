#!/usr/bin/env bash
# Installs what wasp needs on a fresh Debian machine, only when missing.
# Safe to run repeatedly: it does nothing when everything is present.
set -euo pipefail

packages=(
    cmake ninja-build pkg-config make gcc
    libfyaml-dev          # manifest loader
    clang lld wasi-libc   # compile C components to wasm32
    libclang-rt-14-dev-wasm32
    libclang-rt-14-dev    # sanitizer and libFuzzer runtimes for clang
    wabt                  # wat2wasm for test fixtures
    libcmocka-dev         # unit test framework
    valgrind
)

missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
    echo "setup: installing ${missing[*]}" >&2
    sudo_cmd=""
    [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
    export DEBIAN_FRONTEND=noninteractive
    $sudo_cmd apt-get update -q >&2
    $sudo_cmd apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
fi

if ! command -v cargo >/dev/null 2>&1; then
    echo "setup: cargo is required to build Wasmtime (install Rust with rustup)" >&2
    exit 1
fi
