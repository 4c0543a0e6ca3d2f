#!/bin/sh
# Eldo container entrypoint: one image, one role per container.
#
#   web              gunicorn serving eldo.wsgi (default)
#   worker           Celery worker
#   beat             Celery beat (run exactly one)
#   migrate          apply database migrations, then exit
#   kong-config      write Kong's routing table with the token keys' public halves, exit
#   manage ARGS...   any manage.py command
#   anything else    executed as is (sh, python, ...)
#
# Every role exec's its process so that it runs as PID 1 and receives the stop signal.
set -eu

# Run from the project root (where manage.py lives), wherever we are called from.
APP_ROOT=$(CDPATH='' cd -- "$(dirname -- "$0")/.." && pwd)
cd "$APP_ROOT"

role="${1:-web}"
if [ "$#" -gt 0 ]; then
    shift
fi

case "$role" in
    web)
        exec gunicorn -c deploy/gunicorn.conf.py "$@" eldo.wsgi:application
        ;;
    worker)
        # Prometheus multiprocess mode: each pool process writes its samples here, emptied
        # at start; with CELERY_METRICS_PORT set the worker serves them (apps.core.metrics).
        export PROMETHEUS_MULTIPROC_DIR="${PROMETHEUS_MULTIPROC_DIR:-/tmp/eldo-metrics-worker}"
        rm -rf "$PROMETHEUS_MULTIPROC_DIR"
        mkdir -p "$PROMETHEUS_MULTIPROC_DIR"
        # Fair scheduling: a long task never holds prefetched ones hostage (acks_late and
        # prefetch_multiplier=1 are in the settings).
        exec celery -A eldo worker \
            --loglevel "${LOG_LEVEL:-INFO}" \
            --concurrency "${CELERY_CONCURRENCY:-2}" \
            -O fair \
            "$@"
        ;;
    beat)
        # The schedule database lives in /tmp: the root filesystem is read-only.
        exec celery -A eldo beat \
            --loglevel "${LOG_LEVEL:-INFO}" \
            --schedule "${CELERY_BEAT_SCHEDULE_FILE:-/tmp/celerybeat-schedule}" \
            "$@"
        ;;
    migrate)
        exec python manage.py migrate --noinput "$@"
        ;;
    kong-config)
        exec python manage.py gateway_config \
            --kong-yml /kong-src/kong.yml --output /kong/kong.yml \
            "$@"
        ;;
    manage)
        exec python manage.py "$@"
        ;;
    *)
        exec "$role" "$@"
        ;;
esac
