#!/usr/bin/env bash
# The README's first command: installs what a fresh machine lacks, builds
# the web faces (the playground at /playground/), and serves dist/www/ on
# http://localhost:${PORT:-8080}/ with application/wasm and the
# playground's Content-Security-Policy. Ctrl-C stops it.
set -euo pipefail
cd "$(dirname "$0")/.."

port="${PORT:-8080}"
bash scripts/build-web.sh
echo
echo "svcscope playground: http://localhost:$port/playground/"
exec python3 scripts/serve.py --port "$port" --dir dist/www
