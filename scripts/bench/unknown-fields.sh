#!/usr/bin/env bash
# What the unknown-field check (#19) costs the load: the scale bench's
# "load JSON" step, built from this checkout and from the engine before the
# check (a git worktree of BASE under target/), run alternately so both meet
# the same machine. Prints each run, the best of each and their ratio
# (target: ≤ 1.10). Usage: scripts/bench/unknown-fields.sh [ROUNDS] [BASE]
set -euo pipefail
cd "$(dirname "$0")/../.."

rounds="${1:-3}"
# The last commit of main before the unknown-field check was merged.
base="${2:-3ed1a82}"
base_dir="target/bench-base-$base"

if [ ! -d "$base_dir" ]; then
  git worktree add --detach "$base_dir" "$base" >/dev/null
fi

build() { # prints the path of the scale bench's binary built in $1
  (cd "$1" && cargo bench -p svcscope --bench scale --no-run --message-format=json 2>/dev/null) |
    python3 -c '
import json, sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m["target"]["name"] == "scale" and m.get("executable"):
        print(m["executable"])'
}

echo "building the scale bench here and at $base …"
head_bin="$(build .)"
base_bin="$(build "$base_dir")"

load_ms() { # the "load JSON" figure of one run, in ms
  # The bench goes on after this line; closing the pipe stops it.
  "$1" --bench 2>/dev/null | grep -m1 "load JSON" | awk '{print $3}' || true
}

best_head=""
best_base=""
for i in $(seq "$rounds"); do
  b="$(load_ms "$base_bin")"
  h="$(load_ms "$head_bin")"
  echo "round $i: without the check $b ms, with it $h ms"
  best_base="$(printf '%s\n%s\n' "$best_base" "$b" | grep . | sort -g | head -1)"
  best_head="$(printf '%s\n%s\n' "$best_head" "$h" | grep . | sort -g | head -1)"
done
awk -v h="$best_head" -v b="$best_base" 'BEGIN {
  printf "best: without the check %.1f ms, with it %.1f ms: ratio %.3f (target ≤ 1.10)\n", b, h, h / b
}'
