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
# Two processes (pytest-xdist; CRMHUB_TEST_WORKERS=0 for one), whole files per process; each has its own
# Airflow home, throw-away PostgreSQL and temporary folders, every server takes a free port. Files go out
# in collection order (xdist would otherwise send the files with most tests first and leave the
# two-minute Celery test for the end). Two full parallel runs passed (1183, then 1230 in 11 min idle).
pytest -q -p no:cacheprovider -n "${CRMHUB_TEST_WORKERS:-2}" --dist loadfile --no-loadscope-reorder "$@"
