"""Reactions of the directory context to events, after the publishing commit."""

from __future__ import annotations

from apps.accounts.events import OrganizationDeleted
from apps.core.events import on
from apps.directory import services
from apps.directory.events import ProProfileChanged


@on(ProProfileChanged)
def rebuild_public_pages_of_changed_pro(event: ProProfileChanged) -> None:
    # A profile change may remove a trade: the lists of every trade miss.
    services.pro_public_caches_invalidate(pro_id=event.pro_id, slug=event.slug, every_trade=True)


@on(OrganizationDeleted)
def forget_deleted_organization(event: OrganizationDeleted) -> None:
    services.organization_forget(organization_id=event.organization_id)
