"""Revoking API tokens before they expire.

simplejwt's blacklist (``OutstandingToken``/``BlacklistedToken``, in the database) covers
refresh tokens only; an access token is stateless and would stay valid for its whole
lifetime (``JWT_ACCESS_MINUTES``, 15). Two cache entries close that gap:

- ``jwt:revoked:<jti>``: one access token revoked (logout), kept for the token's remaining
  lifetime;
- ``jwt:generation:<user id>``: a counter stamped in every token issued (claim ``gen``);
  raising it ("sign out everywhere") makes every older access token of that user
  invalid. Kept for one access-token lifetime: by then the older tokens have expired.

``RevocableJWTAuthentication`` (DRF's default authentication) and the verify endpoint read
both in one cache round trip. The cache is Redis in production (shared by every worker;
the per-process locmem cache of development revokes in that process only).

Failure mode: **fail-open**. If the cache cannot be read, the access token is accepted
(and a warning logged): a cache outage must not sign every user out, an access token
lives 15 minutes at most, and refresh tokens are still checked in the database.

Refresh-token reuse detection (OWASP): a refresh token that was already rotated (or logged
out) presented again means two parties hold the family: every outstanding refresh token
of the user is blacklisted and the generation raised, so thief and owner both sign in
again.
"""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django.core.cache import cache
from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import InvalidToken
from rest_framework_simplejwt.settings import api_settings

from apps.accounts.services import tokens_revoked_publish

logger = logging.getLogger(__name__)

GENERATION_CLAIM = "gen"


def _revoked_key(jti: str) -> str:
    return f"jwt:revoked:{jti}"


def _generation_key(user_id) -> str:
    return f"jwt:generation:{user_id}"


def _access_lifetime() -> int:
    return int(settings.SIMPLE_JWT["ACCESS_TOKEN_LIFETIME"].total_seconds())


def user_generation(user_id) -> int:
    """The generation to stamp in a token issued now (0 when none was ever raised)."""
    try:
        return int(cache.get(_generation_key(user_id), 0))
    except Exception:  # fail-open, see the module docstring
        logger.warning("token generation unreadable for user %s", user_id, exc_info=True)
        return 0


def stamp(token, user) -> None:
    token[GENERATION_CLAIM] = user_generation(user.pk)


def access_revoke(token) -> None:
    """Revoke one access token until it expires (logout)."""
    jti = token.get(api_settings.JTI_CLAIM)
    remaining = int(token.get("exp", 0) - time.time())
    if jti and remaining > 0:
        cache.set(_revoked_key(jti), 1, remaining + 1)


def user_tokens_revoke(user_id) -> int:
    """Sign a user out everywhere: every outstanding refresh token blacklisted, every
    access token issued so far refused. Returns the number of refresh tokens blacklisted."""
    from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

    outstanding = OutstandingToken.objects.filter(user_id=user_id).exclude(
        blacklistedtoken__isnull=False
    )
    created = BlacklistedToken.objects.bulk_create(
        [BlacklistedToken(token=token) for token in outstanding], ignore_conflicts=True
    )
    key = _generation_key(user_id)
    current = int(cache.get(key, 0))
    cache.set(key, current + 1, _access_lifetime() + 60)
    logger.warning("all tokens of user %s revoked (refresh token reuse)", user_id)
    tokens_revoked_publish(user_id=int(user_id))
    return len(created)


def is_revoked(token) -> bool:
    jti = token.get(api_settings.JTI_CLAIM)
    user_id = token.get(api_settings.USER_ID_CLAIM)
    keys = [_revoked_key(jti), _generation_key(user_id)]
    try:
        found = cache.get_many(keys)
    except Exception:  # fail-open, see the module docstring
        logger.warning("token denylist unreadable: accepting the token", exc_info=True)
        return False
    if found.get(keys[0]):
        return True
    return int(token.get(GENERATION_CLAIM, 0)) < int(found.get(keys[1], 0))


class RevocableJWTAuthentication(JWTAuthentication):
    """simplejwt's authentication, refusing revoked access tokens (logout, reuse)."""

    def get_validated_token(self, raw_token):
        token = super().get_validated_token(raw_token)
        if is_revoked(token):
            raise InvalidToken(
                {"detail": "Ce jeton a été révoqué.", "code": "token_revoked", "messages": []}
            )
        return token


def access_from_header(request):
    """The valid access token in ``Authorization: Bearer``, or None."""
    authentication = JWTAuthentication()
    header = authentication.get_header(request)
    raw = authentication.get_raw_token(header) if header else None
    if raw is None:
        return None
    try:
        return authentication.get_validated_token(raw)
    except InvalidToken:
        return None


class RevocableJWTScheme(SimpleJWTScheme):
    """The same "Bearer" security scheme in the OpenAPI document as simplejwt's."""

    target_class = "apps.accounts.token_revocation.RevocableJWTAuthentication"
