"""Liveness, readiness and metrics probes (outside /api/v1/)."""

from __future__ import annotations

import logging
import time
import uuid

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

logger = logging.getLogger(__name__)


@never_cache
@require_GET
def healthz(request):
    """The process answers. Touches neither the database nor the cache."""
    return JsonResponse({"status": "ok"})


def _check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _check_cache() -> None:
    key = f"readyz:{uuid.uuid4().hex}"
    cache.set(key, "1", timeout=5)
    if cache.get(key) != "1":
        raise RuntimeError("cache read-back failed")
    cache.delete(key)


def _check_broker() -> None:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return  # embedded mode: tasks run in-process, there is no broker to reach
    from celery import current_app

    with current_app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)


CHECKS = {"database": _check_database, "cache": _check_cache, "broker": _check_broker}


@never_cache
@require_GET
def readyz(request):
    """Ready to serve: database, cache and broker answer. 503 names the failing parts.

    Without Redis the site still serves (cache misses, the outbox keeps events), so the
    pod readiness probe asks ``?checks=database``; monitoring asks for everything."""
    results: dict[str, str] = {}
    failing: list[str] = []
    # ?checks=database lets a load balancer ask only what the pod cannot work without.
    wanted = [c for c in request.GET.get("checks", "").split(",") if c in CHECKS] or list(CHECKS)
    for name, check in ((n, CHECKS[n]) for n in wanted):
        started = time.perf_counter()
        try:
            check()
        except Exception as exc:
            logger.warning("readyz: %s unavailable: %s", name, exc)
            results[name] = f"unavailable: {type(exc).__name__}"
            failing.append(name)
        else:
            results[name] = f"ok ({(time.perf_counter() - started) * 1000:.1f} ms)"
    body = {"status": "unavailable" if failing else "ok", "checks": results, "failing": failing}
    return JsonResponse(body, status=503 if failing else 200)


@never_cache
@require_GET
def metrics(request):
    """Prometheus text format: requests by route, cache, tasks, outbox and queues
    (apps.core.metrics). Not routed by the gateway: scraped inside the cluster only."""
    from prometheus_client import CONTENT_TYPE_LATEST

    from apps.core.metrics import exposition

    return HttpResponse(exposition(), content_type=CONTENT_TYPE_LATEST)
