#!/usr/bin/env bash
# Builds everything the web faces ship, one folder per face:
#   dist/npm/  the npm package `svcscope` (scripts/build-npm.sh)
# (the playground and site add dist/www/ here).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
bash scripts/build-npm.sh
