#!/usr/bin/env bash
# make test: lint, then the whole suite (SQLite and a throw-away PostgreSQL, real Airflow DAG runs,
# local source systems over loopback HTTP, headless Chromium).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=$PWD/.venv/bin:$PATH
echo "== ruff"
ruff check .
echo "== mypy (strict on schemas/, matching/, hub/; see [tool.mypy] in pyproject.toml)"
mypy
echo "== pytest"
pytest -q -p no:cacheprovider "$@"
