"""Partner API keys: which organization a key speaks for.

djangorestframework-api-key stores and checks the keys (hashing, prefix lookup,
revocation, expiry). This module answers one plain question, "whose key is this?", with a
:class:`~apps.accounts.contracts.PartnerCredential`; the HTTP side (headers, DRF
authentication class) belongs to the views that accept keys (leads' partner endpoints).
"""

from __future__ import annotations

from django.utils import timezone

from apps.accounts.contracts import PartnerCredential
from apps.accounts.models import PartnerApiKey
from apps.core.actor import OrganizationKind

PARTNER_KINDS = (OrganizationKind.NETWORK, OrganizationKind.MANUFACTURER)
# A pro company's key, for its own quoting or invoicing tool (review invitations only): a
# separate lookup, so that a company's key never opens the partners' endpoints.
COMPANY_KINDS = (OrganizationKind.COMPANY,)


def partner_credential_for_key(key: str) -> PartnerCredential | None:
    """The credential of a valid key of a network or manufacturer (its last use recorded),
    None for an unknown, expired or revoked key."""
    return _credential_for_key(key, kinds=PARTNER_KINDS)


def company_credential_for_key(key: str) -> PartnerCredential | None:
    """The credential of a valid key of a pro company, None for any other key."""
    return _credential_for_key(key, kinds=COMPANY_KINDS)


def _credential_for_key(key: str, *, kinds: tuple[str, ...]) -> PartnerCredential | None:
    try:
        api_key = PartnerApiKey.objects.get_from_key(key)
    except PartnerApiKey.DoesNotExist:
        return None
    if api_key.has_expired or api_key.organization.kind not in kinds:
        return None
    PartnerApiKey.objects.filter(pk=api_key.pk).update(last_used_at=timezone.now())
    return PartnerCredential(
        organization_id=api_key.organization_id,
        organization_kind=api_key.organization.kind,
        key_prefix=api_key.prefix,
        name=api_key.name,
    )
