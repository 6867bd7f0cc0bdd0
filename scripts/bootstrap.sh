#!/usr/bin/env bash
# Install the project on a fresh machine: uv (pinned) into .tools/, then the locked
# environment into .venv/. Safe to run again: it only does what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

UV_VERSION="0.13.9"
if [ -f /etc/ssl/certs/ca-certificates.crt ]; then
  export SSL_CERT_FILE="${SSL_CERT_FILE:-/etc/ssl/certs/ca-certificates.crt}"
fi
PYTHON="${UCJ_PYTHON:-python3.11}"
command -v "$PYTHON" >/dev/null 2>&1 || PYTHON=python3

if [ ! -x .tools/bin/uv ] || [ "$(.tools/bin/uv --version | awk '{print $2}')" != "$UV_VERSION" ]; then
  "$PYTHON" -m venv .tools
  .tools/bin/python -m pip install --quiet --disable-pip-version-check "uv==${UV_VERSION}"
fi
.tools/bin/uv sync --frozen --python "$PYTHON" "$@"
