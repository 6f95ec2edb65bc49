#!/usr/bin/env bash
# Prints what `svcscope resolve -o json` costs on a whole cluster at the
# scalability thresholds, in the scale bench's shape (500 namespaces) and a
# crowded one (100 namespaces of 100 Services and 1,500 pods), against
# CPython's json.load of the same file: wall time, peak memory (max RSS)
# and output size. Figures only; nothing is asserted.
set -euo pipefail
cd "$(dirname "$0")/../.."
cargo build --release --bin svcscope -q
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
svcscope=target/release/svcscope
measure() { # label command… → "seconds maxrss_kb"
  /usr/bin/time -f "%e %M" -o "$work/time" "$@" >/dev/null
  cat "$work/time"
}
for ns in 500 100; do
  f="$work/cluster-$ns.json"
  python3 scripts/bench/gen-cluster.py "$ns" "$f"
  in=$(stat -c %s "$f")
  read -r py_s py_kb < <(measure python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$f")
  best_s=999; best_kb=0
  for _ in 1 2 3; do
    read -r s kb < <(measure sh -c "$svcscope resolve -o json '$f' > '$work/out.json'")
    if awk "BEGIN{exit !($s < $best_s)}"; then best_s=$s; best_kb=$kb; fi
  done
  out=$(stat -c %s "$work/out.json")
  awk -v ns="$ns" -v inb="$in" -v out="$out" -v ps="$py_s" -v pk="$py_kb" -v s="$best_s" -v k="$best_kb" 'BEGIN {
    printf "%d namespaces: input %.1f MB; json.load %.2f s, %.0f MB peak\n", ns, inb/1e6, ps, pk/1024
    printf "  resolve -o json: %.2f s (%.2f x json.load), %.0f MB peak (%.2f x), output %.1f MB (%.2f x the input)\n", s, s/ps, k/1024, k/pk, out/1e6, out/inb
  }'
done
