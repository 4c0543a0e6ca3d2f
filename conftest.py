"""Suite-wide fixtures: a clean cache per test, eager tasks unless a real worker is wanted,
the `services` marker (PostgreSQL + Redis + a real Celery worker) and the `rabbitmq` marker
(a RabbitMQ broker at EVENTS_BROKER_URL)."""

from __future__ import annotations

import os

import pytest
from django.conf import settings as django_settings

# The named users and API clients every test may ask for. (Each pytest-xdist worker's own
# Redis database and directory come earlier, from the settings module tests/settings.py.)
pytest_plugins = [
    "tests.plugins.users",
    "tests.plugins.migrations",
    "tests.plugins.facade_calls",
    "tests.plugins.tcp_proxy",
]

SERVICES_AVAILABLE = bool(os.environ.get("DATABASE_URL")) and bool(os.environ.get("REDIS_URL"))
SERVICES_REQUIRED = os.environ.get("ELDO_REQUIRE_SERVICES") == "1"


def _rabbitmq_answers() -> bool:
    import socket
    from urllib.parse import urlsplit

    url = urlsplit(django_settings.EVENTS_BROKER_URL)
    try:
        with socket.create_connection((url.hostname, url.port or 5672), timeout=1):
            return True
    except OSError:
        return False


def _skip_rabbitmq_tests_without_a_broker(items) -> None:
    if not any("rabbitmq" in item.keywords for item in items) or _rabbitmq_answers():
        return
    if SERVICES_REQUIRED:
        raise pytest.UsageError(
            f"ELDO_REQUIRE_SERVICES=1 but RabbitMQ does not answer at "
            f"{django_settings.EVENTS_BROKER_URL}"
        )
    reason = f"needs RabbitMQ at {django_settings.EVENTS_BROKER_URL} (CI's services pass)"
    for item in items:
        if "rabbitmq" in item.keywords:
            item.add_marker(pytest.mark.skip(reason=reason))


def pytest_collection_modifyitems(config, items):
    _skip_rabbitmq_tests_without_a_broker(items)
    if SERVICES_AVAILABLE:
        return
    if SERVICES_REQUIRED:
        raise pytest.UsageError("ELDO_REQUIRE_SERVICES=1 but DATABASE_URL or REDIS_URL is not set")
    reason = "needs PostgreSQL + Redis: set DATABASE_URL and REDIS_URL (CI's services pass)"
    for item in items:
        if "services" in item.keywords:
            item.add_marker(pytest.mark.skip(reason=reason))


def pytest_report_header(config):
    db = django_settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    cache = django_settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]
    services = "on" if SERVICES_AVAILABLE else "skipped"
    return f"eldo: database={db} cache={cache} services_tests={services}"


@pytest.fixture(autouse=True)
def _clean_cache():
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture(autouse=True)
def _tasks_in_process(request, settings):
    """Tests run Celery tasks in-process, except `services` tests that use a real worker."""
    if "services" in request.keywords:
        yield
        return
    from eldo.celery import app

    previous = app.conf.task_always_eager
    settings.CELERY_TASK_ALWAYS_EAGER = True
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # PBKDF2's deliberate slowness buys nothing in tests.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _counters_flushed_by_tests(settings):
    """No background flush timer in tests: a test flushes when it wants to."""
    settings.COUNTERS_MANUAL_FLUSH = True
    from apps.core import counters

    counters._drain_buffer()
    yield
    counters._drain_buffer()


@pytest.fixture(autouse=True)
def _media_in_a_temporary_directory(settings, tmp_path_factory):
    settings.MEDIA_ROOT = str(tmp_path_factory.getbasetemp() / "media")
    private = tmp_path_factory.getbasetemp() / "private"
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {**settings.STORAGES["private"], "OPTIONS": {"location": private}},
    }


@pytest.fixture(autouse=True)
def _review_invitations_at_any_hour(settings):
    """Review invitations leave at any hour, so that tests do not depend on the clock; the
    tests of the sending hours set them."""
    settings.REVIEWS_SEND_HOUR_START = settings.REVIEWS_SEND_HOUR_END = 0


@pytest.fixture(autouse=True)
def _sms_in_memory(settings):
    """Text messages go to ``apps.core.sms.outbox`` (like Django's locmem e-mail backend)."""
    from apps.core import sms

    settings.SMS_BACKEND = "apps.core.sms.LocmemBackend"
    sms.outbox.clear()
    yield
    sms.outbox.clear()


@pytest.fixture(autouse=True)
def _staff_test_logins_pass_two_factor(request):
    """Staff sessions opened by the test client (``client.force_login``/``client.login``)
    count as verified with a second factor, so that tests of staff pages need not type
    TOTP codes. Sign-ins through the real pages (/connexion/, /admin/login/) are not
    touched: the tests of two-factor authentication go through them, or opt out with
    ``@pytest.mark.no_auto_otp``."""
    if "no_auto_otp" in request.keywords:
        yield
        return
    from django.contrib.auth.signals import user_logged_in

    def mark_verified(sender, request, user, **kwargs):
        from apps.accounts.tests.two_factor import session_mark_verified

        if request is not None and request.path == "":  # the test client's fake request
            session_mark_verified(request.session, user)

    user_logged_in.connect(mark_verified, dispatch_uid="eldo-test-otp")
    yield
    user_logged_in.disconnect(dispatch_uid="eldo-test-otp")
