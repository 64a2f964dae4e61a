#!/usr/bin/env bash
# Installs the benchmark peers bench/compare runs beside wasp, only when missing:
# Erlang/OTP (Debian's erlang-base: erl, erlc, escript, kernel + stdlib, which hold
# gen_server, supervisor and pg) and the C++ Actor Framework 0.17 (libcaf-dev) with g++.
# Safe to run repeatedly: it does nothing when everything is present.
set -euo pipefail

packages=(
    erlang-base   # erl, erlc, escript; kernel (pg) and stdlib (gen_server, supervisor)
    libcaf-dev    # C++ Actor Framework 0.17: headers and libcaf_core
    g++
    wrk           # HTTP load generator (bench/http/compare)
    nginx-light   # the static-body peer of the HTTP benchmark
)

. "$(dirname "$0")/apt-ensure.sh"
apt_ensure setup-peers "${packages[@]}"
