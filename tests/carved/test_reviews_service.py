"""The reviews service (``services/reviews``): its own project, database and events.

The project-level checks run in fresh processes under ``services.reviews.settings`` (a test
process has the monolith's apps loaded); the URLconf and the events' routing are checked
here, in-process.
"""

from __future__ import annotations

import json
import sqlite3
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.urls import reverse

from apps.core import events
from apps.core.broker import Topology
from services.reviews import routes
from tests.deploy.support import production_env, run

SERVICE = "services.reviews.settings"
OTHER_CONTEXTS = ("accounts", "directory", "quotes", "leads", "stats")


def service_env(tmp_path: Path, **overrides: str | None) -> dict[str, str]:
    """The service's container environment (production mode) on a fresh SQLite file."""
    service = {
        "DJANGO_SETTINGS_MODULE": SERVICE,
        "JWT_PRIVATE_KEYS": None,
        "JWT_JWKS_URL": "http://eldo-web:8000/.well-known/jwks.json",
        "MONOLITH_URL": "http://eldo-web:8000",
        "FACADES_TOKEN": "jeton-interne-de-test",
        "REVIEWS_DATABASE_URL": f"sqlite:///{tmp_path / 'reviews.sqlite3'}",
    }
    return production_env(tmp_path, **{**service, **overrides})


def manage(tmp_path: Path, *args: str, **overrides: str | None):
    return run([sys.executable, "manage.py", *args], env=service_env(tmp_path, **overrides))


# --- The project --------------------------------------------------------------------------


def test_the_service_passes_the_deploy_checks(tmp_path):
    result = manage(tmp_path, "check", "--deploy", "--fail-level", "WARNING")

    assert result.returncode == 0, result.stdout + result.stderr


def test_its_migration_matches_reviews_models(tmp_path):
    """The standalone migration is regenerated when reviews' models change:
    ``DJANGO_SETTINGS_MODULE=services.reviews.settings manage.py makemigrations reviews``."""
    result = manage(tmp_path, "makemigrations", "--check", "--dry-run")

    assert result.returncode == 0, result.stdout + result.stderr


def test_migrate_creates_reviews_tables_and_no_other_context_s(tmp_path):
    result = manage(tmp_path, "migrate", "--no-input")
    assert result.returncode == 0, result.stdout + result.stderr

    with sqlite3.connect(tmp_path / "reviews.sqlite3") as connection:
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
    assert {"reviews_review", "reviews_reviewinvitation", "core_outboxevent"} <= tables
    assert not [t for t in tables if t.startswith(tuple(f"{c}_" for c in OTHER_CONTEXTS))]


@pytest.mark.services
def test_migrate_on_postgresql(tmp_path):
    """The standalone migration on PostgreSQL: a database of its own, created and dropped
    here on the server of DATABASE_URL."""
    import uuid

    import psycopg
    from django.conf import settings

    server = settings.DATABASES["default"]
    name = f"reviews_service_{uuid.uuid4().hex[:12]}"
    admin = {
        "host": server["HOST"],
        "port": server["PORT"] or 5432,
        "user": server["USER"],
        "password": server["PASSWORD"],
        "dbname": "postgres",
        "autocommit": True,
    }
    with psycopg.connect(**admin) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        url = (
            f"postgres://{server['USER']}:{server['PASSWORD']}@{server['HOST']}:{admin['port']}/"
            f"{name}"
        )
        result = manage(tmp_path, "migrate", "--no-input", REVIEWS_DATABASE_URL=url)
        assert result.returncode == 0, result.stdout + result.stderr
        with psycopg.connect(**{**admin, "dbname": name}) as connection:
            tables = {
                row[0]
                for row in connection.execute(
                    "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
                )
            }
        assert {"reviews_review", "reviews_reviewinvitation", "core_outboxevent"} <= tables
        assert not [t for t in tables if t.startswith(tuple(f"{c}_" for c in OTHER_CONTEXTS))]
    finally:
        with psycopg.connect(**admin) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


PROBE = """
import sys
from django.urls import get_resolver
from rest_framework.views import APIView
from apps.core.events import consumers
from apps.core.broker import Topology
get_resolver().url_patterns
loaded = sorted(
    m for m in sys.modules if m.split(".")[:1] == ["apps"] and m.endswith((".models", ".api"))
)
print(json.dumps({
    "consumers": consumers(),
    "queues": [q.name for q in Topology("eldo").queues("reviews")],
    "authentication": [f"{c.__module__}.{c.__name__}" for c in APIView.authentication_classes],
    "loaded": loaded,
}))
"""


def test_the_service_loads_reviews_alone_and_consumes_its_own_queue(tmp_path):
    result = manage(tmp_path, "shell", "--no-imports", "-c", "import json\n" + PROBE)
    assert result.returncode == 0, result.stdout + result.stderr
    probe = json.loads(result.stdout.strip().splitlines()[-1])

    assert probe["consumers"] == ["reviews"]
    assert probe["queues"] == ["eldo.reviews", "eldo.reviews.retry", "eldo.reviews.dead"]
    assert probe["authentication"] == ["apps.core.principal.StatelessJWTAuthentication"]
    # The other contexts' models and facades are never imported (their contracts and
    # events, plain dataclasses, are).
    assert not [m for m in probe["loaded"] if m.split(".")[1] in OTHER_CONTEXTS]


def test_the_service_holds_no_private_key(tmp_path):
    result = manage(tmp_path, "check", JWT_PRIVATE_KEYS='{"k": "pem"}')

    assert result.returncode != 0
    assert "verifies tokens only" in result.stderr


# --- Its URLs -------------------------------------------------------------------------------


def test_the_monolith_routes_map_is_up_to_date():
    """Regenerate: ``DJANGO_SETTINGS_MODULE=eldo.settings python -m services.reviews.routes``."""
    assert routes.collect() == routes.load(), "services/reviews/monolith_routes.json is stale"


@pytest.fixture
def service_urls(settings):
    settings.ROOT_URLCONF = "services.reviews.urls"
    settings.MONOLITH_PUBLIC_URL = "https://www.eldo.example"


def test_monolith_pages_reverse_as_in_the_monolith_and_redirect_there(service_urls, client):
    assert reverse("home") == "/"
    assert reverse("pro-profile", kwargs={"slug": "toitures-durand"}) == "/pro/toitures-durand/"
    assert reverse("accounts:login") == "/connexion/"

    response = client.get("/pro/toitures-durand/?onglet=avis")

    assert response.status_code == 302
    assert response["Location"] == "https://www.eldo.example/pro/toitures-durand/?onglet=avis"


@pytest.mark.django_db
def test_the_service_serves_its_own_pages_and_probes(service_urls, client):
    assert reverse("reviews:how-it-works") == "/avis/comment-ca-marche/"
    assert client.get("/avis/comment-ca-marche/").status_code == 200
    assert client.get("/healthz").status_code == 200
    assert client.get("/api/schema/").status_code == 200


# --- Events in the monolith once reviews runs apart ----------------------------------------


def test_the_monolith_leaves_reviews_handlers_and_queue_to_the_service():
    assert "reviews" in events.consumers()

    with override_settings(EVENTS_CONSUMED_ELSEWHERE=["reviews"]):
        assert "reviews" not in events.consumers()
        assert not events.handlers_for("reviews.ReviewPublished", consumer="reviews")
        assert all(
            events.consumer_of(name) != "reviews"
            for name in events.handlers_for("reviews.ReviewPublished")
        )
        # Declared by the monolith: the queues of the contexts it consumes, not reviews'.
        declared = [q.name for c in events.consumers() for q in Topology("eldo").queues(c)]
        assert "eldo.reviews" not in declared
        with pytest.raises(CommandError, match="service séparé"):
            call_command("consume_events", "--consumer", "reviews", "--once")


def test_the_monolith_refuses_a_reviews_service_without_rabbitmq(tmp_path):
    env = production_env(tmp_path, REVIEWS_SERVICE_URL="http://reviews:8000")

    result = run([sys.executable, "manage.py", "check"], env=env)

    assert result.returncode != 0
    assert "EVENTS_TRANSPORT=rabbitmq" in result.stderr
