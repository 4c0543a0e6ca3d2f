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
    """Submissions per homeowner e-mail, whatever the address they come from."""

    scope = "quote_submit_email"


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
