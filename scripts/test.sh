#!/usr/bin/env bash
# Runs every test of the project: engine unit, property, conformance and
# golden CLI tests, the check that the engine builds for wasm32, the
# wasm-bindgen-test suite of the JavaScript API (Node and headless
# Chromium), and the npm package as its users meet it.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh

echo "== engine builds for wasm32-unknown-unknown"
cargo build -p svcscope --lib --target wasm32-unknown-unknown --release

echo "== tests"
cargo test --workspace --all-targets
cargo test --workspace --doc

echo "== JavaScript API: wasm-bindgen-test in Node and headless Chromium"
CHROMEDRIVER="${CHROMEDRIVER:-$(command -v chromedriver)}" \
  cargo test -p svcscope-wasm-tests --target wasm32-unknown-unknown

echo "== npm package: build, pack, install and use it"
bash scripts/build-npm.sh
bash www/tests/consumers.sh
