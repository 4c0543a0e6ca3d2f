"""Waiting on a condition, never on time: poll with a deadline, fail saying what never came."""

from __future__ import annotations

import time
from collections.abc import Callable


def wait_for(predicate: Callable[[], object], timeout: float, interval: float = 0.1) -> bool:
    """Poll ``predicate`` until it is true or ``timeout`` seconds have passed; its last answer."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return bool(predicate())


def wait_for_lock_waiter(timeout: float = 10) -> None:
    """Return once another session of this PostgreSQL database waits for a lock (a row lock
    held by the caller's transaction, say): the race under test is then really happening."""
    import psycopg
    from django.db import connection

    db = connection.settings_dict

    def someone_waits() -> bool:
        # A session of its own: the caller's may sit in the transaction holding the lock.
        with psycopg.connect(
            host=db["HOST"] or "127.0.0.1",
            port=db["PORT"] or 5432,
            user=db["USER"],
            password=db["PASSWORD"] or None,
            dbname=db["NAME"],
        ) as probe:
            return (
                probe.execute(
                    "SELECT count(*) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND wait_event_type = 'Lock'"
                ).fetchone()[0]
                > 0
            )

    assert wait_for(someone_waits, timeout), "no session ever waited for the lock"
