"""Sign-ins, recorded so that other contexts can ask "was this address or this browser used
by a member of that organization?" (the review checks: a pro's member writing a review of
their own company). Only what that question needs is kept: the client address, a SHA-256
of a random per-browser cookie (``eldo_device``, set at sign-in, no other use), the time;
both deleted after ``SIGN_IN_RETENTION_DAYS`` (docs/privacy.md)."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from apps.accounts.models import Membership, SignIn

DEVICE_COOKIE = "eldo_device"
DEVICE_COOKIE_MAX_AGE = 2 * 365 * 24 * 3600


def client_address(request) -> str | None:
    """The client's address as the throttles see it (NUM_PROXIES honoured)."""
    from rest_framework.throttling import BaseThrottle

    return BaseThrottle().get_ident(request) or None


def device_hash(value: str | None) -> str:
    return hashlib.sha256(value.encode()).hexdigest() if value else ""


def request_device_hash(request) -> str:
    """The hash of this browser's device cookie ("" without one)."""
    value = request.COOKIES.get(DEVICE_COOKIE, "")
    return device_hash(value[:64]) if value else ""


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


def member_sign_in_matches(
    *, organization_id: int, ip: str | None, device_hash: str, days: int = 90
) -> bool:
    """Did a member of this organization sign in from this address or browser lately?"""
    if not ip and not device_hash:
        return False
    members = Membership.objects.filter(organization_id=organization_id).values("user_id")
    recent = SignIn.objects.filter(
        user_id__in=members, created_at__gte=timezone.now() - timedelta(days=days)
    )
    match = Q()
    if ip:
        match |= Q(ip=ip)
    if device_hash:
        match |= Q(device_hash=device_hash)
    return recent.filter(match).exists()


def sign_ins_purge(*, now=None) -> int:
    cutoff = (now or timezone.now()) - timedelta(days=settings.SIGN_IN_RETENTION_DAYS)
    deleted, _by_model = SignIn.objects.filter(created_at__lt=cutoff).delete()
    return deleted
