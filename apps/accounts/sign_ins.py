"""Sign-ins, recorded so that other contexts can ask "was this address or this browser used
by a member of that organization?" (the review checks: a pro's member writing a review of
their own company). Only what that question needs is kept: the client address, a SHA-256
of a random per-browser cookie (``eldo_device``, set at sign-in, no other use), the time;
both deleted after ``SIGN_IN_RETENTION_DAYS`` (docs/privacy.md)."""

from __future__ import annotations

import secrets

from django.conf import settings

from apps.accounts.contracts import DEVICE_COOKIE
from apps.accounts.models import SignIn
from apps.accounts.selectors import device_hash

DEVICE_COOKIE_MAX_AGE = 2 * 365 * 24 * 3600


def client_address(request) -> str | None:
    """The client's address as the throttles see it (NUM_PROXIES honoured)."""
    from rest_framework.throttling import BaseThrottle

    return BaseThrottle().get_ident(request) or None


def sign_in_record(*, request, response, user_id: int) -> None:
    """Record a successful sign-in; give the browser a device cookie if it has none."""
    value = request.COOKIES.get(DEVICE_COOKIE, "")[:64]
    if not value and response is not None:
        value = secrets.token_urlsafe(24)
        response.set_cookie(
            DEVICE_COOKIE,
            value,
            max_age=DEVICE_COOKIE_MAX_AGE,
            secure=settings.SESSION_COOKIE_SECURE,
            httponly=True,
            samesite="Lax",
        )
    SignIn.objects.create(
        user_id=user_id, ip=client_address(request), device_hash=device_hash(value)
    )
