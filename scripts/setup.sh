#!/usr/bin/env bash
# Installs what building and testing svcscope needs, skipping what is there.
# Safe to run again and again. Everything comes from the package registries
# (crates.io, npm, Debian): no tool downloads binaries from elsewhere.
set -euo pipefail
cd "$(dirname "$0")/.."

have() { command -v "$1" >/dev/null 2>&1; }

if ! have cargo; then
  echo "setup: cargo not found; install Rust with rustup first (https://rustup.rs)" >&2
  exit 1
fi

# The engine must always build for the browser.
if have rustup; then
  if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    echo "setup: adding the wasm32-unknown-unknown target"
    rustup target add wasm32-unknown-unknown
  fi
  for comp in rustfmt clippy; do
    if ! rustup component list --installed | grep -q "^$comp"; then
      echo "setup: adding $comp"
      rustup component add "$comp"
    fi
  done
fi

# The wasm-bindgen CLI (and its test runner) must match the crate's pin.
WASM_BINDGEN_VERSION=0.2.130
if ! wasm-bindgen --version 2>/dev/null | grep -q " $WASM_BINDGEN_VERSION\$"; then
  echo "setup: installing wasm-bindgen-cli $WASM_BINDGEN_VERSION (a few minutes, once)"
  # Not --locked: its lock file wants a crate version the registry lacks.
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION"
fi

# Headless Chromium and its driver for the browser tests, from Debian.
if ! have chromium || ! have chromedriver; then
  if have apt-get; then
    echo "setup: installing chromium and chromium-driver"
    SUDO=""
    [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium chromium-driver >/dev/null
  else
    echo "setup: install Chromium and ChromeDriver (chromium, chromedriver on PATH)" >&2
    exit 1
  fi
fi

# Node tools (wasm-opt from binaryen, esbuild, CodeMirror, playwright-core,
# TypeScript, Vite), pinned by package-lock.json.
if ! have npm; then
  echo "setup: npm not found; install Node.js 20 or newer" >&2
  exit 1
fi
stamp=node_modules/.package-lock.json
if [ ! -f "$stamp" ] || [ package-lock.json -nt "$stamp" ]; then
  echo "setup: installing the Node tools (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
fi
