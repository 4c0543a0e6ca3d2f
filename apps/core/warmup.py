"""What a web process builds once, before its first request rather than during it.

A context registers a function here (from its ``AppConfig.ready``) that loads data every
web process ends up holding: the communes' gazetteer, for one. gunicorn calls ``warm()``
in each worker once the application is loaded (``post_worker_init``, deploy/gunicorn.conf.py),
so that the first visitor a new or recycled worker serves does not wait for it, and a
worker's memory is at its working size from the start. Not called elsewhere: the test
suite, management commands and Celery load such data when (and if) they use it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

logger = logging.getLogger(__name__)

_warmers: dict[str, Callable[[], object]] = {}


def register(name: str, build: Callable[[], object]) -> None:
    """``build()`` runs in each web worker before it serves (idempotent by name)."""
    _warmers[name] = build


def warm() -> dict[str, float]:
    """Run every registered builder; {name: seconds}. A builder that fails is logged and
    skipped: the worker still serves, and builds that data on first use as before."""
    spent: dict[str, float] = {}
    for name, build in list(_warmers.items()):
        started = time.perf_counter()
        try:
            build()
        except Exception:
            logger.exception("warm-up %s failed: built on first use instead", name)
            continue
        spent[name] = round(time.perf_counter() - started, 3)
    if spent:
        logger.info("web process warmed up", extra={"warmed": spent})
    return spent
