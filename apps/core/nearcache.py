"""Copies of chosen Redis keys kept in the process, dropped as soon as Redis says they changed.

A cached public page costs one Redis round trip per request (its entry and its
generations in one ``MGET``): on the two-core machine of ``make bench`` that round trip is
about a third of the CPU of a hit, and its wait hands the GIL to the worker's other threads.
Redis can tell a client which keys changed (server-assisted client-side caching,
``CLIENT TRACKING``): each process opens one extra connection in broadcast mode for the
key prefixes it keeps (``BCAST PREFIX``), and Redis pushes on it the name of every key
under them that is written, deleted, expired or evicted, or a flush.

Before answering from its copies, a lookup reads what Redis has pushed so far (a
non-blocking poll) and drops the copies named. Redis queues those pushes before the
writer's own reply, so once a write has returned, every process's next lookup misses it;
the generations of apps.core.pagecache keep their promise ("a change is visible on the
next request") with copies too. A copy is refreshed from Redis at least every
``MAX_AGE_SECONDS`` all the same, so that Redis's own timeouts still bound an entry's life.

When the tracking connection cannot be opened or breaks (Redis down, restarted), every
copy is dropped and lookups go to Redis as they would without this module until it is
back (tried again every ``RECONNECT_SECONDS``). Values are kept as Redis sent them
(pickled bytes) within ``max_bytes``, the least recently used going first.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import Any

import redis

from apps.core.cache import UNAVAILABLE, OutageWarning

logger = logging.getLogger(__name__)
_outage = OutageWarning(logger)

MAX_AGE_SECONDS = 60
RECONNECT_SECONDS = 5
ENTRY_OVERHEAD_BYTES = 200  # the key, the tuple and the map's slot, roughly


class NearCopies:
    """Process-local copies of the Redis keys that start with one of ``prefixes``.

    ``fetch(keys)`` reads keys from Redis (the raw values, None when absent); ``url`` and
    ``connection_options`` open the tracking connection. Thread-safe; create one per
    process (``ResilientRedisCache._near_copies`` in apps.core.cache does)."""

    def __init__(
        self,
        url: str,
        connection_options: dict,
        prefixes: Iterable[str],
        fetch: Callable[[list[str]], list],
        *,
        max_bytes: int,
    ) -> None:
        self._url = url
        self._options = connection_options
        self._prefixes = tuple(prefixes)
        self._fetch = fetch
        self._max_bytes = max_bytes
        self._lock = threading.Lock()
        self._copies: OrderedDict[str, tuple[float, bytes]] = OrderedDict()
        self._bytes = 0
        self._epoch = 0  # counts the pushes read: a fetch that saw one stores nothing
        self._connection: Any = None  # a redis-py Connection, tracking
        self._retry_at = 0.0

    # --- Reading --------------------------------------------------------------------------

    def get_many(self, keys: list[str]) -> dict[str, bytes]:
        """The raw values of ``keys`` that exist, from the copies when they still hold.

        Raises what redis-py raises when Redis cannot be read (as a plain ``MGET``)."""
        found: dict[str, bytes] = {}
        with self._lock:
            tracking = self._track()
            if tracking:
                now = time.monotonic()
                for key in keys:
                    copy = self._copies.get(key)
                    if copy is not None and copy[0] > now:
                        found[key] = copy[1]
                        self._copies.move_to_end(key)
            epoch = self._epoch
        missing = [key for key in keys if key not in found]
        if not missing:
            return found
        values = self._fetch(missing)
        fetched = {k: value for k, value in zip(missing, values, strict=True) if value is not None}
        if tracking:
            with self._lock:
                # A push read since the lookup may name one of these: the value fetched may
                # predate it, so it is not kept (the next lookup fetches again).
                if self._track() and self._epoch == epoch:
                    self._keep(fetched)
        found.update(fetched)
        return found

    def __len__(self) -> int:
        return len(self._copies)

    # --- Keeping ----------------------------------------------------------------------------

    def _keep(self, values: dict[str, bytes]) -> None:
        expires = time.monotonic() + MAX_AGE_SECONDS
        for key, value in values.items():
            if not key.startswith(self._prefixes):
                continue
            size = len(value) + ENTRY_OVERHEAD_BYTES
            if size > self._max_bytes:
                continue
            self._drop(key)
            self._copies[key] = (expires, value)
            self._bytes += size
        while self._bytes > self._max_bytes:
            self._drop(next(iter(self._copies)))

    def _drop(self, key: str) -> None:
        copy = self._copies.pop(key, None)
        if copy is not None:
            self._bytes -= len(copy[1]) + ENTRY_OVERHEAD_BYTES

    def _drop_all(self) -> None:
        self._copies.clear()
        self._bytes = 0
        self._epoch += 1

    def _invalidated(self, push: list) -> None:
        """Redis's push: ``[b"invalidate", [key, ...]]``, or ``[b"invalidate", None]`` for a
        flush."""
        self._epoch += 1
        keys = push[1] if len(push) > 1 else None
        if keys is None:
            self._drop_all()
            return
        for key in keys:
            self._drop(key.decode() if isinstance(key, bytes) else key)

    # --- The tracking connection ----------------------------------------------------------

    def _track(self) -> bool:
        """Read what Redis pushed; False (and nothing kept) while the connection is down."""
        connection = self._connection
        if connection is None:
            if time.monotonic() < self._retry_at:
                return False
            connection = self._connect()
            if connection is None:
                return False
        try:
            while connection.can_read(timeout=0):
                connection.read_response(push_request=True, timeout=0, disconnect_on_error=False)
        except redis.TimeoutError:
            return True  # a push only partly arrived: the rest is read next time
        except UNAVAILABLE as exc:
            self._lost(exc)
            return False
        return True

    def _connect(self) -> Any:
        prefixes = [part for prefix in self._prefixes for part in ("PREFIX", prefix)]
        try:
            pool = redis.ConnectionPool.from_url(self._url, protocol=3, **self._options)
            connection: Any = pool.make_connection()
            connection.connect()
            connection.send_command("CLIENT", "TRACKING", "ON", "BCAST", *prefixes)
            connection.read_response()
            connection._parser.set_invalidation_push_handler(self._invalidated)
        except (*UNAVAILABLE, redis.ResponseError) as exc:
            self._lost(exc)
            return None
        self._drop_all()  # whatever changed while nobody listened
        self._connection = connection
        return connection

    def _lost(self, exc: Exception) -> None:
        _outage("cache: no invalidations from Redis (%s); local copies dropped", exc)
        if self._connection is not None:
            self._connection.disconnect()
        self._connection = None
        self._retry_at = time.monotonic() + RECONNECT_SECONDS
        self._drop_all()

    def close(self) -> None:
        with self._lock:
            if self._connection is not None:
                self._connection.disconnect()
            self._connection = None
            self._drop_all()
