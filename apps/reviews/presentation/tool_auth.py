"""A pro company's API key, for its own quoting or invoicing tool (DRF authentication).

Keys are the partners' mechanism (djangorestframework-api-key, hashed, shown once,
revocable), issued to a company from its back office (/espace-pro/invitations/cles-api/).
``accounts.api.company_credential_for_key`` accepts a company's key only: a network's key
authenticates nothing here, and a company's key nothing on the partners' endpoints.
Headers: ``Authorization: Api-Key <key>`` or ``X-Api-Key: <key>``.
"""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from apps.accounts import api as accounts
from apps.accounts.contracts import PartnerCredential

KEYWORD = "Api-Key"


class CompanyPrincipal:
    """The caller of a key-authenticated request: a company, not a person."""

    is_authenticated = True
    is_anonymous = False
    is_active = True
    is_staff = False
    is_superuser = False
    staff_role = ""

    def __init__(self, credential: PartnerCredential):
        self.credential = credential
        # Throttles count per key (DRF reads `pk` of an authenticated user).
        self.pk = self.id = f"company-key:{credential.key_prefix}"

    def __str__(self) -> str:
        return f"company key {self.credential.name} ({self.credential.key_prefix})"


def _key_from(request) -> str | None:
    keyword, found, key = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
    if found and keyword.lower() == KEYWORD.lower():
        return key.strip()
    return request.META.get("HTTP_X_API_KEY", "").strip() or None


class CompanyApiKeyAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request):
        key = _key_from(request)
        if key is None:
            return None
        credential = accounts.company_credential_for_key(key)
        if credential is None:
            raise exceptions.AuthenticationFailed("Clé d'API inconnue, expirée ou révoquée.")
        return CompanyPrincipal(credential), credential

    def authenticate_header(self, request) -> str:
        return KEYWORD


class CompanyApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "apps.reviews.presentation.tool_auth.CompanyApiKeyAuthentication"
    name = ["CompanyApiKey", "CompanyApiKeyHeader"]

    def get_security_requirement(self, auto_schema):
        return [{name: []} for name in self.name]  # either header

    def get_security_definition(self, auto_schema):
        return [
            {
                "type": "apiKey",
                "in": "header",
                "name": "Authorization",
                "description": "Clé d'API de l'entreprise (son logiciel) : `Api-Key <clé>`.",
            },
            {
                "type": "apiKey",
                "in": "header",
                "name": "X-Api-Key",
                "description": "La même clé d'API de l'entreprise, dans un en-tête dédié.",
            },
        ]
