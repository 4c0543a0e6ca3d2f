"""High-volume counters (profile views, search impressions, contact clicks).

A page view must never write to the database, nor wait on the network. ``counter_incr``
adds to an in-process buffer. With Redis, a daemon thread of each process pushes that
buffer about every second (and at exit) as one pipeline of HINCRBYs into a Redis hash per
(day, counter) — atomic across processes; a push that fails (Redis down) puts its amounts
back in the buffer for the next one, so nothing is lost while the process lives. A
SIGKILLed worker loses at most its last ~1 s of counts: views are not user submissions.
Without Redis (embedded mode), a background timer flushes the buffer instead.

``counters_flush`` (Celery beat, or the embedded timer) moves the totals out of Redis and
of its own process's buffer, and publishes one ``CountersFlushed`` event per (counter,
day) through the outbox, for the contexts that keep statistics (stats) to store as daily
rows.

Fork safety: gunicorn may fork workers after this module is imported. A child starts
with an empty buffer (the parent's counts are the parent's to push) and starts its own
push thread, lazily, the first time it counts.
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from datetime import time as dt_time

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from apps.core.cache import OutageWarning
from apps.core.events import DomainEvent, publish, register_event

logger = logging.getLogger(__name__)
_outage = OutageWarning(logger)

KEY_PREFIX = "eldo:counters"
FLUSH_INTERVAL_SECONDS = 60
PUSH_INTERVAL_SECONDS = 1.0


@register_event
@dataclass(frozen=True)
class CountersFlushed(DomainEvent):
    name = "core.CountersFlushed"
    counter: str  # e.g. "directory.ProProfileViewed"
    day: str  # ISO date, Europe/Paris
    counts: dict[str, int] = field(default_factory=dict)  # key (e.g. pro id) → amount


_Counts = dict[tuple[str, str], dict[str, int]]

_buffer: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
_lock = threading.Lock()  # guards _buffer; held for microseconds, never across I/O
_push_lock = threading.Lock()  # one push or flush at a time: no amount is in flight unseen
_timer: threading.Timer | None = None
_pusher: threading.Thread | None = None
_pusher_pid = 0
_redis_client = None


def _redis():
    global _redis_client
    if not settings.REDIS_URL:
        return None
    if _redis_client is None:
        import redis

        _redis_client = redis.Redis.from_url(
            settings.REDIS_URL, socket_connect_timeout=0.5, socket_timeout=0.5
        )
    return _redis_client


# (from, until, day): the local day (settings.TIME_ZONE) between two epoch seconds,
# worked out again when the clock leaves that span (midnight, or a clock set back).
_day: tuple[float, float, str] = (0.0, 0.0, "")


def _today() -> str:
    """Today's date in settings.TIME_ZONE, ISO. Converting the time of each count was a
    twentieth of a cached results page's CPU: the day is worked out once per day."""
    global _day
    now = time.time()
    start, until, day = _day
    if start <= now < until:
        return day
    zone = timezone.get_default_timezone()
    moment = datetime.fromtimestamp(now, tz=zone)
    midnight = datetime.combine(moment.date(), dt_time.min, tzinfo=zone)
    tomorrow = datetime.combine(moment.date() + timedelta(days=1), dt_time.min, tzinfo=zone)
    day = moment.date().isoformat()
    _day = (midnight.timestamp(), tomorrow.timestamp(), day)
    return day


def counter_incr(counter: str, key: str | int, amount: int = 1) -> None:
    """Count ``amount`` for ``key``. Never raises, never touches the database or network."""
    bucket = (counter, _today())
    with _lock:
        _buffer[bucket][str(key)] += amount
    _ensure_background_work()


def counter_incr_many(counter: str, keys: list[str | int]) -> None:
    """One increment per key (e.g. each pro shown on a results page)."""
    if not keys:
        return
    bucket = (counter, _today())
    with _lock:
        counts = _buffer[bucket]
        for key in keys:
            counts[str(key)] += 1
    _ensure_background_work()


def _ensure_background_work() -> None:
    if settings.REDIS_URL:
        _ensure_pusher()
    else:
        _ensure_background_flush()


def _ensure_pusher() -> None:
    """Start this process's push thread, once (a forked child starts its own)."""
    global _pusher, _pusher_pid
    pid = os.getpid()
    if _pusher_pid == pid and _pusher is not None and _pusher.is_alive():
        return
    if getattr(settings, "COUNTERS_MANUAL_FLUSH", False):
        return
    with _lock:
        if _pusher_pid == pid and _pusher is not None and _pusher.is_alive():
            return
        _pusher = threading.Thread(target=_push_loop, name="counters-push", daemon=True)
        _pusher_pid = pid
        _pusher.start()


def _push_loop() -> None:
    # Ends when pushes become manual (tests); the next count restarts it if they no longer are.
    while not getattr(settings, "COUNTERS_MANUAL_FLUSH", False):
        time.sleep(PUSH_INTERVAL_SECONDS)
        try:
            _push()
        except Exception:
            logger.exception("counters: push failed")


def _push() -> bool:
    """Move this process's buffer into Redis in one pipeline. False (amounts kept) if not."""
    with _push_lock:
        return _push_locked()


def _push_locked() -> bool:
    pending = _drain_buffer()
    if not pending:
        return True
    client = _redis()
    if client is None:
        _restore(pending)
        return False
    try:
        # MULTI/EXEC: a push is applied whole or not at all, so putting it back is safe
        # (only a reply lost after Redis applied it could count twice).
        pipe = client.pipeline(transaction=True)
        for (counter, day), counts in pending.items():
            for key, amount in counts.items():
                pipe.hincrby(f"{KEY_PREFIX}:{day}:{counter}", key, amount)
        pipe.execute()
    except Exception as exc:  # Redis down: keep the counts in this process, retry later
        _restore(pending)
        _outage("counters: Redis unavailable (%s); buffering in process", exc)
        return False
    return True


def _restore(counts: _Counts) -> None:
    with _lock:
        for bucket, amounts in counts.items():
            target = _buffer[bucket]
            for key, amount in amounts.items():
                target[key] += amount


@atexit.register
def _push_at_exit() -> None:
    if not _buffer or not settings.configured or not settings.REDIS_URL:
        return
    # A push thread stuck on a dead Redis must not hold the exit for long.
    if _push_lock.acquire(timeout=2):
        try:
            _push_locked()
        finally:
            _push_lock.release()


def _reset_after_fork() -> None:
    global _buffer, _lock, _push_lock, _timer, _pusher, _pusher_pid
    _buffer = defaultdict(lambda: defaultdict(int))
    _lock = threading.Lock()
    _push_lock = threading.Lock()
    _timer = _pusher = None
    _pusher_pid = 0


os.register_at_fork(after_in_child=_reset_after_fork)


def _ensure_background_flush() -> None:
    """Embedded mode has no beat: a daemon timer flushes the in-process buffer."""
    global _timer
    if not settings.CELERY_TASK_ALWAYS_EAGER or getattr(settings, "COUNTERS_MANUAL_FLUSH", False):
        return
    with _lock:
        if _timer is not None and _timer.is_alive():
            return
        _timer = threading.Timer(FLUSH_INTERVAL_SECONDS, _timer_flush)
        _timer.daemon = True
        _timer.start()


def _timer_flush() -> None:
    from django.db import close_old_connections

    try:
        counters_flush()
    except Exception:
        logger.exception("counters: background flush failed")
    finally:
        close_old_connections()


def _drain_buffer() -> _Counts:
    with _lock:
        drained = {k: dict(v) for k, v in _buffer.items() if v}
        _buffer.clear()
    return drained


def _drain_redis() -> _Counts:
    client = _redis()
    if client is None:
        return {}
    drained: _Counts = {}
    for raw_key in client.scan_iter(match=f"{KEY_PREFIX}:*", count=500):
        key = raw_key.decode()
        if key.endswith(":flushing"):
            continue
        # RENAME is atomic: increments arriving now go to a fresh hash, none are lost.
        flushing = f"{key}:flushing"
        try:
            client.rename(key, flushing)
        except Exception as exc:  # the key vanished: another flusher took it
            logger.debug("counters: %s already taken (%s)", key, exc)
            continue
        values = client.hgetall(flushing)
        _, _, day, counter = key.split(":", 3)
        drained[(counter, day)] = {k.decode(): int(v) for k, v in values.items()}
        client.delete(flushing)
    return drained


def counters_flush() -> int:
    """Publish the accumulated counts as CountersFlushed events. Returns the events written.

    Counts Redis and this process's buffer (pushed or not). No push runs meanwhile, and
    Redis is read first: if it is down, this raises and the buffer keeps its counts."""
    merged: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    with _push_lock:
        sources = (_drain_redis(), _drain_buffer())
    for source in sources:
        for bucket, counts in source.items():
            for key, amount in counts.items():
                merged[bucket][key] += amount
    with transaction.atomic():
        for (counter, day), counts in sorted(merged.items()):
            publish(CountersFlushed(counter=counter, day=day, counts=dict(counts)))
    return len(merged)
