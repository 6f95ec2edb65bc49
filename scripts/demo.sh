#!/usr/bin/env bash
# Builds the svcscope CLI and runs it on the seeds' examples.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
cargo build --release --bin svcscope
svcscope=target/release/svcscope
run() { echo; echo "\$ svcscope $*"; "$svcscope" "$@"; }

export_cidr=(--service-cidr 10.0.0.0/16)
run check "${export_cidr[@]}" examples/*.yaml examples/*.json && echo "(no errors)"
run select app=MyApp examples/*.yaml examples/*.json
run select 'app in (frontend, db)' -n chapter10 examples/frontend.yaml
run resolve "${export_cidr[@]}" examples/redis-master.yaml -o json
