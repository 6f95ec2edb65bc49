#!/usr/bin/env bash
# Prints the sizes of the built npm package (dist/npm/, from
# scripts/build-npm.sh): the .wasm and the JS glue gzipped (-9) against
# their budgets (450 KB and 20 KB), the field table of unknown fields
# (20 KB gzipped), and the ten largest parts of the
# module (twiggy, on the build before wasm-opt, which still has names).
set -euo pipefail
cd "$(dirname "$0")/.."
dist=dist/npm
named=target/npm-build/web/svcscope_bg.wasm
[ -f "$dist/svcscope_bg.wasm" ] && [ -f "$named" ] || { echo "size: run scripts/build-npm.sh first" >&2; exit 1; }

gz() { gzip -9c "$1" | wc -c; }
kb() { awk -v b="$1" 'BEGIN { printf "%.1f KB", b / 1024 }'; }
report() { # file budget-in-KB
  local raw gzd
  raw=$(wc -c < "$1"); gzd=$(gz "$1")
  printf "%-28s %10s raw %10s gzipped (budget %s KB gzipped)%s\n" "$1" "$(kb "$raw")" "$(kb "$gzd")" "$2" \
    "$([ "$gzd" -le $(( $2 * 1024 )) ] && echo "" || echo "  OVER BUDGET")"
}
report "$dist/svcscope_bg.wasm" 450
report "$dist/svcscope.js" 20
report "$dist/svcscope_node.cjs" 20
# The field table unknown fields are found with is in the module verbatim
# (include_str!), so its size there is the file's.
table=engine/src/load/schema/fields.txt
grep -aqF "$(grep -m1 '^kinds ' "$table")" "$dist/svcscope_bg.wasm" || { echo "size: $table is not in the module" >&2; exit 1; }
report "$table" 20
echo
echo "The ten largest items (before wasm-opt -Oz; shallow bytes):"
twiggy top -n 10 "$named"
echo
echo "By crate (shallow bytes before wasm-opt; a generic function counts"
echo "for the crate that defines it, e.g. serde_json's deserializer"
echo "instantiated for the engine's types):"
twiggy top -n 100000 -f csv "$named" | node scripts/bench/wasm-by-crate.mjs 12
