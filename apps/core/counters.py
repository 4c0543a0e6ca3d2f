"""High-volume counters (profile views, search impressions, contact clicks).

A page view must never write to the database synchronously. ``counter_incr`` adds to a
Redis hash per (day, counter) with HINCRBY — atomic across processes — or, without Redis
(embedded mode) or while Redis is unreachable, to an in-process buffer. ``counters_flush``
(Celery beat, or a background timer in embedded mode) moves the totals out and publishes
one ``CountersFlushed`` event per (counter, day) through the outbox, for the contexts that
keep statistics (stats) to store as daily rows.
"""

from __future__ import annotations

import logging
import threading
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from apps.core.events import DomainEvent, publish, register_event

logger = logging.getLogger(__name__)

KEY_PREFIX = "eldo:counters"
FLUSH_INTERVAL_SECONDS = 60


@register_event
@dataclass(frozen=True)
class CountersFlushed(DomainEvent):
    name = "core.CountersFlushed"
    counter: str  # e.g. "directory.ProProfileViewed"
    day: str  # ISO date, Europe/Paris
    counts: dict[str, int] = field(default_factory=dict)  # key (e.g. pro id) → amount


_buffer: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
_lock = threading.Lock()
_timer: threading.Timer | None = None
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


def _today() -> str:
    return timezone.localdate().isoformat()


def counter_incr(counter: str, key: str | int, amount: int = 1) -> None:
    """Count ``amount`` for ``key``. Never raises, never touches the database."""
    day = _today()
    client = _redis()
    if client is not None:
        try:
            client.hincrby(f"{KEY_PREFIX}:{day}:{counter}", str(key), amount)
            return
        except Exception as exc:  # Redis down: keep the count in this process
            logger.warning("counters: Redis unavailable (%s); buffering in process", exc)
    with _lock:
        _buffer[(counter, day)][str(key)] += amount
    _ensure_background_flush()


def counter_incr_many(counter: str, keys: list[str | int]) -> None:
    """One increment per key (e.g. each pro shown on a results page), in one round trip."""
    if not keys:
        return
    day = _today()
    client = _redis()
    if client is not None:
        try:
            pipe = client.pipeline(transaction=False)
            for key in keys:
                pipe.hincrby(f"{KEY_PREFIX}:{day}:{counter}", str(key), 1)
            pipe.execute()
            return
        except Exception as exc:
            logger.warning("counters: Redis unavailable (%s); buffering in process", exc)
    with _lock:
        for key in keys:
            _buffer[(counter, day)][str(key)] += 1
    _ensure_background_flush()


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


def _drain_buffer() -> dict[tuple[str, str], dict[str, int]]:
    with _lock:
        drained = {k: dict(v) for k, v in _buffer.items() if v}
        _buffer.clear()
    return drained


def _drain_redis() -> dict[tuple[str, str], dict[str, int]]:
    client = _redis()
    if client is None:
        return {}
    drained: dict[tuple[str, str], dict[str, int]] = {}
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
    """Publish the accumulated counts as CountersFlushed events. Returns the events written."""
    merged: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for source in (_drain_buffer(), _drain_redis()):
        for bucket, counts in source.items():
            for key, amount in counts.items():
                merged[bucket][key] += amount
    with transaction.atomic():
        for (counter, day), counts in sorted(merged.items()):
            publish(CountersFlushed(counter=counter, day=day, counts=dict(counts)))
    return len(merged)
