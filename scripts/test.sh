#!/usr/bin/env bash
# Runs every test. Installs what the tests need first (the AWS emulator from
# PyPI, Prometheus and promtool from Debian's packages), so it works on a fresh
# machine that has a Rust toolchain and python3.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/deps.sh
ensure_moto
ensure_prometheus
cargo test --locked "$@"
