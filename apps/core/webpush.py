"""Web Push (RFC 8030) with VAPID (RFC 8292) through pywebpush.

Disabled (``push_enabled()`` is False) until ``VAPID_PUBLIC_KEY`` and ``VAPID_PRIVATE_KEY``
are set: pages then offer no push and subscriptions are refused. Generate a key pair once
(docs/deploy.md, "Web Push")::

    .venv/bin/vapid --gen     # writes private_key.pem / public_key.pem
    .venv/bin/vapid --applicationServerKey   # the public key for browsers

Endpoints are URLs of a browser's push service that the server will POST to: only
``https`` URLs on the push services of the main browsers (``WEB_PUSH_ALLOWED_HOSTS``) are
accepted, so a subscription cannot make the server call an arbitrary host.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

logger = logging.getLogger(__name__)


class PushError(Exception):
    """The push service did not take the message; ``retryable`` when later may work."""

    def __init__(self, message: str, *, retryable: bool = True):
        super().__init__(message)
        self.retryable = retryable


class PushSubscriptionGone(PushError):
    """404/410 from the push service: the subscription is dead and must be removed."""

    def __init__(self, message: str):
        super().__init__(message, retryable=False)


class InvalidSubscription(ValueError):
    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class Subscription:
    endpoint: str
    p256dh: str
    auth: str


def push_enabled() -> bool:
    return bool(settings.VAPID_PUBLIC_KEY and settings.VAPID_PRIVATE_KEY)


def public_key() -> str:
    """The applicationServerKey browsers subscribe with ("" when push is disabled)."""
    return settings.VAPID_PUBLIC_KEY if push_enabled() else ""


def _b64url_decode(value: str) -> bytes:
    value = value.strip()
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))


def _host_allowed(host: str) -> bool:
    for allowed in settings.WEB_PUSH_ALLOWED_HOSTS:
        allowed = allowed.lower()
        if allowed.startswith("."):
            if host.endswith(allowed):
                return True
        elif host == allowed:
            return True
    return False


def subscription_validate(endpoint: str, p256dh: str, auth: str) -> Subscription:
    """A browser's PushSubscription (``toJSON()``) checked, or InvalidSubscription."""
    endpoint = str(endpoint or "").strip()
    if not endpoint or len(endpoint) > 1000:
        raise InvalidSubscription("endpoint", "Adresse d'abonnement manquante ou trop longue.")
    parts = urlsplit(endpoint)
    host = (parts.hostname or "").lower()
    if parts.scheme != "https" or not host or parts.username or parts.password:
        raise InvalidSubscription("endpoint", "L'adresse d'abonnement doit être en https.")
    if not _host_allowed(host):
        raise InvalidSubscription("endpoint", "Service de notifications push inconnu.")
    try:
        key = _b64url_decode(str(p256dh or ""))
    except (binascii.Error, ValueError):
        key = b""
    if len(key) != 65 or key[0] != 4:  # an uncompressed P-256 point
        raise InvalidSubscription("keys.p256dh", "Clé p256dh invalide.")
    try:
        secret = _b64url_decode(str(auth or ""))
    except (binascii.Error, ValueError):
        secret = b""
    if len(secret) != 16:
        raise InvalidSubscription("keys.auth", "Clé auth invalide.")
    return Subscription(endpoint=endpoint, p256dh=str(p256dh).strip(), auth=str(auth).strip())


def send_web_push(subscription: Subscription, payload: dict, *, ttl: int = 3600) -> None:
    """Encrypt ``payload`` (JSON) for the subscription and hand it to its push service."""
    if not push_enabled():
        raise PushError("Web Push disabled: VAPID keys not set", retryable=False)
    from pywebpush import WebPushException, webpush

    try:
        webpush(
            subscription_info={
                "endpoint": subscription.endpoint,
                "keys": {"p256dh": subscription.p256dh, "auth": subscription.auth},
            },
            data=json.dumps(payload, ensure_ascii=False),
            vapid_private_key=settings.VAPID_PRIVATE_KEY,
            vapid_claims={"sub": settings.VAPID_SUBJECT},
            ttl=ttl,
            timeout=settings.WEB_PUSH_TIMEOUT_SECONDS,
        )
    except WebPushException as exc:
        status = exc.response.status_code if exc.response is not None else None
        if status in (404, 410):
            raise PushSubscriptionGone(f"push service answered {status}") from exc
        retryable = status is None or status == 429 or status >= 500
        raise PushError(f"push service answered {status}: {exc}", retryable=retryable) from exc
    except Exception as exc:  # network errors from requests, bad key material
        raise PushError(f"push failed: {exc!r}") from exc
