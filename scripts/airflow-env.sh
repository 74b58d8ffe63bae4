# Sourced by the scripts: an embedded Airflow home (SQLite) with this repo's dags/ and plugins/.
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export AIRFLOW_HOME=${AIRFLOW_HOME:-$ROOT/var/airflow}
export AIRFLOW__CORE__DAGS_FOLDER=$ROOT/dags
export AIRFLOW__CORE__PLUGINS_FOLDER=$ROOT/plugins
export AIRFLOW__CORE__LOAD_EXAMPLES=False
export AIRFLOW__CORE__PARALLELISM=${AIRFLOW__CORE__PARALLELISM:-4}
# Loopback only unless told otherwise (AIRFLOW__API__HOST=0.0.0.0 behind a TLS proxy).
export AIRFLOW__API__HOST=${AIRFLOW__API__HOST:-127.0.0.1}
# JWT secret and Fernet key: yours from the environment, else random ones generated on first start in
# var/secrets.env (0600). With CRMHUB_ENV=production a missing, short or published secret stops here.
_crmhub_secrets=$(cd "$ROOT" && "$ROOT/.venv/bin/python" -m crmhub.local_secrets) || {
  echo "scripts/airflow-env.sh: no safe secrets (see the message above)" >&2
  return 2 2>/dev/null || exit 2
}
eval "$_crmhub_secrets"
unset _crmhub_secrets
# CRMHUB_DEMO_TRYTON=1: the demo also runs a real Tryton ERP and syncs it (config/crmhub-tryton.yaml)
if [ -n "${CRMHUB_DEMO_TRYTON:-}" ]; then _crmhub_default_config=crmhub-tryton.yaml; else _crmhub_default_config=crmhub.yaml; fi
export CRMHUB_CONFIG=${CRMHUB_CONFIG:-$ROOT/config/$_crmhub_default_config}
unset _crmhub_default_config
export PATH=$ROOT/.venv/bin:$PATH
