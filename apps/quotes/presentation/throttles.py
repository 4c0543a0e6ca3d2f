"""Throttles of the public submission: per client address and per homeowner e-mail.

The API applies them as DRF throttles; the pages ask the same throttles (same cache keys,
same rates: settings' ``quote_submit`` and ``quote_submit_email`` scopes), so that a
client cannot double its quota by switching between the form and the API.
"""

from __future__ import annotations

from apps.core.throttling import ClientAddressRateThrottle, EmailRateThrottle


class QuoteSubmitIpThrottle(ClientAddressRateThrottle):
    """Submissions per client address."""

    scope = "quote_submit"


class QuoteSubmitEmailThrottle(EmailRateThrottle):
    """Submissions per homeowner e-mail *from one client address*. Counting the e-mail
    alone let anyone who knows an address block its owner's own request for an hour (five
    submissions typing it); per e-mail and address, the owner's browser keeps its quota
    whatever others send (each address stays capped by ``QuoteSubmitIpThrottle``)."""

    scope = "quote_submit_email"

    def get_cache_key(self, request, view):
        key = super().get_cache_key(request, view)
        if key is None:
            return None
        return f"{key}_{QuoteSubmitIpThrottle().get_ident(request)}"


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
