#!/usr/bin/env bash
# Prints the size of what the playground ships (dist/www/playground/, from
# scripts/build-playground.sh): the .wasm, the JavaScript bundle (the
# wasm-bindgen glue, the editor bridge, CodeMirror) and the stylesheet,
# raw and gzipped (-9), their sum against the issue's budget (700 KB
# gzipped), and where the .wasm's bytes go by crate (twiggy, on the
# build before wasm-opt, which still has names). Figures only.
set -euo pipefail
cd "$(dirname "$0")/../.."
dist=dist/www/playground
named=target/playground-build/glue/playground_bg.wasm
[ -f "$dist/playground.wasm" ] && [ -f "$named" ] || { echo "size: run scripts/build-playground.sh first" >&2; exit 1; }

total=0
for f in playground.wasm playground.js playground.css; do
  raw=$(wc -c < "$dist/$f"); gzd=$(gzip -9c "$dist/$f" | wc -c)
  total=$((total + gzd))
  awk -v f="$f" -v r="$raw" -v g="$gzd" 'BEGIN { printf "%-16s %9.1f KB raw %8.1f KB gzipped\n", f, r/1024, g/1024 }'
done
awk -v t="$total" 'BEGIN { printf "%-16s %22.1f KB gzipped (budget 700 KB)%s\n", "total", t/1024, (t > 700*1024 ? "  OVER BUDGET" : "") }'
echo
echo "The .wasm by crate (shallow bytes before wasm-opt; a generic function"
echo "counts for the crate that defines it):"
twiggy top -n 100000 -f csv "$named" | node scripts/bench/wasm-by-crate.mjs 14
