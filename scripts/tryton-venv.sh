#!/usr/bin/env bash
# The real Tryton ERP in its own virtualenv (.venv-tryton): used by the tests and `make demo-tryton`.
# Idempotent: does nothing when the pinned requirements are installed already.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${TRYTON_VENV:-.venv-tryton}
REQ=sources/tryton/requirements.txt
if [ -f "$VENV/.installed" ] && cmp -s "$REQ" "$VENV/.installed"; then exit 0; fi
test -x "$VENV/bin/python" || python3 -m venv "$VENV"
UV=.venv/bin/uv
if [ -x "$UV" ]; then "$UV" pip install -q --compile-bytecode --python "$VENV/bin/python" -r "$REQ"
else "$VENV/bin/pip" install -q --disable-pip-version-check -r "$REQ"; fi
cp "$REQ" "$VENV/.installed"
