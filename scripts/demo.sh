#!/usr/bin/env bash
# make demo: fresh local source systems, one full sync through Airflow, and a summary of what happened.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/airflow-env.sh

echo "== Resetting the demo state under var/ (hub store, local systems, Airflow home)"
./scripts/sources.sh stop >/dev/null
rm -rf var/sources var/crmhub.db* var/airflow
mkdir -p var

echo "== Starting the local source systems (seeded with the same customers in four messy shapes)"
./scripts/sources.sh start
source var/sources/connections.env

echo "== Preparing an embedded Airflow (SQLite) in $AIRFLOW_HOME"
airflow db migrate > var/airflow-migrate.log 2>&1
echo "== Creating the hub store schema: crmhub db-upgrade"
crmhub db-upgrade

echo "== Running the customer_sync DAG once: airflow dags test customer_sync"
if ! airflow dags test customer_sync > var/airflow-dag-test.log 2>&1; then
  tail -50 var/airflow-dag-test.log
  echo "The DAG run failed; full log: var/airflow-dag-test.log"
  exit 1
fi
echo "   (task log: var/airflow-dag-test.log)"
echo
crmhub summary
echo
crmhub demo-evidence --data-dir var/sources
cat <<EOT

== Where to look
  Hub store (SQLite):        var/crmhub.db   (tables golden_records, cross_references, match_pairs, quarantine, run_log)
  Quarantined source rows:   .venv/bin/crmhub quarantine
  Customer analytics:        .venv/bin/crmhub report      (source overlap, new customers, retention, lifetime value)
  Steward workbench and API: CRMHUB_WEB_USERS="ann:steward:\$(openssl rand -hex 16)" .venv/bin/crmhub serve
                             then http://127.0.0.1:8600/steward/ (log in as ann with that token)
  A record in a source:      .venv/bin/crmhub sources show erp <KUNNR>   (also webshop, legacy_db, legacy_csv)
  Sync again (no Airflow):   .venv/bin/crmhub sync        — incremental: only what changed since the cursors
  Airflow UI:                source scripts/airflow-env.sh && source var/sources/connections.env && airflow standalone
  Source systems log:        var/sources.log   — they keep running; stop them with: make stop-sources
EOT
