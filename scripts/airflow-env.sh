# Sourced by the scripts: an embedded Airflow home (SQLite) with this repo's dags/ and plugins/.
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export AIRFLOW_HOME=${AIRFLOW_HOME:-$ROOT/var/airflow}
export AIRFLOW__CORE__DAGS_FOLDER=$ROOT/dags
export AIRFLOW__CORE__PLUGINS_FOLDER=$ROOT/plugins
export AIRFLOW__CORE__LOAD_EXAMPLES=False
export AIRFLOW__CORE__PARALLELISM=${AIRFLOW__CORE__PARALLELISM:-4}
export AIRFLOW__API_AUTH__JWT_SECRET=${AIRFLOW__API_AUTH__JWT_SECRET:-crmhub-local-demo-secret-change-me-in-production-0123456789abcdef}
export CRMHUB_CONFIG=${CRMHUB_CONFIG:-$ROOT/config/crmhub.yaml}
export PATH=$ROOT/.venv/bin:$PATH
