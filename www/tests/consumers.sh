#!/usr/bin/env bash
# The npm package as its users meet it: `npm pack` the built dist/npm/,
# install the tarball into a fresh folder, then run an ESM and a CJS
# consumer in Node, compile a TypeScript consumer with `tsc --strict`,
# build a page with Vite (its default config) and open it in headless
# Chromium, and open a plain HTML page (`<script type="module">`, no
# bundler) in headless Chromium. Nothing is fetched: the tarball has no
# dependencies, and the tools come from the workspace's node_modules/.
# Run scripts/build-npm.sh first.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
bin="$repo/node_modules/.bin"
export PLAYWRIGHT_CORE="$repo/node_modules/playwright-core"

[ -f "$repo/dist/npm/package.json" ] || { echo "consumers: build dist/npm/ first (scripts/build-npm.sh)" >&2; exit 1; }
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

echo "== npm pack"
tarball="$(cd "$tmp" && npm pack --silent "$repo/dist/npm")"
echo "$tarball ($(du -k "$tmp/$tarball" | cut -f1) KB)"

app="$tmp/app"
mkdir -p "$app"
cp -r "$here/consumers/." "$app/"
(cd "$app" && echo '{ "name": "consumer", "private": true, "type": "module" }' > package.json \
  && npm install --no-audit --no-fund --offline --loglevel=error "$tmp/$tarball")

echo "== Node, import"
(cd "$app" && node esm.mjs "$repo/examples/my-service.yaml")
echo "== Node, require"
(cd "$app" && node cjs.cjs "$repo/examples/typo.yaml")
echo "== TypeScript, tsc --strict"
(cd "$app" && "$bin/tsc" -p tsconfig.json && echo "tsc: ok")
echo "== Vite production build, in headless Chromium"
(cd "$app/vite" && ln -s ../node_modules node_modules && "$bin/vite" build --logLevel warn)
node "$here/browser.mjs" "$app/vite/dist" index.html
echo "== plain page, in headless Chromium"
cp "$app/page/index.html" "$app/index.html"
node "$here/browser.mjs" "$app" index.html
