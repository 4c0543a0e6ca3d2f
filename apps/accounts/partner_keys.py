"""Partner API keys of networks and manufacturers: issue (the key is shown once), revoke
(for good), list. The keys themselves are djangorestframework-api-key's: only a hash and
an 8-character prefix are stored."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from apps.accounts.authentication import PARTNER_KINDS
from apps.accounts.models import Organization, PartnerApiKey
from apps.core.errors import NotFound


def partner_api_key_create(
    *,
    organization_id: int,
    name: str,
    created_by_id: int | None = None,
    expires_at: datetime | None = None,
    kinds: tuple[str, ...] = PARTNER_KINDS,
) -> tuple[PartnerApiKey, str]:
    """A new key for a network or manufacturer (``kinds=COMPANY_KINDS``: a pro company's
    key for its own tools); returns it with the clear key, which is never stored and cannot
    be shown again."""
    organization = Organization.objects.filter(pk=organization_id).first()
    if organization is None or organization.kind not in kinds:
        raise ValidationError(
            {"organization": [_("Seuls les réseaux et les industriels ont des clés d'API.")]}
        )
    name = (name or "").strip()
    if not name or len(name) > 50:
        raise ValidationError({"name": [_("Nommez la clé (50 caractères au plus).")]})
    return PartnerApiKey.objects.create_key(
        organization=organization, name=name, created_by_id=created_by_id, expiry_date=expires_at
    )


def partner_api_key_revoke(*, organization_id: int, prefix: str) -> PartnerApiKey:
    """Revoke one of the organization's keys (irreversible); another's key is NotFound (a
    domain error, so that it crosses a facade over HTTP as it is)."""
    key = PartnerApiKey.objects.filter(organization_id=organization_id, prefix=prefix).first()
    if key is None:
        raise NotFound("Clé inconnue.")
    if not key.revoked:
        key.revoked = True
        key.save(update_fields=["revoked"])
    return key


def partner_api_keys(*, organization_id: int) -> list[PartnerApiKey]:
    return list(PartnerApiKey.objects.filter(organization_id=organization_id).order_by("-created"))
