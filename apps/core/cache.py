"""Django's Redis cache, made to degrade instead of failing requests when Redis is down.

The cache holds nothing that cannot be recomputed (rendered fragments, badge data,
throttle counters), so a Redis outage must cost speed, not availability: reads miss,
writes are dropped, throttles fail open, and a warning is logged. ``/readyz`` still
reports the cache as down for operators.
"""

from __future__ import annotations

import logging
import os
import time
from typing import Any

from django.conf import settings
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from django_prometheus.cache import metrics as cache_metrics
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

UNAVAILABLE = (RedisConnectionError, RedisTimeoutError, OSError)
_MISSING = object()


class OutageWarning:
    """A warning logged at most once every ``every`` seconds: an outage of Redis is seen on
    every request, and one line per request would flood the logs."""

    def __init__(self, log: logging.Logger, every: float = 30) -> None:
        self.log, self.every, self.last = log, every, float("-inf")

    def __call__(self, message: str, *args) -> None:
        now = time.monotonic()
        if now - self.last >= self.every:
            self.last = now
            self.log.warning(message, *args)


_outage = OutageWarning(logger)


def _warn(operation: str, exc: Exception) -> None:
    _outage("cache: Redis unavailable during %s (%s); serving without cache", operation, exc)


class ReusingRedisCacheClient(RedisCacheClient):
    """Django's client builds a new ``redis.Redis`` object for every cache operation, which
    costs about 0.3 ms of CPU with redis-py 8: a third of a cached page's cost. One client per
    connection pool is enough (a ``redis.Redis`` is thread-safe: each command borrows a
    connection from the pool)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients: dict[int, object] = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients.setdefault(id(pool), self._client(connection_pool=pool))
        return client


class ResilientRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusingRedisCacheClient
        self._near: dict[tuple[str, ...], tuple[int, object]] = {}

    def get_many_near(self, keys, prefixes: tuple[str, ...], version=None) -> dict:
        """``get_many``, answered from this process's copies of the keys that start with one
        of ``prefixes`` while Redis has not announced a change to them (apps.core.nearcache;
        ``settings.CACHE_LOCAL_COPIES_MB`` bounds them, 0 turns them off)."""
        near = self._near_copies(prefixes)
        if near is None:
            return self.get_many(keys, version)
        # make_key, not make_and_validate_key: memcached's checks of each character cost a
        # tenth of a hit, and these keys are the callers' own (prefixes and hex digests).
        key_map = {self.make_key(key, version=version): key for key in keys}
        try:
            raw = near.get_many(list(key_map))
        except UNAVAILABLE as exc:
            _warn("get_many", exc)
            return {}
        client: Any = self._cache  # Django's RedisCacheClient: its serializer is private
        loads = client._serializer.loads
        return {key_map[key]: loads(value) for key, value in raw.items()}

    def _near_copies(self, prefixes: tuple[str, ...]):
        max_bytes = int(settings.CACHE_LOCAL_COPIES_MB * 1024 * 1024)
        if max_bytes <= 0:
            return None
        pid = os.getpid()
        held = self._near.get(prefixes)
        if held is not None and held[0] == pid:
            return held[1]
        from apps.core.nearcache import NearCopies  # it reads this module's UNAVAILABLE

        # Per process (a forked worker opens its own connection); two threads creating
        # one at once is harmless: the last one is kept, the other serves one call.
        client: Any = self._cache  # its pool options and servers are private to Django
        backend: Any = self
        near = NearCopies(
            backend._servers[0],
            client._pool_options,
            [self.make_key(prefix) for prefix in prefixes],
            lambda keys: client.get_client(keys[0]).mget(keys),
            max_bytes=max_bytes,
        )
        self._near[prefixes] = (pid, near)
        return near

    def get(self, key, default=None, version=None):
        # Hits and misses feed the cache hit ratio on /metrics (django-prometheus' counters).
        cache_metrics.django_cache_get_total.labels(backend="redis").inc()
        try:
            value = super().get(key, _MISSING, version)
        except UNAVAILABLE as exc:
            cache_metrics.django_cache_get_fail_total.labels(backend="redis").inc()
            _warn("get", exc)
            return default
        if value is _MISSING:
            cache_metrics.django_cache_misses_total.labels(backend="redis").inc()
            return default
        cache_metrics.django_cache_hits_total.labels(backend="redis").inc()
        return value

    def get_many(self, keys, version=None):
        try:
            return super().get_many(keys, version)
        except UNAVAILABLE as exc:
            _warn("get_many", exc)
            return {}

    def has_key(self, key, version=None):
        try:
            return super().has_key(key, version)
        except UNAVAILABLE as exc:
            _warn("has_key", exc)
            return False

    def set(self, key, value, timeout=None, version=None):
        try:
            super().set(key, value, timeout, version)
        except UNAVAILABLE as exc:
            _warn("set", exc)

    def set_many(self, data, timeout=None, version=None):
        try:
            return super().set_many(data, timeout, version)
        except UNAVAILABLE as exc:
            _warn("set_many", exc)
            return list(data)

    def add(self, key, value, timeout=None, version=None):
        try:
            return super().add(key, value, timeout, version)
        except UNAVAILABLE as exc:
            _warn("add", exc)
            return False

    def touch(self, key, timeout=None, version=None):
        try:
            return super().touch(key, timeout, version)
        except UNAVAILABLE as exc:
            _warn("touch", exc)
            return False

    def delete(self, key, version=None):
        try:
            return super().delete(key, version)
        except UNAVAILABLE as exc:
            _warn("delete", exc)
            return False

    def delete_many(self, keys, version=None):
        try:
            super().delete_many(keys, version)
        except UNAVAILABLE as exc:
            _warn("delete_many", exc)
