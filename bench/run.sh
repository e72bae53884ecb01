#!/usr/bin/env bash
# The benchmark, one command: installs what it needs (moto, awscli), builds the
# release binary, runs bench/run.py and writes bench/RESULTS.md.
# Options are passed on: bench/run.sh --rounds 3 --scale 100
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/deps.sh
ensure_moto
"$AWSUMMARY_PYTHON" -c 'import awscli' 2>/dev/null || "$AWSUMMARY_PYTHON" -m pip install --quiet awscli
export PATH="$(dirname "$(command -v "$AWSUMMARY_PYTHON")"):$PATH"
cargo build --release --quiet
exec "$AWSUMMARY_PYTHON" bench/run.py "$@"
