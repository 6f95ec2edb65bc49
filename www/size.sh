#!/usr/bin/env bash
# Prints the sizes of the built npm package (dist/npm/, from
# scripts/build-npm.sh): the .wasm and the JS glue gzipped (-9) against
# their budgets (450 KB and 20 KB), and the ten largest parts of the
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
echo
echo "The ten largest items (before wasm-opt -Oz; shallow bytes):"
twiggy top -n 10 "$named"
echo
echo "By crate (shallow bytes before wasm-opt; a generic function counts"
echo "for the crate that defines it, e.g. serde_json's deserializer"
echo "instantiated for the engine's types):"
twiggy top -n 100000 -f csv "$named" | node -e '
  const rows = require("fs").readFileSync(0, "utf8").trim().split("\n").slice(1);
  const by = new Map();
  for (const row of rows) {
    const m = row.match(/^"?(.*?)"?,(\d+),/);
    if (!m || m[1].includes("function names")) continue;
    const name = m[1].replace(/\[[0-9a-f]+\]/g, "");
    const crate = (name.match(/^<*&?(?:mut )?([a-z_][a-z0-9_]*)::/) || [, name.startsWith("data segment") ? "data" : "other"])[1];
    by.set(crate, (by.get(crate) || 0) + Number(m[2]));
  }
  for (const [c, b] of [...by].sort((a, b) => b[1] - a[1]).slice(0, 12))
    console.log(`${(b / 1024).toFixed(1).padStart(9)} KB  ${c}`);
'
