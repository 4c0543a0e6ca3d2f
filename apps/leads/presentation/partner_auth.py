"""Partner API keys as a DRF authentication class (networks and manufacturers).

The accounts context says whose key it is (``accounts.api.partner_credential_for_key``);
``apps.core.api_keys`` turns a valid key into a principal acting for its organization:
``request.user`` is a :class:`~apps.core.api_keys.KeyPrincipal` (authenticated, no user
row) and ``request.auth`` a :class:`~apps.accounts.contracts.PartnerCredential`. Behind the
gateway tomorrow, the same credential can come from Kong's key-auth instead.

Accepted headers: ``Authorization: Api-Key <key>`` or ``X-Api-Key: <key>``. A view opts in
by listing the class (the partner endpoints of leads do); elsewhere a key authenticates
nothing. A company's own key (reviews' tool endpoint) authenticates nothing here.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension

from apps.accounts import api as accounts
from apps.accounts.contracts import PartnerCredential
from apps.core.api_keys import ApiKeyAuthentication, security_definitions


class PartnerApiKeyAuthentication(ApiKeyAuthentication):
    principal_kind = "api-key"

    def credential_for(self, key: str) -> PartnerCredential | None:
        return accounts.partner_credential_for_key(key)


class PartnerApiKeyScheme(OpenApiAuthenticationExtension):
    """The security schemes in the OpenAPI document (both headers are accepted)."""

    target_class = "apps.leads.presentation.partner_auth.PartnerApiKeyAuthentication"
    name = ["PartnerApiKey", "PartnerApiKeyHeader"]

    def get_security_requirement(self, auto_schema: Any) -> list[dict[str, list[str]]]:
        return [{name: []} for name in self.name]  # either header (OR), not both (AND)

    def get_security_definition(self, auto_schema: Any) -> list[dict[str, str]]:
        return security_definitions(description="Clé d'API partenaire (réseau, industriel)")
