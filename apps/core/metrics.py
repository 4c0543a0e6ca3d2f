"""Prometheus metrics of Eldo, served on ``/metrics`` (web) and by the Celery worker.

What comes from where:

- HTTP: django-prometheus' middleware (settings.MIDDLEWARE) measures every request by route
  name (``view="reviews:pro-detail"``, never the raw path): latency histograms
  ``django_http_requests_latency_seconds_by_view_method`` and status codes
  ``django_http_responses_total_by_status_view_method_total``.
- Cache: hits and misses of ``cache.get`` (``django_cache_get_hits_total`` and
  ``..._misses_total``), counted by apps.core.cache and django-prometheus' local-memory backend.
- Celery: ``eldo_celery_task_duration_seconds`` (histogram by task and final state) and
  ``eldo_celery_task_failures_total``, recorded by the signal receivers below in the process
  that runs the task (a worker, or the web process in embedded mode).
- At scrape time, read from the database and the broker by whoever serves ``/metrics``:
  ``eldo_outbox_pending``, ``eldo_outbox_lag_seconds`` (age of the oldest undelivered event)
  and ``eldo_celery_queue_length`` per queue.

gunicorn and Celery run several processes: with ``PROMETHEUS_MULTIPROC_DIR`` set, each
process writes its samples to files there and ``/metrics`` aggregates them
(prometheus_client's multiprocess mode; deploy/gunicorn.conf.py and deploy/entrypoint.sh
set the directory, empty it at start and mark exited processes dead).
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterator

from prometheus_client import (
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

logger = logging.getLogger(__name__)

# Tasks run from milliseconds (a handler) to minutes (an import or a purge).
TASK_BUCKETS = (0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600)

TASK_DURATION = Histogram(
    "eldo_celery_task_duration_seconds",
    "Time a Celery task took to run, by task name and final state.",
    ["task", "state"],
    buckets=TASK_BUCKETS,
)
TASK_FAILURES = Counter(
    "eldo_celery_task_failures",
    "Celery tasks that raised, by task name and exception class.",
    ["task", "exception"],
)

_started: dict[str, float] = {}


def _task_prerun(task_id=None, task=None, **_) -> None:
    if task_id:
        _started[task_id] = time.perf_counter()


def _task_postrun(task_id=None, task=None, state=None, **_) -> None:
    started = _started.pop(task_id, None) if task_id else None
    if started is not None and task is not None:
        elapsed = time.perf_counter() - started
        TASK_DURATION.labels(task=task.name, state=state or "UNKNOWN").observe(elapsed)


def _task_failure(sender=None, exception=None, **_) -> None:
    name = getattr(sender, "name", None) or "unknown"
    TASK_FAILURES.labels(task=name, exception=type(exception).__name__).inc()


def connect_task_signals() -> None:
    """Record every task's duration and failures (called once per process by CoreConfig)."""
    from celery import signals

    signals.task_prerun.connect(_task_prerun, weak=False, dispatch_uid="eldo-metrics-prerun")
    signals.task_postrun.connect(_task_postrun, weak=False, dispatch_uid="eldo-metrics-postrun")
    signals.task_failure.connect(_task_failure, weak=False, dispatch_uid="eldo-metrics-failure")
    signals.worker_init.connect(_worker_init, weak=False, dispatch_uid="eldo-metrics-init")
    signals.worker_process_shutdown.connect(
        _worker_process_shutdown, weak=False, dispatch_uid="eldo-metrics-child-exit"
    )


# --- Read at scrape time ---------------------------------------------------------------


def _queue_lengths() -> dict[str, int]:
    """Messages waiting in each Celery queue, asked of the broker (passive declare)."""
    from celery import current_app

    lengths: dict[str, int] = {}
    with current_app.connection_for_read() as connection:
        connection.ensure_connection(max_retries=1, timeout=2)
        for name in sorted(current_app.amqp.queues):
            # A channel per queue: a broker may close the channel on "no such queue".
            channel = connection.channel()
            try:
                lengths[name] = channel.queue_declare(queue=name, passive=True).message_count
            except connection.channel_errors:
                lengths[name] = 0  # Redis drops an empty list: no queue, nothing waiting
            finally:
                channel.close()
    return lengths


class ScrapeCollector(Collector):
    """Gauges computed when Prometheus scrapes: the outbox backlog and the broker's queues.

    A part that cannot be read (database or broker down) is left out and logged: the
    scrape itself never fails, and an absent series is what the alerts look for."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        yield from self._outbox()
        yield from self._queues()

    def _outbox(self) -> Iterator[GaugeMetricFamily]:
        from django.db.models import Count, Min
        from django.utils import timezone

        from apps.core.models import OutboxEvent

        try:
            backlog = OutboxEvent.objects.filter(delivered_at__isnull=True).aggregate(
                pending=Count("id"), oldest=Min("created_at")
            )
        except Exception as exc:
            logger.warning("metrics: outbox unreadable: %s", exc)
            return
        oldest = backlog["oldest"]
        lag = (timezone.now() - oldest).total_seconds() if oldest else 0.0
        yield GaugeMetricFamily(
            "eldo_outbox_pending", "Domain events not yet delivered.", value=backlog["pending"]
        )
        yield GaugeMetricFamily(
            "eldo_outbox_lag_seconds",
            "Age of the oldest domain event not yet delivered (0 when none is waiting).",
            value=max(lag, 0.0),
        )

    def _queues(self) -> Iterator[GaugeMetricFamily]:
        try:
            lengths = _queue_lengths()
        except Exception as exc:
            logger.warning("metrics: broker queues unreadable: %s", exc)
            return
        family = GaugeMetricFamily(
            "eldo_celery_queue_length", "Messages waiting in a Celery queue.", labels=["queue"]
        )
        for name, length in lengths.items():
            family.add_metric([name], length)
        yield family


# --- Exposition --------------------------------------------------------------------------


def multiprocess_dir() -> str | None:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


def process_registry() -> CollectorRegistry:
    """The samples of every process (multiprocess mode), or of this one."""
    if multiprocess_dir():
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return registry
    return REGISTRY


def exposition() -> bytes:
    """The whole /metrics page: the processes' samples, then the scrape-time gauges."""
    scrape = CollectorRegistry(auto_describe=False)
    scrape.register(ScrapeCollector())
    return generate_latest(process_registry()) + generate_latest(scrape)


# --- The worker's own endpoint -------------------------------------------------------------


def _worker_init(**_) -> None:
    """In the worker's main process: serve its pool's samples on CELERY_METRICS_PORT.

    The worker has no HTTP server of its own; without the variable nothing is served (the
    web's /metrics still reports queue lengths and the outbox)."""
    port = os.environ.get("CELERY_METRICS_PORT", "").strip()
    if port:
        start_worker_exporter(int(port))


# The pod's own network: Prometheus scrapes the pod address; the NetworkPolicy decides who
# may reach the port.
ALL_INTERFACES = "0.0.0.0"  # noqa: S104  # nosec B104


def start_worker_exporter(port: int, addr: str = ALL_INTERFACES):
    from prometheus_client import start_http_server

    server, _thread = start_http_server(port, addr=addr, registry=process_registry())
    logger.info("metrics: worker samples served on port %s", server.server_port)
    return server


def _worker_process_shutdown(pid=None, **_) -> None:
    if multiprocess_dir():
        multiprocess.mark_process_dead(pid or os.getpid())
