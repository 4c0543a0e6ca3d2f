"""Organization API keys as DRF authentication: the shared mechanics.

A context says whose key it is (a ``credential_for`` function of its accounts facade); this
module reads the key from the request, turns a valid one into a principal acting for its
organization (``request.user``: authenticated, no user row; ``request.auth``: the
credential) and refuses an unknown, expired or revoked one with 401. A view opts in by
listing its subclass; elsewhere a key authenticates nothing.

Accepted headers: ``Authorization: Api-Key <key>`` or ``X-Api-Key: <key>``.
"""

from __future__ import annotations

from typing import Any, ClassVar

from rest_framework import authentication, exceptions

KEYWORD = "Api-Key"


class KeyPrincipal:
    """The caller of a key-authenticated request: an organization, not a person."""

    is_authenticated = True
    is_anonymous = False
    is_active = True
    is_staff = False
    is_superuser = False
    staff_role = ""

    def __init__(self, credential: Any, *, kind: str):
        self.credential = credential
        self.kind = kind
        # Throttles count per key (DRF reads `pk` of an authenticated user).
        self.pk = self.id = f"{kind}:{credential.key_prefix}"

    def __str__(self) -> str:
        return f"{self.kind} {self.credential.name} ({self.credential.key_prefix})"


def key_from(request: Any) -> str | None:
    """The key the request carries in either header, or None."""
    keyword, found, key = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
    if found and keyword.lower() == KEYWORD.lower():
        return key.strip()
    return request.META.get("HTTP_X_API_KEY", "").strip() or None


class ApiKeyAuthentication(authentication.BaseAuthentication):
    """Subclasses name the kind of principal and how a key becomes a credential."""

    principal_kind: ClassVar[str] = "api-key"

    def credential_for(self, key: str) -> Any:
        raise NotImplementedError

    def authenticate(self, request: Any) -> tuple[KeyPrincipal, Any] | None:
        key = key_from(request)
        if key is None:
            return None  # not ours: another class (JWT, session) may authenticate
        credential = self.credential_for(key)
        if credential is None:
            raise exceptions.AuthenticationFailed("Clé d'API inconnue, expirée ou révoquée.")
        return KeyPrincipal(credential, kind=self.principal_kind), credential

    def authenticate_header(self, request: Any) -> str:
        return KEYWORD


def security_definitions(*, description: str) -> list[dict[str, str]]:
    """The two OpenAPI security schemes (either header is accepted)."""
    return [
        {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": f"{description} : `Api-Key <clé>`.",
        },
        {
            "type": "apiKey",
            "in": "header",
            "name": "X-Api-Key",
            "description": f"{description}, dans l'en-tête dédié `X-Api-Key`.",
        },
    ]
