#!/usr/bin/env bash
# CRM Hub's sync DAG on Airflow's CeleryExecutor on this machine, no Docker: Redis (Debian redis-server)
# as the broker, a throw-away PostgreSQL as metadata DB and hub store, api-server, scheduler,
# dag-processor and two `airflow celery worker`s; seeds the local systems, triggers one run and prints
# which worker ran which task. Stops every process it started at the end (or on Ctrl-C with --serve).
#   scripts/celery-local.sh [--records 2000] [--workers 2] [--concurrency 1] [--shards 4] [--serve]
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export PYTHONPATH=$ROOT${PYTHONPATH:+:$PYTHONPATH}
export PATH=$ROOT/.venv/bin:$PATH
exec "$ROOT/.venv/bin/python" -m crmhub.celery_run "$@"
