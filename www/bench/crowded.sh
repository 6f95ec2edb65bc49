#!/usr/bin/env bash
# The npm package on a whole cluster at the scalability thresholds (10,000
# Services, 150,000 pods, 5,000 nodes) in the crowded shape: 100 namespaces
# of 100 Services and 1,500 pods (scripts/bench/gen-cluster.py). The
# package as built by scripts/build-npm.sh, in Node: load, resolve() and
# explain() times, and the process's peak memory against wasm32's 4 GB.
# Figures only; nothing is asserted.
set -euo pipefail
cd "$(dirname "$0")/../.."
[ -f dist/npm/package.json ] || bash scripts/build-npm.sh
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 scripts/bench/gen-cluster.py "${NAMESPACES:-100}" "$work/cluster.json"
/usr/bin/time -f "%M" -o "$work/peak" \
  node www/bench/crowded.mjs "$PWD/dist/npm/node.cjs" "$work/cluster.json" > "$work/out.json"
node -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  const peakKb = Number(require("fs").readFileSync(process.argv[2], "utf8").trim());
  console.log(`${process.argv[3]} namespaces: ${(r.inputBytes / 1e6).toFixed(1)} MB of JSON, ${r.objects} objects, ${r.services} Services`);
  console.log(`  load ${(r.loadMs / 1e3).toFixed(2)} s, resolve() ${(r.resolveMs / 1e3).toFixed(2)} s, explain() ${(r.explainMs / 1e3).toFixed(2)} s (${r.diagnostics} diagnostics)`);
  console.log(`  peak memory of the Node process ${(peakKb / 1024).toFixed(0)} MB (wasm32 memory is at most 4096 MB)`);
' "$work/out.json" "$work/peak" "${NAMESPACES:-100}"
