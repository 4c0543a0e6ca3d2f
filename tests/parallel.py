"""Each pytest-xdist worker (``-n 2``, ``-n auto``) gets resources no other worker touches.

pytest-django already gives every worker its own test database (``test_<name>_gw0``...).
This module adds the rest, before Django reads its settings: pytest-django reads them before
any conftest is loaded, so the suite's settings module (``tests.settings``, named in
pyproject) calls :func:`isolate_this_worker` and then imports the product's settings:

- ``ELDO_VAR_DIR``: a ``gw<N>`` subdirectory of the configured one (SQLite file, media,
  mail and SMS files); subprocesses (Celery workers, gunicorn) inherit it.
- ``REDIS_URL``: worker N uses Redis database ``(db + N) % 16`` of the configured URL, so
  ``cache.clear()`` (a FLUSHDB), throttle counters and view counters of one worker never
  meet another's — the test databases of two workers hold different rows under the same ids.
- TCP ports: :func:`free_port` picks in a band of ports owned by the worker.

Without xdist (a plain ``pytest``) nothing changes.
"""

from __future__ import annotations

import itertools
import os
import random
import socket
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[2]
REDIS_DATABASES = 16  # Redis' default `databases`
PORT_BASE = 20000  # below Linux's ephemeral range (32768-60999): the kernel never hands these out
PORT_BAND = 500


def worker_id() -> str | None:
    """``gw0``, ``gw1``... in an xdist worker; None in a run without xdist."""
    return os.environ.get("PYTEST_XDIST_WORKER") or None


def worker_index() -> int:
    worker = worker_id()
    return int(worker.removeprefix("gw")) if worker else 0


def redis_url_for_worker(url: str, index: int) -> str:
    """The same server, database ``(db + index) % 16``."""
    parts = urlsplit(url)
    path = parts.path.strip("/")
    base = int(path) if path.isdigit() else 0
    return urlunsplit(parts._replace(path=f"/{(base + index) % REDIS_DATABASES}"))


ISOLATED = "ELDO_TEST_WORKER_ISOLATED"  # set once done: subprocesses inherit the result


def isolate_this_worker() -> None:
    """Point this xdist worker's environment at its own directory and Redis database (once:
    a subprocess started by a test inherits the rewritten environment and keeps it)."""
    worker = worker_id()
    if worker is None or os.environ.get(ISOLATED) == worker:
        return
    os.environ[ISOLATED] = worker
    var_dir = Path(os.environ.get("ELDO_VAR_DIR") or ROOT / "var") / worker
    var_dir.mkdir(parents=True, exist_ok=True)
    os.environ["ELDO_VAR_DIR"] = str(var_dir)
    if os.environ.get("REDIS_URL"):
        os.environ["REDIS_URL"] = redis_url_for_worker(os.environ["REDIS_URL"], worker_index())


isolate_this_worker()

# Each process starts at a random place of its band: two runs on one machine (two
# developers, or CI and a developer) seldom probe the same port at the same moment.
_offset = random.SystemRandom().randrange(PORT_BAND)
_candidates = itertools.count()


def free_port() -> int:
    """A TCP port of 127.0.0.1 that is free now and that no other xdist worker picks.

    In an xdist worker: taken in turn from the worker's band, so that a port just released by
    a stopped server (possibly in TIME_WAIT) is not handed out again at once. Without
    xdist: the kernel's choice.
    """
    if worker_id() is None:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            return sock.getsockname()[1]
    start = PORT_BASE + worker_index() * PORT_BAND
    for _ in range(PORT_BAND):
        port = start + (_offset + next(_candidates)) % PORT_BAND
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {start}-{start + PORT_BAND - 1}")
