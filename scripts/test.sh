#!/usr/bin/env bash
# Runs every test. Installs what the tests need first (the AWS emulator), so it
# works on a fresh machine that has a Rust toolchain and python3.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/deps.sh
ensure_moto
cargo test --locked "$@"
