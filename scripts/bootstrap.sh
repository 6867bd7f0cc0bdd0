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

# Debian's chromium (headless): the report tests open the HTML reports in it. Installed once, as
# root, from Debian's packages (never a browser download); UCJ_SKIP_CHROMIUM=1 skips it.
if [ "${UCJ_SKIP_CHROMIUM:-0}" != 1 ] && [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "bootstrap: installing chromium (Debian package) for the report tests" >&2
    { DEBIAN_FRONTEND=noninteractive apt-get update -qq \
      && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium fonts-liberation \
      >/dev/null; } || echo "bootstrap: WARNING: apt-get could not install chromium; the report browser tests will fail" >&2
  else
    echo "bootstrap: WARNING: /usr/bin/chromium is missing (as root: apt-get install -y chromium)" >&2
  fi
fi
