#!/usr/bin/env bash
# Builds the svcscope CLI and runs it on the seeds' examples: a short tour
# of every command.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
cargo build --release --bin svcscope
svcscope=target/release/svcscope
run() { echo; echo "\$ svcscope $*"; "$svcscope" "$@"; }

cidr=(--service-cidr 10.0.0.0/16)
run check "${cidr[@]}" examples/*.yaml examples/*.json && echo "(no errors)"
run select app=MyApp examples/*.yaml examples/*.json
run endpoints my-ns/my-service examples/my-service.yaml
run explain examples/typo.yaml
run env my-ns/frontend "${cidr[@]}" examples/redis-master.yaml
run dns redis-master --from my-ns/frontend "${cidr[@]}" examples/redis-master.yaml
run route --from 203.0.113.7 --to 146.148.47.155:80 "${cidr[@]}" examples/load-balancer.json examples/nodes.yaml
