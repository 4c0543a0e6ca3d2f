"""Who is calling, from the access token alone: no database, no call to accounts.

accounts writes the claims at sign-in and at each refresh (15-minute access tokens):
``user_id``, ``roles``, ``staff_role`` and ``memberships``
(``[{"organization_id", "role", "organization_kind"}]``). A context carved out as its own
service verifies the token with the published keys (``/.well-known/jwks.json``) and
authorizes from this principal; it refuses the tokens of a user issued before the
``before`` of the last ``accounts.TokensRevoked`` it received.

Revocation: the consuming context's handler of ``accounts.TokensRevoked`` calls
``tokens_revoked_record``, which keeps ``before`` per user in the cache for one access-token
lifetime (older tokens have expired by then). The cache must be shared by the service's
processes (Redis): the consumer writes, the web workers read. Like the monolith's denylist,
an unreadable cache is fail-open (the token is accepted, a warning logged).

Inside the monolith the default authentication stays accounts' ``RevocableJWTAuthentication``
(user row, revocation cache); ``StatelessJWTAuthentication`` is what a carved service uses.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.core.cache import cache
from django.utils.translation import gettext as _
from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.tokens import AccessToken

from apps.core.actor import Actor, actor_from_claims
from apps.core.token_keys import KeyedTokenBackend, token_backend

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PrincipalMembership:
    organization_id: int
    role: str  # owner | manager | sales_rep
    organization_kind: str  # company | network | manufacturer | eldo


@dataclass(frozen=True)
class Principal:
    """The caller as the token describes it; DRF's ``request.user`` of a carved service."""

    user_id: int
    staff_role: str  # "" | advisor | moderator
    roles: tuple[str, ...]
    memberships: tuple[PrincipalMembership, ...] = field(default_factory=tuple)
    issued_at: int = 0  # the token's iat: compared with TokensRevoked.before

    is_authenticated = True
    is_anonymous = False

    @property
    def pk(self) -> int:
        return self.user_id

    @property
    def is_staff(self) -> bool:
        return "staff" in self.roles

    @property
    def actor(self) -> Actor:
        """The caller as every context authorizes it, from the claims alone (no query)."""
        return actor_from_claims(
            user_id=self.user_id,
            staff_role=self.staff_role,
            roles=self.roles,
            memberships=[
                {
                    "organization_id": m.organization_id,
                    "role": m.role,
                    "organization_kind": m.organization_kind,
                }
                for m in self.memberships
            ],
        )


class PrincipalError(ValueError):
    """The token is genuine but its claims do not describe a principal."""


def stateless_jwt_principal(token_payload: dict[str, Any]) -> Principal:
    """The principal of a verified access token's payload (PrincipalError if malformed)."""
    try:
        memberships = tuple(
            PrincipalMembership(
                organization_id=int(m["organization_id"]),
                role=str(m["role"]),
                organization_kind=str(m["organization_kind"]),
            )
            for m in token_payload.get("memberships", [])
        )
        principal = Principal(
            user_id=int(token_payload["user_id"]),
            staff_role=str(token_payload.get("staff_role", "")),
            roles=tuple(str(role) for role in token_payload.get("roles", [])),
            memberships=memberships,
            issued_at=int(token_payload.get("iat", 0)),
        )
        principal.actor  # noqa: B018 -- an unknown role or kind is a malformed token
        return principal
    except (KeyError, TypeError, ValueError) as exc:
        raise PrincipalError(str(exc)) from exc


def _revoked_before_key(user_id: int) -> str:
    return f"principal:revoked-before:{user_id}"


def tokens_revoked_record(*, user_id: int, before: str) -> None:
    """``accounts.TokensRevoked``: refuse ``user_id``'s tokens issued before ``before``
    (ISO 8601). Idempotent; a later ``before`` replaces an earlier one, never the reverse."""
    moment = int(datetime.fromisoformat(before).timestamp())
    key = _revoked_before_key(user_id)
    if int(cache.get(key, 0)) >= moment:
        return
    lifetime = int(api_settings.ACCESS_TOKEN_LIFETIME.total_seconds())
    cache.set(key, moment, lifetime + 60)


def is_revoked(principal: Principal) -> bool:
    """Issued (``iat``, whole seconds) before the user's last recorded revocation."""
    try:
        before = int(cache.get(_revoked_before_key(principal.user_id), 0))
    except Exception:  # fail-open, like accounts' denylist
        logger.warning("token revocations unreadable: accepting the token", exc_info=True)
        return False
    return principal.issued_at < before


def revoked_since(*, user_id: int, moment: float) -> bool:
    """The user's tokens were revoked at or after ``moment`` (epoch seconds): what was
    learnt about them before is stale (a monolith session read before a sign-out)."""
    try:
        before = int(cache.get(_revoked_before_key(user_id), 0))
    except Exception:  # fail-open, like is_revoked
        logger.warning("token revocations unreadable", exc_info=True)
        return False
    return bool(before) and int(moment) <= before


class KeyedAccessToken(AccessToken):
    """An access token checked against the key set (kid, ES256), type ``access``."""

    @property
    def token_backend(self) -> KeyedTokenBackend:
        return token_backend()


class StatelessJWTAuthentication(JWTAuthentication):
    """``Authorization: Bearer <access token>`` → ``(Principal, token)``, zero queries.

    Signature, kid, algorithm, expiry, audience, issuer and token type are checked; the
    user row is not read (the claims are the issuer's word, 15 minutes at most)."""

    def get_validated_token(self, raw_token: bytes) -> KeyedAccessToken:
        try:
            # simplejwt's stubs say str; its own authentication passes the header's bytes.
            return KeyedAccessToken(raw_token)  # type: ignore[arg-type]
        except TokenError as exc:
            raise InvalidToken(
                {"detail": _("Jeton invalide ou expiré."), "code": "token_not_valid"}
            ) from exc

    def get_user(self, validated_token: Any) -> Principal:  # type: ignore[override]
        try:
            principal = stateless_jwt_principal(validated_token.payload)
        except PrincipalError as exc:
            raise InvalidToken(
                {"detail": _("Ce jeton ne décrit aucun compte."), "code": "token_not_valid"}
            ) from exc
        if is_revoked(principal):
            raise InvalidToken({"detail": _("Ce jeton a été révoqué."), "code": "token_revoked"})
        return principal


class StatelessJWTScheme(SimpleJWTScheme):
    """The same "Bearer" security scheme in the OpenAPI document as simplejwt's."""

    target_class = "apps.core.principal.StatelessJWTAuthentication"
