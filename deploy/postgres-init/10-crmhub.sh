#!/usr/bin/env bash
# Creates the CRM Hub store database next to Airflow's metadata database (first start of the volume only).
set -euo pipefail
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" <<SQL
CREATE USER crmhub WITH PASSWORD '${CRMHUB_DB_PASSWORD}';
CREATE DATABASE crmhub OWNER crmhub;
SQL
