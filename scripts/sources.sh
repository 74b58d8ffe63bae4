#!/usr/bin/env bash
# Start or stop the local source systems (ERP SOAP, web shop REST, legacy DB, CSV export) in the background.
set -euo pipefail
cd "$(dirname "$0")/.."
DATA_DIR=${CRMHUB_SOURCES_DIR:-var/sources}
PIDFILE=var/sources.pid
case "${1:-start}" in
  stop)
    if [ -f "$PIDFILE" ]; then
      kill -TERM -- "-$(cat "$PIDFILE")" 2>/dev/null || true
      rm -f "$PIDFILE"
      echo "local source systems stopped"
    fi
    ;;
  start)
    "$0" stop >/dev/null
    mkdir -p var "$DATA_DIR"
    rm -f "$DATA_DIR/connections.env"
    EXTRA=()
    if [ -n "${CRMHUB_DEMO_TRYTON:-}" ]; then EXTRA=(--tryton); fi
    setsid .venv/bin/crmhub sources serve --data-dir "$DATA_DIR" "${EXTRA[@]}" > var/sources.log 2>&1 < /dev/null &
    echo $! > "$PIDFILE"
    for _ in $(seq 1 120); do
      [ -s "$DATA_DIR/connections.env" ] && break
      if ! kill -0 "$(cat "$PIDFILE")" 2>/dev/null; then cat var/sources.log; exit 1; fi
      sleep 0.5
    done
    [ -s "$DATA_DIR/connections.env" ] || { echo "local source systems did not start"; cat var/sources.log; exit 1; }
    cat var/sources.log
    ;;
esac
