"""Throttles of the public submission: per client address and per homeowner e-mail.

The API applies them as DRF throttles; the pages ask the same throttles (same cache keys,
same rates: settings' ``quote_submit`` and ``quote_submit_email`` scopes), so that a
client cannot double its quota by switching between the form and the API.
"""

from __future__ import annotations

import hashlib

from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle


class QuoteSubmitIpThrottle(SimpleRateThrottle):
    """Submissions per client address."""

    scope = "quote_submit"

    def get_ident(self, request):
        # With NUM_PROXIES unset DRF would trust the client-written X-Forwarded-For.
        if api_settings.NUM_PROXIES is None:
            return request.META.get("REMOTE_ADDR") or ""
        return super().get_ident(request)

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class QuoteSubmitEmailThrottle(SimpleRateThrottle):
    """Submissions per homeowner e-mail, whatever the address they come from."""

    scope = "quote_submit_email"

    def get_cache_key(self, request, view):
        data = request.data if hasattr(request.data, "get") else {}
        email = data.get("email")
        if not isinstance(email, str) or not email.strip():
            return None
        # Hashed: a fixed-length, printable key that stores no address.
        normalized = email.strip().lower().encode("utf-8", "surrogatepass")
        ident = hashlib.sha256(normalized).hexdigest()
        return self.cache_format % {"scope": self.scope, "ident": ident}


class _FormRequest:
    """What the throttles read from a page's POST (``META``, ``headers``, ``data``)."""

    def __init__(self, request):
        self.META = request.META
        self.headers = request.headers
        self.data = request.POST


def page_submission_wait(request) -> float | None:
    """None when a page submission may go ahead, else the seconds to wait (HTTP 429)."""
    shim = _FormRequest(request)
    waits = []
    for throttle in (QuoteSubmitIpThrottle(), QuoteSubmitEmailThrottle()):
        if not throttle.allow_request(shim, None):
            waits.append(throttle.wait() or 60)
    return max(waits) if waits else None
