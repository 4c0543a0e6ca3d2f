"""Partner API keys as a DRF authentication class (networks and manufacturers).

The accounts context says whose key it is (``accounts.api.partner_credential_for_key``);
this class turns a valid key into a principal acting for its organization:
``request.user`` is a :class:`PartnerPrincipal` (authenticated, no user row) and
``request.auth`` a :class:`~apps.accounts.contracts.PartnerCredential`. Behind the gateway
tomorrow, the same credential can come from Kong's key-auth instead.

Accepted headers: ``Authorization: Api-Key <key>`` or ``X-Api-Key: <key>``. A view opts in
by listing the class (the partner endpoints of leads do); elsewhere a key authenticates
nothing.
"""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from apps.accounts import api as accounts
from apps.accounts.contracts import PartnerCredential

KEYWORD = "Api-Key"


class PartnerPrincipal:
    """The caller of a key-authenticated request: an organization, not a person."""

    is_authenticated = True
    is_anonymous = False
    is_active = True
    is_staff = False
    is_superuser = False
    staff_role = ""

    def __init__(self, credential: PartnerCredential):
        self.credential = credential
        # Throttles count per key (DRF reads `pk` of an authenticated user).
        self.pk = self.id = f"api-key:{credential.key_prefix}"

    def __str__(self) -> str:
        return f"partner {self.credential.name} ({self.credential.key_prefix})"


def _key_from(request) -> str | None:
    header = request.META.get("HTTP_AUTHORIZATION", "")
    keyword, found, key = header.partition(" ")
    if found and keyword.lower() == KEYWORD.lower():
        return key.strip()
    return request.META.get("HTTP_X_API_KEY", "").strip() or None


class PartnerApiKeyAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request):
        key = _key_from(request)
        if key is None:
            return None  # not ours: another class (JWT, session) may authenticate
        credential = accounts.partner_credential_for_key(key)
        if credential is None:
            raise exceptions.AuthenticationFailed("Clé d'API inconnue, expirée ou révoquée.")
        return PartnerPrincipal(credential), credential

    def authenticate_header(self, request) -> str:
        return KEYWORD


class PartnerApiKeyScheme(OpenApiAuthenticationExtension):
    """The security schemes in the OpenAPI document (both headers are accepted)."""

    target_class = "apps.leads.presentation.partner_auth.PartnerApiKeyAuthentication"
    name = ["PartnerApiKey", "PartnerApiKeyHeader"]

    def get_security_requirement(self, auto_schema):
        return [{name: []} for name in self.name]  # either header (OR), not both (AND)

    def get_security_definition(self, auto_schema):
        return [
            {
                "type": "apiKey",
                "in": "header",
                "name": "Authorization",
                "description": "Clé d'API partenaire (réseau, industriel) : `Api-Key <clé>`.",
            },
            {
                "type": "apiKey",
                "in": "header",
                "name": "X-Api-Key",
                "description": "La même clé d'API partenaire, dans un en-tête dédié.",
            },
        ]
