"""The outbox against real services: a PostgreSQL test database, a Redis broker that goes
down and comes back, and a real Celery worker process (CI's services pass)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from django.db import connection
from rest_framework.test import APIClient

from apps.core.models import OutboxEvent

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PrivateRedis:
    """A redis-server of our own, so that the test can stop the broker and bring it back."""

    def __init__(self, port: int):
        self.port = port
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)


def _database_url() -> str:
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def _use_broker(url: str) -> None:
    from eldo.celery import app

    app.conf.broker_url = url
    app._pool = None
    app.amqp._producer_pool = None


def _wait_for(predicate, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return predicate()


@pytest.fixture
def broker_and_worker(settings, worker_env):
    port = _free_port()
    redis = PrivateRedis(port)
    redis.start()
    broker = f"redis://127.0.0.1:{port}/0"
    mail_dir = Path(tempfile.mkdtemp(prefix="eldo-mail-"))
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "REDIS_URL": broker,
        "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(mail_dir),
        **worker_env,
    }
    log = open(mail_dir.parent / f"worker-{port}.log", "w")  # noqa: SIM115
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "eldo",
            "worker",
            "--pool",
            "solo",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--loglevel",
            "INFO",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    settings.CELERY_TASK_ALWAYS_EAGER = False
    _use_broker(broker)
    try:
        yield redis, mail_dir
    finally:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=15)
        except subprocess.TimeoutExpired:
            worker.kill()
        redis.stop()
        log.close()
        _use_broker(os.environ["REDIS_URL"])


def test_password_change_succeeds_with_the_broker_down_and_its_event_is_delivered_once_it_returns(
    broker_and_worker, django_user_model
):
    redis, mail_dir = broker_and_worker
    user = django_user_model.objects.create_user(
        email="hamlet@eldo.test", password="ancien-mot-2026"
    )
    client = APIClient()
    token = client.post(
        "/api/v1/auth/token/", {"email": user.email, "password": "ancien-mot-2026"}, format="json"
    ).json()["access"]
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")

    redis.stop()  # the broker is unreachable while the user changes their password
    response = client.post(
        "/api/v1/auth/password/",
        {"current_password": "ancien-mot-2026", "new_password": "nouveau-mot-2026!"},
        format="json",
    )
    assert response.status_code == 200, response.content
    event = OutboxEvent.objects.get(name="accounts.PasswordChanged")
    assert event.delivered_at is None
    assert list(mail_dir.iterdir()) == []

    redis.start()  # the broker is back: beat's periodic sweep reaches the real worker
    from apps.core.tasks import outbox_sweep

    def sweep_delivered() -> bool:
        try:
            outbox_sweep.delay()
        except Exception:
            return False  # worker or broker still reconnecting
        return _wait_for(lambda: any(mail_dir.iterdir()), timeout=3)

    assert _wait_for(sweep_delivered, timeout=60), "the worker never delivered the event"
    event.refresh_from_db()
    assert event.delivered_at is not None

    # Relaying again (sweep and a direct delivery task) sends nothing more.
    from apps.core.tasks import outbox_deliver

    outbox_sweep.delay()
    outbox_deliver.delay(str(event.id))
    time.sleep(2)
    mails = list(mail_dir.iterdir())
    assert len(mails) == 1
    body = mails[0].read_text()
    assert "hamlet@eldo.test" in body
    assert "Votre mot de passe Eldo a" in body or "=?utf-8?" in body


def test_a_committed_event_reaches_the_real_worker_after_commit(
    broker_and_worker, django_user_model
):
    _redis, mail_dir = broker_and_worker
    from apps.accounts import services

    user = django_user_model.objects.create_user(
        email="ophelia@eldo.test", password="ancien-mot-2026"
    )
    services.user_change_password(
        user=user, current_password="ancien-mot-2026", new_password="nouveau-mot-2026!"
    )
    assert _wait_for(lambda: any(mail_dir.iterdir()), timeout=30)
    assert _wait_for(
        lambda: OutboxEvent.objects.filter(delivered_at__isnull=False).count() == 1, timeout=10
    )
