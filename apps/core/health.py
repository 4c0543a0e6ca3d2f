"""Liveness, readiness and metrics probes (outside /api/v1/)."""

from __future__ import annotations

import functools
import logging
import time
import uuid

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.utils.http import http_date
from django.views.decorators.http import require_GET

logger = logging.getLogger(__name__)

NEVER_CACHE = "max-age=0, no-cache, no-store, must-revalidate, private"


def never_cache(view):
    """The headers of Django's ``never_cache`` (an ``Expires`` of now, ``Cache-Control:
    max-age=0, no-cache, no-store, must-revalidate, private``), written directly: Django's
    parses and merges the ``Cache-Control`` a probe's fresh answer does not have, a tenth
    of /healthz's time."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        response.headers.setdefault("Expires", http_date())
        response.headers.setdefault("Cache-Control", NEVER_CACHE)
        return response

    return wrapper


@never_cache
@require_GET
def healthz(request):
    """The process answers. Touches neither the database nor the cache."""
    # The same bytes JsonResponse({"status": "ok"}) would write, without encoding them on
    # every call: the kubelet and the gateway ask several times a minute per pod.
    return HttpResponse(_OK, content_type="application/json")


_OK = b'{"status": "ok"}'


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
