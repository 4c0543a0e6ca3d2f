"""Cached public responses, invalidated by generations that domain-event handlers bump.

A page or API list that anonymous visitors read (home, search, landing pages, a pro's
profile, the public API lists) is stored whole, rendered, in the cache. Each entry records
the *generations* it was built from: named tokens such as ``directory:listing`` or
``reviews:pro:42``. A context's event handler bumps a generation (a new random token) when
its data changes, and every entry built on the old token stops matching at once: no key is
ever searched for or deleted, and a change is visible on the next request after the
handler ran.

    @public_response_cache(on_hit=count_the_view)
    def pro_profile(request, slug):
        cache_depends(request, directory.pro_cache_generation(slug))  # before reading
        ...
        cache_meta(request, slug=slug)  # handed to on_hit when the entry is served

A generation is read *before* the data it guards: if a change commits after that read,
the entry carries the old token and misses on the next request. When Redis is down,
generations cannot be read: the response is served uncached (``ResilientRedisCache``
turns every operation into a miss) and nothing is stored. Nor is a page served without a
part whose context did not answer: it calls ``cache_skip(request)``.

Only anonymous GETs without a session are served from or stored in the cache (the pages
show who is logged in), and only 200 responses that set no cookie and used no CSRF token.

A hit costs one cache round trip at most: each process remembers, in a small bounded map,
the generation names an entry depends on (learned when it stores or reads the entry), and
reads the entry and those generations in one ``get_many``. The entry is served only if
every generation it recorded equals its current token (a missing generation is a
mismatch); names the process did not know yet are read in a second call, as on a first
visit. On Redis, that read is answered from the process's own copies of entries and
generations while Redis has not announced a change to them (apps.core.nearcache): the
steady hit of a popular page costs no round trip at all.

Signed-in pages cannot be stored whole (they show who is signed in, carry CSRF tokens):
``cached_fragment`` keeps a rendered piece of one (a pro's statistics) on the same
generations, and ``cached_value`` any value a page reads (a landing page's figures), so
that a miss of the whole page does not read them again.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import threading
from collections.abc import Callable
from functools import wraps
from timeit import default_timer
from typing import TypeVar

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from django.urls import Resolver404, resolve
from django.utils.cache import patch_vary_headers

from apps.core.middleware import measure, slim_stack

GENERATION_PREFIX = "gen:"
ENTRY_PREFIX = "response:"


def _token() -> str:
    return secrets.token_hex(6)


def generations_read(names: list[str]) -> dict[str, str] | None:
    """The current token of each generation (created when absent); None if unavailable."""
    if not names:
        return {}
    keys = [GENERATION_PREFIX + name for name in names]
    found = cache.get_many(keys)
    for key in keys:
        if key not in found:
            cache.add(key, _token(), None)
            value = cache.get(key)
            if value is None:  # the cache is down: nothing can be validated later
                return None
            found[key] = value
    return {name: found[GENERATION_PREFIX + name] for name in names}


def generations_bump(names: list[str]) -> None:
    """Give each generation a new token: every entry built on the old one misses."""
    if names:
        cache.set_many({GENERATION_PREFIX + name: _token() for name in names}, None)


# A kept value is stored in a one-item tuple: an empty piece ("", nothing to show) or a
# zero is a hit like any other, whatever the backend makes of falsy values (the local-memory
# backend of django-prometheus answers them as misses).
VALUE_PREFIX = "value:"


T = TypeVar("T")


def cached_value(names: list[str], key: str, build: Callable[[], T], *, timeout: int = 3600) -> T:
    """A value (a rendered piece, figures read from the database) kept while the
    generations ``names`` hold.

    ``key`` is everything else the value depends on (the viewer's scope, the period, the
    names it shows...). ``build`` computes it on a miss; the generations are read before it
    runs (a change committed meanwhile bumps them, and the next request misses). Two cache
    round trips on a hit. When the cache is down the value is built and nothing is stored.
    ``timeout`` bounds the memory, and how long what the generations do not cover (a
    relative date, a certification's expiry) may stay as it was."""
    tokens = generations_read(names)
    if tokens is None:
        return build()
    parts = [key, *(f"{name}={tokens[name]}" for name in sorted(tokens))]
    entry_key = VALUE_PREFIX + hashlib.sha256("\n".join(parts).encode()).hexdigest()[:32]
    kept = cache.get(entry_key)
    if isinstance(kept, tuple) and len(kept) == 1:
        return kept[0]
    value = build()
    cache.set(entry_key, (value,), timeout)
    return value


def cached_fragment(
    names: list[str], key: str, build: Callable[[], str], *, timeout: int = 3600
) -> str:
    """A rendered piece of a page (signed-in pages cannot be stored whole): ``cached_value``."""
    return cached_value(names, key, build, timeout=timeout)


class _Dependencies:
    def __init__(self) -> None:
        self.tokens: dict[str, str] = {}
        self.usable = True
        self.meta: dict = {}

    def add(self, names: list[str]) -> None:
        names = [n for n in names if n not in self.tokens]
        if not names or not self.usable:
            return
        tokens = generations_read(names)
        if tokens is None:
            self.usable = False
        else:
            self.tokens.update(tokens)


def cache_depends(request, *names: str) -> None:
    """Declare that the response being built reads the data guarded by these generations.
    Call it before reading that data. A no-op outside ``public_response_cache``."""
    deps = getattr(request, "_response_cache_deps", None)
    if deps is not None:
        deps.add(list(names))


def cache_skip(request) -> None:
    """Store nothing for the response being built: it is degraded (a context reached over
    HTTP did not answer and its part is missing), so it must not outlive the outage. The
    cached entries, if any, are still served. A no-op outside ``public_response_cache``."""
    deps = getattr(request, "_response_cache_deps", None)
    if deps is not None:
        deps.usable = False


def cache_meta(request, **meta) -> None:
    """Plain data stored with the entry and handed to ``on_hit`` (e.g. slugs to count)."""
    deps = getattr(request, "_response_cache_deps", None)
    if deps is not None:
        deps.meta.update(meta)


MAX_QUERY_LENGTH = 300


def _accept_bucket(request) -> str | None:
    """The format asked for, reduced to what the views render (HTML pages, DRF's browsable
    HTML or JSON): odd Accept headers bypass the cache instead of multiplying entries."""
    accept = request.META.get("HTTP_ACCEPT", "")
    if "text/html" in accept:
        return "html"
    if not accept or "json" in accept or "*/*" in accept:
        return "json"
    return None


def _cacheable_request(request, params: frozenset[str] | None) -> bool:
    # Only the parameters a view reads make distinct entries: anything else (tracking
    # tags, random noise) is served uncached rather than filling the cache.
    return (
        request.method == "GET"
        and settings.PUBLIC_RESPONSE_CACHE_SECONDS > 0
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and "messages" not in request.COOKIES
        and "HTTP_AUTHORIZATION" not in request.META
        and len(request.META.get("QUERY_STRING", "")) <= MAX_QUERY_LENGTH
        and (params is None or _query_of(request)[0] <= params)
        and _accept_bucket(request) is not None
    )


# Query strings already parsed → (their parameter names, their canonical form), per
# process: parsing one was a tenth of a cached results page's CPU.
QUERIES_MAX = 2048
_queries: dict[str, tuple[frozenset[str], str]] = {}


def _query_of(request) -> tuple[frozenset[str], str]:
    """The names of the request's query parameters, and the query in a canonical form (its
    parameters sorted, each with its values in order): the same for ``?b=2&a=1`` and
    ``?a=1&b=2``. Only for a query string of at most MAX_QUERY_LENGTH characters."""
    raw = request.META.get("QUERY_STRING", "")
    known = _queries.get(raw)
    if known is None:
        known = (frozenset(request.GET), repr(sorted(request.GET.lists())))
        _remember(_queries, raw, known, QUERIES_MAX)
    return known


def _entry_key(request) -> str:
    # Everything the rendered bytes depend on besides the data: absolute links (scheme,
    # host), the query, the negotiated format (DRF) and the language.
    parts = [
        request.scheme,
        request.get_host(),
        request.path,
        _query_of(request)[1],
        _accept_bucket(request) or "",
        getattr(request, "LANGUAGE_CODE", ""),
    ]
    digest = hashlib.sha256("\n".join(parts).encode()).hexdigest()[:32]
    return f"{ENTRY_PREFIX}{digest}"


# Entry key → the generation names of that entry, per process. A stale or evicted name
# list costs a round trip, never a wrong answer: validation uses the entry's own record.
KNOWN_ENTRIES_MAX = 10_000
_known_names: dict[str, tuple[str, ...]] = {}
_known_lock = threading.Lock()


def _known_lock_renew() -> None:  # a forked child must not inherit a held lock
    global _known_lock
    _known_lock = threading.Lock()


os.register_at_fork(after_in_child=_known_lock_renew)


def _remember(mapping: dict, key, value, limit: int) -> None:
    """``mapping[key] = value`` in a per-process map of at most ``limit`` items, the oldest
    learned going first. Under the lock: another thread adding a key while the oldest is
    looked up would make ``next(iter(...))`` raise."""
    with _known_lock:
        while len(mapping) >= limit:
            del mapping[next(iter(mapping))]
        mapping[key] = value


def _names_remember(key: str, names: tuple[str, ...]) -> None:
    if _known_names.get(key) != names:
        _remember(_known_names, key, names, KNOWN_ENTRIES_MAX)


def _read(keys: list[str]) -> dict:
    """``cache.get_many``, from the process's copies of entries and generations on Redis
    (apps.core.nearcache): a hit then costs no round trip while nothing changed."""
    get_many_near = getattr(cache, "get_many_near", None)
    if get_many_near is None:  # the local-memory cache: already in the process
        return cache.get_many(keys)
    return get_many_near(keys, (GENERATION_PREFIX, ENTRY_PREFIX))


def _entry_lookup(key: str):
    """The entry stored under ``key`` if its generations still hold, else None."""
    names = _known_names.get(key)
    current = _read([key, *(GENERATION_PREFIX + name for name in names or ())])
    entry = current.pop(key, None)
    if entry is None:
        return None
    deps = entry.get("deps") or {}
    _names_remember(key, tuple(deps))
    unread = [GENERATION_PREFIX + name for name in deps if names is None or name not in names]
    if unread:
        current.update(_read(unread))
    if all(current.get(GENERATION_PREFIX + name) == token for name, token in deps.items()):
        return entry
    return None


# What a view may set on a public answer that its cached copy carries too: a widget's
# data read cross-origin from the pros' own websites, with its own browser lifetime.
KEPT_HEADERS = ("Access-Control-Allow-Origin", "Cache-Control")


def _storable(request, response, deps: _Dependencies) -> bool:
    user = getattr(request, "user", None)
    return (
        deps.usable
        and response.status_code == 200
        and not response.streaming
        and not response.cookies
        and not request.META.get("CSRF_COOKIE_USED")
        and not (user is not None and user.is_authenticated)
        # A view that set its own Cache-Control decided on caching itself, unless it said
        # the answer is the same for everyone ("public, max-age=…").
        and response.get("Cache-Control", "public").startswith("public")
    )


def public_response_cache(
    view=None,
    *,
    timeout: int | None = None,
    on_hit: Callable[[object, dict], None] | None = None,
    params: tuple[str, ...] | None = None,
):
    """Serve anonymous GETs of ``view`` from the cache while its generations hold.

    ``timeout`` bounds an entry's life (default ``PUBLIC_RESPONSE_CACHE_SECONDS``): a
    safety net, not the invalidation, which is the generations'. ``on_hit(request, meta)``
    runs the side effects a cached response must still have (view and impression counters).
    ``params``: the query parameters the view reads; a request with others is not cached.
    """
    allowed = frozenset(params) if params is not None else None

    def served_hit(request):
        """The cached answer to ``request``, or None (not cacheable, or a miss)."""
        if not _cacheable_request(request, allowed):
            return None
        return hit_for(request, _entry_key(request))

    def hit_for(request, key: str):
        entry = _entry_lookup(key)
        if entry is None:
            return None
        response = HttpResponse(entry["body"], content_type=entry["content_type"])
        if entry.get("vary"):
            response["Vary"] = entry["vary"]
        for name, value in (entry.get("headers") or {}).items():
            response[name] = value
        response["X-Response-Cache"] = "hit"
        if on_hit is not None:
            on_hit(request, entry.get("meta") or {})
        return response

    def decorator(func):
        @wraps(func)
        def wrapped(request, *args, **kwargs):
            if not _cacheable_request(request, allowed):
                return func(request, *args, **kwargs)
            key = _entry_key(request)
            if not getattr(request, "_response_cache_missed", False):  # PublicCacheMiddleware
                hit = hit_for(request, key)
                if hit is not None:
                    return hit
            deps = _Dependencies()
            request._response_cache_deps = deps
            response = func(request, *args, **kwargs)
            if hasattr(response, "render") and not getattr(response, "is_rendered", True):
                response.render()
            patch_vary_headers(response, ("Cookie",))
            if _storable(request, response, deps):
                cache.set(
                    key,
                    {
                        "body": response.content,
                        "content_type": response["Content-Type"],
                        "vary": response.get("Vary", ""),
                        "headers": {h: response[h] for h in KEPT_HEADERS if h in response},
                        "deps": deps.tokens,
                        "meta": deps.meta,
                    },
                    timeout or settings.PUBLIC_RESPONSE_CACHE_SECONDS,
                )
                _names_remember(key, tuple(deps.tokens))
                response["X-Response-Cache"] = "miss"
            return response

        wrapped.public_response_cache = served_hit  # what PublicCacheMiddleware calls
        return wrapped

    return decorator(view) if view is not None else decorator


class _Miss(HttpResponse):
    """What the hit path answers when there is no entry: the whole stack answers instead."""


class PublicCacheMiddleware:
    """Serves the public response cache's hits before the middleware that serve people.

    A hit is an anonymous GET without cookies whose answer is stored whole: a session, a
    language, a user, CSRF, messages or a second factor play no part in it, yet through
    the whole stack they cost more than Django's own handling of a request. A GET without
    a session or message cookie and without credentials, whose URL resolves to a view of
    ``public_response_cache``, is looked up here. A hit goes through the middleware listed
    after this one that are not in ``settings.PUBLIC_CACHE_HIT_SKIPPED_MIDDLEWARE`` (Host
    and security headers, CSP, Permissions-Policy, language, Content-Length,
    X-Frame-Options: the headers of any answer), is counted in the HTTP metrics as
    django-prometheus counts a view, and is answered. Anything else, and a miss, takes the
    whole stack; the view then builds and stores the answer without a second lookup.
    """

    # Paths already resolved, with their match (None: not a cached view): the URL patterns
    # are tried in turn, a tenth of a hit's CPU for a search. A match is only used to find
    # the entry; a miss is resolved again by Django, so a stale one costs nothing wrong.
    RESOLVED_MAX = 2048

    def __init__(self, get_response):
        self.get_response = get_response
        static = settings.STATIC_URL or ""
        self.static_prefix = static if static.startswith("/") else "/static/"
        self.answer_hit, _hooks = slim_stack(
            self, settings.PUBLIC_CACHE_HIT_SKIPPED_MIDDLEWARE, self._hit
        )
        self._resolved: dict[tuple[str, str], object] = {}

    def __call__(self, request):
        served_hit = self._served_hit(request)
        if served_hit is None:
            return self.get_response(request)
        request._public_cache_served_hit = served_hit
        response = self.answer_hit(request)
        if isinstance(response, _Miss):
            request._response_cache_missed = True
            return self.get_response(request)
        return response

    def _served_hit(self, request):
        meta = request.META
        cookies = request.COOKIES
        if (
            request.method != "GET"
            or request.path_info.startswith(self.static_prefix)  # WhiteNoise's
            or settings.SESSION_COOKIE_NAME in cookies
            or "messages" in cookies
            or "HTTP_AUTHORIZATION" in meta
        ):
            return None
        urlconf = getattr(request, "urlconf", None) or settings.ROOT_URLCONF
        match = self._resolve(request.path_info, urlconf)
        if match is None:
            return None
        request.resolver_match = match
        return match.func.public_response_cache

    def _resolve(self, path: str, urlconf: str):
        """The match of ``path`` if its view is a cached one, else None; remembered."""
        key = (path, urlconf)
        try:
            return self._resolved[key]
        except KeyError:
            pass
        try:
            match = resolve(path, urlconf)
        except Resolver404:
            match = None
        if match is not None and not hasattr(match.func, "public_response_cache"):
            match = None
        _remember(self._resolved, key, match, self.RESOLVED_MAX)
        return match

    @staticmethod
    def _hit(request):
        started = default_timer()
        response = request._public_cache_served_hit(request)
        if response is None:
            return _Miss()
        measure(request, response, started)
        return response
