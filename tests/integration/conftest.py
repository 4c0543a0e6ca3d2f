"""Fixtures of the tests that run a real Celery worker (CI's services pass).

Each pytest-xdist worker has its own test database (pytest-django), ports from its own band
and its own ELDO_VAR_DIR (tests.parallel): two workers' fixtures never share
anything, so these tests run in parallel like the others.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

from tests.integration.support import (
    PrivateRedis,
    database_url,
    start_celery_worker,
    stop_process,
    use_broker,
)
from tests.parallel import free_port


@pytest.fixture
def worker_env() -> dict:
    """Extra environment of the worker process (``broker_and_worker``); a test module that
    needs settings of its own in the worker defines a fixture of the same name."""
    return {}


@pytest.fixture
def broker_and_worker(settings, worker_env, tmp_path):
    """A private redis-server (port of this xdist worker's band) as broker and cache, and a
    real Celery worker (solo pool) on the test database, writing e-mails to files."""
    redis = PrivateRedis(free_port())
    redis.start()
    mail_dir = Path(tempfile.mkdtemp(prefix="eldo-mail-", dir=tmp_path))
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "REDIS_URL": redis.url,
        "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(mail_dir),
        **worker_env,
    }
    worker = start_celery_worker(env, tmp_path / "worker.log")
    settings.CELERY_TASK_ALWAYS_EAGER = False
    use_broker(redis.url)
    try:
        yield redis, mail_dir
    finally:
        stop_process(worker)
        redis.stop()
        use_broker(os.environ["REDIS_URL"])
