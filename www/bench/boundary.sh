#!/usr/bin/env bash
# Measures the JavaScript boundary and prints the figures (nothing is
# asserted): a generated 1,000-pod / 100-Service cluster loaded and
# resolved in Node and in headless Chromium, against the same work
# natively; and, for the large results (resolve, endpoints), one JSON
# string + JSON.parse (what the package does) against serde-wasm-bindgen
# building the objects one by one. Builds the bindings with the `bench`
# feature (both paths), wasm-opt'd as the package is, into target/bench-build/.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=target/bench-build
rm -rf "$out" && mkdir -p "$out"

cargo build -q -p svcscope-wasm --lib --features bench --target wasm32-unknown-unknown --release
cp target/wasm32-unknown-unknown/release/svcscope_wasm.wasm "$out/raw.wasm"
wasm-bindgen --target web --out-dir "$out/web" --out-name svcscope "$out/raw.wasm"
wasm-bindgen --target nodejs --out-dir "$out/node" --out-name svcscope "$out/raw.wasm"
for t in web node; do
  node_modules/.bin/wasm-opt -Oz --enable-bulk-memory --enable-nontrapping-float-to-int \
    --enable-sign-ext --enable-mutable-globals --enable-reference-types --enable-multivalue \
    "$out/$t/svcscope_bg.wasm" -o "$out/$t/svcscope_bg.wasm"
done
mv "$out/node/svcscope.js" "$out/node/svcscope.cjs"
cp www/bench/bench.mjs www/bench/index.html "$out/"

node=$(node www/bench/node.mjs "$PWD/$out/node/svcscope.cjs" "$out/cluster.yaml")
chromium=$(PLAYWRIGHT_CORE="$PWD/node_modules/playwright-core" node www/tests/browser.mjs "$out" index.html 2>/dev/null)
# The same work natively, built with the same (release) profile.
native=$(cargo run -q --release -p svcscope-wasm --example native_bench "$out/cluster.yaml")

node -e '
  const [node, chromium, native] = process.argv.slice(1).map(JSON.parse);
  const f = (x) => x.toFixed(1).padStart(8);
  console.log(`cluster: 1,000 pods, 100 Services; ${(node.inputBytes / 1024).toFixed(0)} KB of YAML in`);
  console.log(`out: resolve() ${(node.resolveJsonBytes / 1024).toFixed(0)} KB of JSON, endpoints() ${(node.endpointsJsonBytes / 1024).toFixed(0)} KB`);
  console.log("");
  console.log("milliseconds (median of 7)         Node  Chromium");
  for (const [k, label] of [["loadMs", "load"], ["resolveJsonMs", "resolve, JSON + JSON.parse"], ["resolveObjectsMs", "resolve, serde-wasm-bindgen"],
                            ["endpointsJsonMs", "endpoints, JSON + JSON.parse"], ["endpointsObjectsMs", "endpoints, serde-wasm-bindgen"], ["loadResolveMs", "load + resolve"]])
    console.log(`${label.padEnd(32)}${f(node[k])}${f(chromium[k])}`);
  console.log("");
  console.log(`load + resolve natively (JSON written): ${native.loadResolveMs.toFixed(1)} ms`);
  console.log(`wasm / native: Node ${(node.loadResolveMs / native.loadResolveMs).toFixed(2)}, Chromium ${(chromium.loadResolveMs / native.loadResolveMs).toFixed(2)} (target 1.5)`);
' "$node" "$chromium" "$native"
