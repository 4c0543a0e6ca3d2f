"""DRF's rate throttles, made atomic.

DRF's ``SimpleRateThrottle`` reads the request history from the cache, decides, then
writes the history back: two requests arriving together both read the same history and
both pass, so a burst of concurrent requests can exceed the documented limit (seen in the
fault and load tests: 21 reports accepted under a 20/hour limit).

Here the same sliding window is decided in one step. On Redis a Lua script trims the
window, counts and records the request atomically (a sorted set per key, expiring with the
window); on any other cache (the embedded local-memory cache, one process) the
read-decide-write runs under a process lock. The rates, scopes, cache keys and
``Retry-After`` stay DRF's. With Redis unreachable the throttle fails open, as the rest of
the cache does (apps.core.cache): availability over rate limiting, with a logged warning.

Every throttle of the project derives from these classes; import them from here, never
from ``rest_framework.throttling``.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import math
import threading
import uuid

from django.core.cache.backends.redis import RedisCache
from rest_framework import throttling
from rest_framework.settings import api_settings

from apps.core.cache import UNAVAILABLE, OutageWarning

logger = logging.getLogger(__name__)
_outage = OutageWarning(logger)

BaseThrottle = throttling.BaseThrottle

_local_lock = threading.Lock()

# KEYS[1]: the window; ARGV: now, window length (s), limit, a unique member.
# Returns {1, 0} when recorded, {0, oldest timestamp in the window} when refused.
_SLIDING_WINDOW = """
local key = KEYS[1]
local now = tonumber(ARGV[1])
local duration = tonumber(ARGV[2])
local limit = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - duration)
if redis.call('ZCARD', key) >= limit then
  local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
  return {0, oldest[2]}
end
redis.call('ZADD', key, now, ARGV[4])
redis.call('EXPIRE', key, math.ceil(duration))
return {1, 0}
"""


def _redis_client(cache):
    """The redis-py client behind a Django Redis cache, or None for another backend."""
    connections = cache.__dict__.get("_connections")  # django.core.cache.cache, a proxy
    backend = connections[cache.__dict__["_alias"]] if connections is not None else cache
    if not isinstance(backend, RedisCache):
        return None
    return backend._cache.get_client(write=True)


class AtomicRateThrottleMixin:
    """``allow_request`` and ``wait`` of SimpleRateThrottle, decided atomically."""

    _oldest: float | None = None

    def allow_request(self, request, view):
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        self.now = self.timer()
        try:
            client = _redis_client(self.cache)
        except UNAVAILABLE:
            client = None
        if client is None:
            with _local_lock:
                return self._allow_locally()
        try:
            allowed, oldest = client.eval(
                _SLIDING_WINDOW,
                1,
                # Its own key: a sorted set, never mistaken for DRF's pickled history.
                self.cache.make_and_validate_key(f"{self.key}:window"),
                repr(self.now),
                self.duration,
                self.num_requests,
                f"{self.now!r}:{uuid.uuid4().hex}",
            )
        except UNAVAILABLE as exc:
            _outage("throttle %s: Redis unavailable (%s); request allowed", self.key, exc)
            return True
        if int(allowed):
            return True
        self._oldest = float(oldest)
        return False

    def _allow_locally(self) -> bool:
        history = [t for t in self.cache.get(self.key, []) if t > self.now - self.duration]
        if len(history) >= self.num_requests:
            self._oldest = min(history)
            return False
        history.insert(0, self.now)
        self.cache.set(self.key, history, self.duration)
        return True

    def wait(self):
        """Seconds until the oldest request of the window leaves it (at least one)."""
        if self._oldest is None:
            return None
        return max(1, math.ceil(self.duration - (self.now - self._oldest)))


class SimpleRateThrottle(AtomicRateThrottleMixin, throttling.SimpleRateThrottle):
    pass


class AnonRateThrottle(AtomicRateThrottleMixin, throttling.AnonRateThrottle):
    pass


class UserRateThrottle(AtomicRateThrottleMixin, throttling.UserRateThrottle):
    pass


class ScopedRateThrottle(AtomicRateThrottleMixin, throttling.ScopedRateThrottle):
    """Rates per view scope (``throttle_scope``), like DRF's."""

    def allow_request(self, request, view):
        # DRF's ScopedRateThrottle resolves the view's scope and rate first.
        self.scope = getattr(view, self.scope_attr, None)
        if not self.scope:
            return True
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)


class ClientAddressRateThrottle(SimpleRateThrottle):
    """Requests per client address, for a ``scope``. With NUM_PROXIES unset DRF would trust
    the whole X-Forwarded-For header, which the client writes: one fake address per request
    would dodge the limit, so only the socket's address counts then."""

    def get_ident(self, request):
        if api_settings.NUM_PROXIES is None:
            return request.META.get("REMOTE_ADDR") or ""
        return super().get_ident(request)

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class EmailRateThrottle(SimpleRateThrottle):
    """Requests per e-mail address found in the request's data (``email``), whatever the
    client address they come from; none when the data names no e-mail."""

    def get_cache_key(self, request, view):
        data = request.data if hasattr(request.data, "get") else {}
        email = data.get("email")
        if not isinstance(email, str) or not email.strip():
            return None
        # Hashed: a fixed-length, printable key (any cache backend) that stores no address.
        normalized = email.strip().lower().encode("utf-8", "surrogatepass")
        ident = hashlib.sha256(normalized).hexdigest()
        return self.cache_format % {"scope": self.scope, "ident": ident}


# KEYS[1]: the window; ARGV: now, window length (s). Returns {count, oldest timestamp}.
_FAILURES_PEEK = """
local key = KEYS[1]
redis.call('ZREMRANGEBYSCORE', key, '-inf', tonumber(ARGV[1]) - tonumber(ARGV[2]))
local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
return {redis.call('ZCARD', key), oldest[2] or '0'}
"""
# KEYS[1]: the window; ARGV: now, window length (s), a unique member.
_FAILURES_RECORD = """
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[3])
redis.call('EXPIRE', KEYS[1], math.ceil(tonumber(ARGV[2])))
return 1
"""


class FailureWindow:
    """Failures only (a wrong password, a wrong code), counted over a sliding window for
    one ``scope`` (its rate in DEFAULT_THROTTLE_RATES) and one identity (an address, a
    hashed account). Unlike the throttles above, a success costs nothing: ask
    :meth:`wait` before trying, call :meth:`record` after a failure. Redis unreachable:
    never blocked (fails open, logged), like the throttles."""

    timer = throttling.SimpleRateThrottle.timer

    def __init__(self, scope: str, ident: str):
        from django.core.cache import cache

        self.cache = cache
        rate = api_settings.DEFAULT_THROTTLE_RATES.get(scope)
        self.limit, self.duration = throttling.SimpleRateThrottle.parse_rate(None, rate)
        self.key = f"failures_{scope}_{ident}"

    def _client(self):
        try:
            return _redis_client(self.cache)
        except UNAVAILABLE:
            return None

    def count_and_oldest(self) -> tuple[int, float]:
        now = self.timer()
        client = self._client()
        if client is None:
            with _local_lock:
                history = [t for t in self.cache.get(self.key, []) if t > now - self.duration]
            return len(history), (min(history) if history else 0.0)
        try:
            count, oldest = client.eval(
                _FAILURES_PEEK,
                1,
                self.cache.make_and_validate_key(f"{self.key}:window"),
                repr(now),
                self.duration,
            )
        except UNAVAILABLE as exc:
            _outage("failure window %s: Redis unavailable (%s); allowed", self.key, exc)
            return 0, 0.0
        return int(count), float(oldest)

    def wait(self) -> int | None:
        """None while under the limit; else the seconds until the oldest failure leaves."""
        if self.limit is None:
            return None
        count, oldest = self.count_and_oldest()
        if count < self.limit:
            return None
        return max(1, math.ceil(self.duration - (self.timer() - oldest)))

    def record(self) -> None:
        now = self.timer()
        client = self._client()
        if client is None:
            with _local_lock:
                history = [t for t in self.cache.get(self.key, []) if t > now - self.duration]
                history.append(now)
                self.cache.set(self.key, history, self.duration)
            return
        try:
            client.eval(
                _FAILURES_RECORD,
                1,
                self.cache.make_and_validate_key(f"{self.key}:window"),
                repr(now),
                self.duration,
                f"{now!r}:{uuid.uuid4().hex}",
            )
        except UNAVAILABLE as exc:
            _outage("failure window %s: Redis unavailable (%s); not recorded", self.key, exc)

    def clear(self) -> None:
        client = self._client()
        if client is None:
            self.cache.delete(self.key)
            return
        with contextlib.suppress(UNAVAILABLE):
            client.delete(self.cache.make_and_validate_key(f"{self.key}:window"))
