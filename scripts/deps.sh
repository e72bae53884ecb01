# Sourced by scripts/test.sh and scripts/demo.sh: makes sure the AWS emulator
# (moto's standalone server) is importable, installing it from PyPI if needed,
# and exports AWSUMMARY_PYTHON, the interpreter the tests and demo use;
# ensure_prometheus installs promtool and the Prometheus server (Debian's
# package) for the daemon's tests.
MOTO_SPEC='moto[server]>=5.1,<6'

ensure_moto() {
    local py="${AWSUMMARY_PYTHON:-python3}"
    if "$py" -c 'import moto.server, boto3' 2>/dev/null; then
        export AWSUMMARY_PYTHON="$py"
        return
    fi
    echo "installing $MOTO_SPEC ..." >&2
    if ! "$py" -m pip install --quiet --disable-pip-version-check "$MOTO_SPEC" >&2; then
        # Externally managed interpreters refuse global installs: use a venv.
        local venv="$PWD/target/moto-venv"
        "$py" -m venv "$venv"
        "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "$MOTO_SPEC" >&2
        py="$venv/bin/python"
    fi
    "$py" -c 'import moto.server, boto3'
    export AWSUMMARY_PYTHON="$py"
}

# A free TCP port on the loopback interface.
free_port() {
    "${AWSUMMARY_PYTHON:-python3}" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

ensure_prometheus() {
    if command -v promtool >/dev/null && command -v prometheus >/dev/null; then
        return
    fi
    echo "installing prometheus (Debian package) ..." >&2
    local sudo=""
    [ "$(id -u)" = 0 ] || sudo="sudo"
    $sudo apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends prometheus >&2
    command -v promtool >/dev/null && command -v prometheus >/dev/null
}
