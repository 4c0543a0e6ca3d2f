"""A pro company's API key, for its own quoting or invoicing tool (DRF authentication).

Keys are the partners' mechanism (djangorestframework-api-key, hashed, shown once,
revocable), issued to a company from its back office (/espace-pro/invitations/cles-api/).
``accounts.api.company_credential_for_key`` accepts a company's key only: a network's key
authenticates nothing here, and a company's key nothing on the partners' endpoints.
The header handling and the principal are ``apps.core.api_keys``'.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension

from apps.accounts.contracts import AccountsFacade, PartnerCredential
from apps.core.api_keys import ApiKeyAuthentication, security_definitions
from apps.core.facade_ports import facade

accounts: AccountsFacade = facade("accounts")


class CompanyApiKeyAuthentication(ApiKeyAuthentication):
    principal_kind = "company-key"

    def credential_for(self, key: str) -> PartnerCredential | None:
        return accounts.company_credential_for_key(key)


class CompanyApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "apps.reviews.presentation.tool_auth.CompanyApiKeyAuthentication"
    name = ["CompanyApiKey", "CompanyApiKeyHeader"]

    def get_security_requirement(self, auto_schema: Any) -> list[dict[str, list[str]]]:
        return [{name: []} for name in self.name]  # either header

    def get_security_definition(self, auto_schema: Any) -> list[dict[str, str]]:
        return security_definitions(description="Clé d'API de l'entreprise (son logiciel)")
