#!/usr/bin/env bash
# Installs what building and testing svcscope needs, skipping what is there.
# Safe to run again and again.
set -euo pipefail

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
