#!/usr/bin/env bash
# Runs every test of the project: engine unit, property, conformance and
# golden CLI tests, and the check that the engine builds for wasm32.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh

echo "== engine builds for wasm32-unknown-unknown"
cargo build -p svcscope --lib --target wasm32-unknown-unknown --release

echo "== tests"
cargo test --workspace --all-targets
