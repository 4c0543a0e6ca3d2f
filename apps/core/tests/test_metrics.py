"""/metrics after requests, cache reads and tasks: the series the alerts and the dashboard use.

Each test reads the counters before and after, so that samples left by other tests in this
process do not matter.
"""

from __future__ import annotations

import datetime as dt
import urllib.request

import pytest
from celery import current_app
from django.core.cache import cache
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families


def scrape(client) -> dict[tuple[str, frozenset], float]:
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    return parse(response.content.decode())


def parse(text: str) -> dict[tuple[str, frozenset], float]:
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(samples, name: str, **labels) -> float:
    wanted = set(labels.items())
    return sum(v for (n, lbls), v in samples.items() if n == name and wanted <= lbls)


@pytest.mark.django_db
def test_requests_are_counted_by_route_name_and_status(client):
    before = scrape(client)
    for _ in range(3):
        assert client.get("/healthz").status_code == 200
    assert client.get("/no-such-page-at-all/").status_code == 404
    after = scrape(client)

    latency = "django_http_requests_latency_seconds_by_view_method_count"
    assert (
        value(after, latency, view="healthz", method="GET")
        - value(before, latency, view="healthz", method="GET")
        == 3
    )
    responses = "django_http_responses_total_by_status_view_method_total"
    assert (
        value(after, responses, view="healthz", status="200")
        - value(before, responses, view="healthz", status="200")
        == 3
    )
    assert value(after, responses, status="404") - value(before, responses, status="404") == 1
    # Route names, never raw paths: an unknown URL cannot create a series of its own.
    views = {dict(labels).get("view") for name, labels in after if name == latency}
    assert not any(view and view.startswith("/") for view in views)
    assert "/no-such-page-at-all/" not in str(after)
    buckets = [
        labels
        for name, labels in after
        if name == "django_http_requests_latency_seconds_by_view_method_bucket"
        and ("view", "healthz") in labels
    ]
    assert len(buckets) > 5  # a histogram, from which the p95 is computed


@pytest.mark.django_db
def test_cache_hits_and_misses_are_counted(client):
    before = scrape(client)
    cache.set("metrics-test", "1", 30)
    assert cache.get("metrics-test") == "1"
    assert cache.get("metrics-test-absent") is None
    after = scrape(client)

    hits, misses = "django_cache_get_hits_total", "django_cache_get_misses_total"
    assert value(after, hits) - value(before, hits) >= 1
    assert value(after, misses) - value(before, misses) >= 1


@current_app.task(name="tests.metrics_ok")
def metrics_ok():
    return "done"


@current_app.task(name="tests.metrics_boom")
def metrics_boom():
    raise ValueError("boom")


@pytest.mark.django_db
def test_task_durations_and_failures_are_recorded(client, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    before = scrape(client)
    metrics_ok.apply()
    metrics_ok.apply()
    metrics_boom.apply(throw=False)  # the exception stays in the result
    after = scrape(client)

    duration = "eldo_celery_task_duration_seconds_count"
    assert (
        value(after, duration, task="tests.metrics_ok", state="SUCCESS")
        - value(before, duration, task="tests.metrics_ok", state="SUCCESS")
        == 2
    )
    assert (
        value(after, duration, task="tests.metrics_boom", state="FAILURE")
        - value(before, duration, task="tests.metrics_boom", state="FAILURE")
        == 1
    )
    failures = "eldo_celery_task_failures_total"
    assert (
        value(after, failures, task="tests.metrics_boom", exception="ValueError")
        - value(before, failures, task="tests.metrics_boom", exception="ValueError")
        == 1
    )


@pytest.mark.django_db
def test_outbox_lag_and_backlog(client):
    from apps.core.models import OutboxEvent

    empty = scrape(client)
    assert value(empty, "eldo_outbox_pending") == 0
    assert value(empty, "eldo_outbox_lag_seconds") == 0

    event = OutboxEvent.objects.create(name="x.Y", payload={})
    OutboxEvent.objects.filter(pk=event.pk).update(
        created_at=timezone.now() - dt.timedelta(minutes=10)
    )
    OutboxEvent.objects.create(name="x.Z", payload={}, delivered_at=timezone.now())
    samples = scrape(client)
    assert value(samples, "eldo_outbox_pending") == 1
    assert 600 <= value(samples, "eldo_outbox_lag_seconds") < 700


@pytest.mark.django_db
def test_queue_depth_is_read_from_the_broker(client):
    samples = scrape(client)
    queues = {
        dict(labels)["queue"] for name, labels in samples if name == "eldo_celery_queue_length"
    }
    assert current_app.conf.task_default_queue in queues


@pytest.mark.django_db
def test_metrics_still_answer_when_the_broker_is_down(client, settings, monkeypatch):
    from apps.core import metrics

    def down():
        raise ConnectionError("broker down")

    monkeypatch.setattr(metrics, "_queue_lengths", down)
    samples = scrape(client)
    assert not [name for name, _ in samples if name == "eldo_celery_queue_length"]
    assert ("eldo_outbox_pending", frozenset()) in samples


def test_the_worker_serves_its_own_samples():
    from apps.core.metrics import start_worker_exporter

    metrics_ok.apply()
    server = start_worker_exporter(0, "127.0.0.1")
    try:
        url = f"http://127.0.0.1:{server.server_port}/metrics"
        with urllib.request.urlopen(url, timeout=5) as response:
            samples = parse(response.read().decode())
    finally:
        server.shutdown()
        server.server_close()
    assert value(samples, "eldo_celery_task_duration_seconds_count", task="tests.metrics_ok") >= 1
