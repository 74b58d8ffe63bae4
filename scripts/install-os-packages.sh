#!/usr/bin/env bash
# Installs the Debian packages CRM Hub's demo and tests need, only when they are missing:
# PostgreSQL (second hub-store backend, Airflow's metadata DB on Celery), Chromium (browser tests),
# docker-compose (validates the compose file), Redis (the Celery broker of scripts/celery-local.sh),
# CJK fonts (Chinese, Japanese and Korean names in the workbench's screenshots and browser tests).
set -euo pipefail
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v docker-compose >/dev/null 2>&1 || missing+=(docker-compose)
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
[ -n "$(fc-list :lang=zh 2>/dev/null)" ] || missing+=(fonts-noto-cjk)
ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || missing+=(postgresql)
if [ ${#missing[@]} -eq 0 ]; then exit 0; fi
echo "installing OS packages: ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
