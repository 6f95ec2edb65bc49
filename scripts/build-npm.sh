#!/usr/bin/env bash
# Builds the npm package `svcscope` into dist/npm/ (a folder `npm pack`
# packs): the bindings (www/) for wasm32, wasm-bindgen's glue for browsers
# and bundlers (ESM) and for Node (CommonJS, with an ESM entry over the same
# instance), one `.wasm` shrunk by `wasm-opt -Oz`, the TypeScript
# declarations generated from the Rust types, README and LICENSE.
# Called by scripts/build-web.sh; runs on its own too.
set -euo pipefail
cd "$(dirname "$0")/.."

out=dist/npm
work=target/npm-build
wasm=target/wasm32-unknown-unknown/release/svcscope_wasm.wasm
wasm_opt=node_modules/.bin/wasm-opt

echo "== npm: bindings for wasm32 (release)"
cargo build -p svcscope-wasm --lib --target wasm32-unknown-unknown --release

echo "== npm: wasm-bindgen (web, nodejs)"
rm -rf "$work" "$out"
mkdir -p "$work" "$out"
wasm-bindgen --target web --out-dir "$work/web" --out-name svcscope "$wasm"
wasm-bindgen --target nodejs --out-dir "$work/node" --out-name svcscope "$wasm"
# Both glues load the one .wasm; that only holds while their modules agree.
cmp -s "$work/web/svcscope_bg.wasm" "$work/node/svcscope_bg.wasm" || {
  echo "build-npm: the web and nodejs targets produced different .wasm files" >&2
  exit 1
}

echo "== npm: wasm-opt -Oz"
# The features rustc's wasm32 target enables; wasm-opt must keep to them.
"$wasm_opt" -Oz \
  --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
  --enable-mutable-globals --enable-reference-types --enable-multivalue \
  "$work/web/svcscope_bg.wasm" -o "$out/svcscope_bg.wasm"

echo "== npm: JavaScript entries"
cp "$work/web/svcscope.js" "$out/svcscope.js"
cp "$work/node/svcscope.js" "$out/svcscope_node.cjs"
# Node's entries: the CommonJS glue compiles the module synchronously, so
# init() has nothing left to do; the ESM entry re-exports the same instance
# (one Cluster class whichever way a program imports it).
names=$(node -e 'console.log(Object.keys(require(process.argv[1])).join(" "))' "$PWD/$out/svcscope_node.cjs")
{
  echo "// svcscope for Node (require). The module is compiled on load;"
  echo "// init() resolves at once and initSync() returns, for code shared"
  echo "// with browsers."
  echo "\"use strict\";"
  echo "const glue = require(\"./svcscope_node.cjs\");"
  echo "async function init() {}"
  echo "function initSync() {}"
  echo "module.exports = { ...glue, default: init, init, initSync };"
} > "$out/node.cjs"
{
  echo "// svcscope for Node (import): the CommonJS entry's instance."
  echo "import node from \"./node.cjs\";"
  echo "export default node.default;"
  echo "export const initSync = node.initSync;"
  for n in $names; do echo "export const $n = node.$n;"; done
} > "$out/node.mjs"

echo "== npm: TypeScript declarations (generated from the Rust types)"
cargo run -q -p svcscope-wasm --features ts --bin svcscope-dts > "$work/types.d.ts"
{
  # wasm-bindgen types the raw exports of InitOutput with `any`; they are
  # the module's internals, `unknown` to a caller.
  sed '/^ *readonly /s/: any\b/: unknown/g' "$work/web/svcscope.d.ts"
  echo
  echo "// The arguments and results, generated from the Rust types that"
  echo "// read and write them (svcscope-dts)."
  cat "$work/types.d.ts"
} > "$out/svcscope.d.ts"

echo "== npm: package.json, README, LICENSE"
version=$(sed -n 's/^version = "\(.*\)"/\1/p' engine/Cargo.toml | head -1)
sed "s/@VERSION@/$version/" www/npm/package.template.json > "$out/package.json"
cp www/npm/README.md www/npm/LICENSE "$out/"
echo "built $out/ (svcscope $version)"
