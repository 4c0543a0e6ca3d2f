"""Reactions of the directory context to events, after the publishing commit: its own,
accounts' (an organization deleted), and reviews' ratings (subscribed by name: reviews is
above the directory)."""

from __future__ import annotations

from datetime import datetime

from apps.accounts.events import OrganizationDeleted
from apps.core.events import on, on_named
from apps.directory import services
from apps.directory.events import ProProfileChanged


@on(ProProfileChanged)
def rebuild_public_pages_of_changed_pro(event: ProProfileChanged) -> None:
    # A profile change may remove a trade: the lists of every trade miss.
    services.pro_public_caches_invalidate(pro_id=event.pro_id, every_trade=True)


@on(OrganizationDeleted)
def forget_deleted_organization(event: OrganizationDeleted) -> None:
    services.organization_forget(organization_id=event.organization_id)


@on_named("reviews.ProRatingChanged")
def store_pro_rating(event) -> None:
    services.pro_rating_store(
        pro_id=event.pro_id,
        average=event.average,
        count=event.count,
        histogram=event.histogram,
        criteria=event.criteria,
        score=event.score,
        as_of=datetime.fromisoformat(event.computed_at),
    )
