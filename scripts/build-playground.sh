#!/usr/bin/env bash
# Builds the playground into dist/www/playground/ (and dist/www/index.html,
# which leads to it until the site exists): the Yew app for wasm32 in
# release, wasm-bindgen's glue (--target web), `wasm-opt -Oz`, and one
# JavaScript bundle of the glue, the editor bridge and CodeMirror (esbuild,
# from node_modules: nothing is fetched at build or run time).
# Called by scripts/build-web.sh; runs on its own too.
set -euo pipefail
cd "$(dirname "$0")/.."

out=dist/www/playground
work=target/playground-build
wasm=target/wasm32-unknown-unknown/release/svcscope_playground.wasm

echo "== playground: the app for wasm32 (release)"
cargo build -p svcscope-playground --lib --target wasm32-unknown-unknown --release

echo "== playground: wasm-bindgen (web)"
rm -rf "$work" "$out"
mkdir -p "$work" "$out"
wasm-bindgen --target web --no-typescript --out-dir "$work/glue" --out-name playground "$wasm"

echo "== playground: wasm-opt -Oz"
# The features rustc's wasm32 target enables; wasm-opt must keep to them.
node_modules/.bin/wasm-opt -Oz \
  --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
  --enable-mutable-globals --enable-reference-types --enable-multivalue \
  "$work/glue/playground_bg.wasm" -o "$out/playground.wasm"

echo "== playground: JavaScript bundle (esbuild)"
node_modules/.bin/esbuild playground/js/main.js --bundle --format=esm --minify \
  --target=es2022 --legal-comments=none --log-level=warning \
  --alias:svcscope-playground-glue="./$work/glue/playground.js" \
  --outfile="$out/playground.js"

echo "== playground: static files"
cp playground/static/index.html playground/static/playground.css playground/static/favicon.svg "$out/"
cp playground/static/root.html dist/www/index.html
echo "built $out/"
