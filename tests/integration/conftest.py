"""Fixtures shared by the tests that run a real Celery worker."""

import pytest


@pytest.fixture
def worker_env() -> dict:
    """Extra environment of the worker process (``broker_and_worker``); a test module that
    needs settings of its own in the worker defines a fixture of the same name."""
    return {}
