"""Operations probes: /healthz touches nothing; /readyz names the part that is down."""

import pytest
from django.db import OperationalError, connection
from django.test.utils import CaptureQueriesContext

UNREACHABLE_REDIS = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens on port 1
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
    }
}


@pytest.mark.django_db
def test_healthz_answers_without_touching_the_database(client):
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert len(queries) == 0
    assert response["X-Request-ID"]


@pytest.mark.django_db
def test_readyz_is_ok_when_everything_answers(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["failing"] == []
    assert set(body["checks"]) == {"database", "cache", "broker"}


@pytest.mark.django_db
def test_readyz_names_the_cache_when_redis_is_unreachable_and_healthz_stays_up(client, settings):
    from django.core.cache import caches

    settings.CACHES = UNREACHABLE_REDIS
    try:
        response = client.get("/readyz")
        assert response.status_code == 503
        assert response.json()["failing"] == ["cache"]
        assert client.get("/healthz").status_code == 200
    finally:
        caches["default"].close()


@pytest.mark.django_db
def test_readyz_names_the_broker_when_it_is_unreachable(client, settings):
    from celery import current_app as app

    settings.CELERY_TASK_ALWAYS_EAGER = False
    saved = app.conf.broker_url
    app.conf.broker_url = "redis://127.0.0.1:1/0"
    try:
        response = client.get("/readyz")
    finally:
        app.conf.broker_url = saved
    assert response.status_code == 503
    assert response.json()["failing"] == ["broker"]


@pytest.mark.django_db
def test_readyz_names_the_database_when_it_is_unreachable(client, monkeypatch):
    def refuse(*args, **kwargs):
        raise OperationalError("connection refused")

    # The connection is the database's door: make it refuse as an unreachable server would.
    monkeypatch.setattr(connection, "ensure_connection", refuse)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["failing"] == ["database"]
    monkeypatch.undo()
    assert client.get("/healthz").status_code == 200


def test_request_id_from_the_gateway_is_kept_and_garbage_is_replaced(client):
    kept = client.get("/healthz", HTTP_X_REQUEST_ID="kong-1234abcd-5678")
    assert kept["X-Request-ID"] == "kong-1234abcd-5678"
    replaced = client.get("/healthz", HTTP_X_REQUEST_ID="<script>")
    assert replaced["X-Request-ID"] != "<script>"
    assert len(replaced["X-Request-ID"]) == 32


@pytest.mark.django_db
def test_metrics_reports_the_outbox_backlog(client):
    from apps.core.models import OutboxEvent

    OutboxEvent.objects.create(name="x.Y", payload={})
    response = client.get("/metrics")
    assert response.status_code == 200
    assert "eldo_outbox_pending 1" in response.content.decode()


@pytest.mark.django_db
def test_readyz_can_be_asked_for_the_database_only(client, settings):
    settings.CACHES = UNREACHABLE_REDIS
    from django.core.cache import caches

    try:
        assert client.get("/readyz").status_code == 503
        only_db = client.get("/readyz", {"checks": "database"})
        assert only_db.status_code == 200
        assert list(only_db.json()["checks"]) == ["database"]
    finally:
        caches["default"].close()


@pytest.mark.django_db
def test_pages_and_throttled_api_keep_working_while_redis_is_down(client, settings):
    """The resilient cache: misses and dropped writes, never a 500."""
    from django.core.cache import caches

    settings.CACHES = {
        "default": {
            **UNREACHABLE_REDIS["default"],
            "BACKEND": "apps.core.cache.ResilientRedisCache",
        }
    }
    try:
        assert client.get("/").status_code == 200
        response = client.post(
            "/api/v1/auth/token/",
            {"email": "x@eldo.test", "password": "nope"},
            content_type="application/json",
        )
        assert response.status_code == 401  # throttles failed open, the view answered
    finally:
        caches["default"].close()
