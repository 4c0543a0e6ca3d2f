"""Gunicorn settings for the Eldo web container, read from the environment.

Used as ``gunicorn -c deploy/gunicorn.conf.py eldo.wsgi:application`` (deploy/entrypoint.sh
``web``). Every variable is optional; docs/deploy.md lists them. The process runs on a
read-only root filesystem: nothing here writes outside /dev/shm or /tmp.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from pathlib import Path


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise RuntimeError(f"{name} must be an integer, got {raw!r}") from exc


def _env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name, "").strip().lower()
    if not raw:
        return default
    return raw in {"1", "true", "yes", "on"}


def _available_cpus() -> int:
    """CPUs this container may use: the cgroup v2 quota when set, else the affinity mask.

    os.cpu_count() reports the node's CPUs, which would start far too many workers in a
    pod limited to one or two cores.
    """
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    try:
        quota, period = Path("/sys/fs/cgroup/cpu.max").read_text().split()[:2]
        if quota != "max":
            cpus = min(cpus or 1, max(1, -(-int(quota) // int(period))))  # ceiling
    except (OSError, ValueError):
        pass
    return max(1, cpus or 1)


# --- Server ----------------------------------------------------------------------------

wsgi_app = "eldo.wsgi:application"
proc_name = "eldo"
bind = [f"0.0.0.0:{_env_int('PORT', 8000)}"]

# gthread: threads absorb I/O waits (database, cache, broker) without one process each.
worker_class = "gthread"
# 2 x CPU + 1, capped: each worker holds a full Django process and its connection pool.
workers = _env_int("GUNICORN_WORKERS", min(2 * _available_cpus() + 1, 8))
threads = _env_int("GUNICORN_THREADS", 4)
timeout = _env_int("GUNICORN_TIMEOUT", 30)
graceful_timeout = _env_int("GUNICORN_GRACEFUL_TIMEOUT", 30)
# Above the gateway's upstream idle timeout (Kong's upstream_keepalive_idle_timeout, 60 s in
# deploy/compose.yaml and deploy/kong/values-*.yaml), or Kong may reuse a connection gunicorn
# has just closed (a 502 on a POST). gthread parks idle connections in its poller: they hold
# no thread. tests/deploy/test_gateway_install.py checks the order everywhere.
keepalive = _env_int("GUNICORN_KEEPALIVE", 75)
# Recycle workers now and then so a slow leak never grows unbounded (jitter staggers them),
# but rarely: each new worker costs ~1 s of CPU to import Django, and at 1000 requests
# recycling halved /healthz throughput in `make bench` (bench/results/*-notes.md).
max_requests = _env_int("GUNICORN_MAX_REQUESTS", 20000)
max_requests_jitter = _env_int("GUNICORN_MAX_REQUESTS_JITTER", 2000)

# Whose X-Forwarded-Proto sets wsgi.url_scheme: the gateway's only. (Django itself reads the
# header through SECURE_PROXY_SSL_HEADER: the pod must be reachable only via the gateway.)
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# --- Request limits ---------------------------------------------------------------------

# The request line (method, path, query), the number of headers and each header's size:
# anything larger is answered 400 by gunicorn before Django. 8190 bytes per header leaves
# room for a JWT and the cookies. Bodies are bounded by Django's guard
# (apps/core/body_limits.py: 413 from Content-Length, before reading) and by Kong.
limit_request_line = 4094
limit_request_fields = 50
limit_request_field_size = 8190

# --- Read-only root filesystem -----------------------------------------------------------

# The worker heartbeat file: tmpfs when there is one, the default temp dir otherwise.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108
# gunicorn >= 25.1 opens a control socket under $HOME or $XDG_RUNTIME_DIR by default; the
# container user has neither. Older versions ignore this unknown setting.
control_socket_disable = True

# --- Logging ----------------------------------------------------------------------------

loglevel = os.environ.get("LOG_LEVEL", "INFO").lower()
accesslog = "-"
errorlog = "-"
access_log_format = '%(h)s "%(r)s" %(s)s %(B)s %(M)sms request_id=%({x-request-id}o)s "%(a)s"'


class AccessFields(logging.Filter):
    """Lift gunicorn's access-log atoms into fields of the JSON record."""

    fields = {
        "remote_addr": "h",
        "method": "m",
        "path": "U",
        "query": "q",
        "status": "s",
        "bytes": "B",
        "duration_ms": "M",
        "user_agent": "a",
        "request_id": "{x-request-id}o",
    }

    def filter(self, record: logging.LogRecord) -> bool:
        atoms = record.args
        if isinstance(atoms, Mapping):  # gunicorn passes its atoms as the only argument
            for field, atom in self.fields.items():
                setattr(record, field, atoms[atom])
        return True


# Production logs are JSON lines, like Django's (LOG_JSON defaults to "not DEBUG" there
# too), so that the log pipeline never has to parse two formats.
if _env_bool("LOG_JSON", not _env_bool("DJANGO_DEBUG", True)):
    _json = "pythonjsonlogger.json.JsonFormatter"
    # "time" is an ISO 8601 UTC timestamp: the master logs before Django sets TZ, so local
    # asctime would mix two zones in one stream.
    _common = {
        "()": _json,
        "timestamp": "time",
        "rename_fields": {"levelname": "level", "name": "logger"},
    }
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"access_fields": {"()": AccessFields}},
        "formatters": {
            "json": {**_common, "fmt": "%(levelname)s %(name)s %(message)s"},
            "json_access": {
                **_common,
                "fmt": "%(levelname)s %(name)s %(message)s %(request_id)s %(remote_addr)s "
                "%(method)s %(path)s %(query)s %(status)s %(bytes)s %(duration_ms)s "
                "%(user_agent)s",
            },
        },
        "handlers": {
            "error_console": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "stream": "ext://sys.stderr",
            },
            "access_console": {
                "class": "logging.StreamHandler",
                "formatter": "json_access",
                "filters": ["access_fields"],
                "stream": "ext://sys.stdout",
            },
        },
        # propagate=False: Django's root handler would print every line a second time.
        "loggers": {
            "gunicorn.error": {
                "level": loglevel.upper(),
                "handlers": ["error_console"],
                "propagate": False,
            },
            "gunicorn.access": {
                "level": "INFO",
                "handlers": ["access_console"],
                "propagate": False,
            },
        },
        "root": {"level": loglevel.upper(), "handlers": []},
    }

# --- Prometheus metrics (multiprocess) ---------------------------------------------------

# Each worker process writes its samples under this directory and /metrics, answered by any
# one worker, aggregates them all (apps.core.metrics). Set here, before any worker imports
# prometheus_client; on tmpfs when there is one, and private to this master (its pid), so
# that two servers on one machine (tests, benchmarks) never count each other's samples.
# Emptied when the master starts, removed when it exits; child_exit drops a dead worker's
# live gauges.
os.environ.setdefault(
    "PROMETHEUS_MULTIPROC_DIR",
    str(Path("/dev/shm" if os.path.isdir("/dev/shm") else "/tmp") / f"eldo-metrics-{os.getpid()}"),  # noqa: S108
)


def on_starting(server) -> None:
    import shutil

    directory = Path(os.environ["PROMETHEUS_MULTIPROC_DIR"])
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True, exist_ok=True)


def post_worker_init(worker) -> None:
    """Build what every request ends up needing (apps.core.warmup) before serving."""
    from apps.core.warmup import warm

    warm()


def child_exit(server, worker) -> None:
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server) -> None:
    import shutil

    shutil.rmtree(os.environ["PROMETHEUS_MULTIPROC_DIR"], ignore_errors=True)
