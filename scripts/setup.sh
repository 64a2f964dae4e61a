#!/usr/bin/env bash
# Installs what wasp needs on a fresh Debian machine, only when missing.
# Safe to run repeatedly: it does nothing when everything is present.
set -euo pipefail

packages=(
    cmake ninja-build pkg-config make gcc
    libfyaml-dev          # manifest loader
    libjansson-dev        # JSON (wasp test: JSON-subset expectations)
    libssl-dev            # libcrypto: HMAC of the compiled-module cache
    clang lld wasi-libc   # compile C components to wasm32
    libclang-rt-14-dev-wasm32
    libclang-rt-14-dev    # sanitizer and libFuzzer runtimes for clang
    wabt                  # wat2wasm for test fixtures
    libcmocka-dev         # unit test framework
    libjansson-dev        # JSON: control protocol, statistics, logs
    libh2o-evloop-dev     # HTTP ingress (measured against libmicrohttpd: docs/HTTP.md)
    valgrind
    nats-server libnats-dev  # multi-node systems (src/dist) and their tests
    openssl               # test certificates for NATS over TLS (tests/dist/test_tls.c)
    libsqlite3-dev        # storage (src/store)
    liblmdb-dev           # storage: the LMDB backend measured beside SQLite
    python3-venv nodejs   # guest tools: componentize-py, componentize-js
)

. "$(dirname "$0")/apt-ensure.sh"
apt_ensure setup "${packages[@]}"

if ! command -v cargo >/dev/null 2>&1; then
    echo "setup: cargo is required to build Wasmtime (install Rust with rustup)" >&2
    exit 1
fi

# Guest tools (wasm-tools, wit-bindgen, componentize-py, componentize-js, the WASI
# adapter): cached under ~/.cache/wasp/guest-tools; a cold install takes 3-6 minutes.
"$(dirname "$0")/setup-guest-tools.sh" all >/dev/null
