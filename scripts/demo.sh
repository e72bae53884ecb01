#!/usr/bin/env bash
# Try awsummary with no AWS account: starts the AWS emulator (moto) on a free
# loopback port, seeds a sample estate across several regions, runs awsummary
# against it (extra arguments are passed on, e.g. --format json), stops the emulator.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/deps.sh
ensure_moto
port=$(free_port)
endpoint="http://127.0.0.1:$port"
"$AWSUMMARY_PYTHON" -m moto.server -H 127.0.0.1 -p "$port" >/dev/null 2>&1 &
moto_pid=$!
trap 'kill $moto_pid 2>/dev/null || true' EXIT
export AWS_ACCESS_KEY_ID=demo AWS_SECRET_ACCESS_KEY=demo AWS_REGION=eu-west-1
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_EC2_METADATA_DISABLED=true
unset AWS_PROFILE AWS_SESSION_TOKEN
for _ in $(seq 100); do
    (echo > "/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
    sleep 0.1
done
echo "seeding a sample estate into the emulator at $endpoint ..." >&2
"$AWSUMMARY_PYTHON" scripts/seed.py --endpoint "$endpoint" --spec @scripts/sample-estate.json >/dev/null
cargo build --quiet
set +e
target/debug/awsummary --endpoint-url "$endpoint" "$@"
status=$?
exit $status
