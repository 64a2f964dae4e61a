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
)

missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
    echo "setup-peers: installing ${missing[*]}" >&2
    sudo_cmd=""
    [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
    export DEBIAN_FRONTEND=noninteractive
    $sudo_cmd apt-get update -q >&2
    $sudo_cmd apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
fi
