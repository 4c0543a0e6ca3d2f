"""The stats context listens; it never reads other contexts' tables.

Run after commit through the outbox (apps.core.outbox): at most once per (event, handler),
and each service is an upsert anyway, so a redelivery changes nothing.
"""

from __future__ import annotations

from apps.core.counters import CountersFlushed
from apps.core.events import on
from apps.directory.events import ProCreated
from apps.leads.events import (
    LeadAssigned,
    LeadContactCheckSent,
    LeadContactConfirmed,
    LeadDispatched,
    LeadStatusChanged,
    LeadValueChanged,
)
from apps.quotes.events import (
    QuoteCallLogged,
    QuoteDispatchRequested,
    QuoteQualified,
    QuoteRejected,
    QuoteSubmitted,
)
from apps.reviews.events import (
    ReviewPublished,
    ReviewRequestSent,
    ReviewSubmitted,
    ReviewUnpublished,
)
from apps.stats import services


@on(CountersFlushed)
def record_counters(event: CountersFlushed) -> None:
    services.counters_record(counter=event.counter, day=event.day, counts=dict(event.counts))


@on(LeadDispatched)
def record_lead_dispatched(event: LeadDispatched) -> None:
    services.lead_dispatched_record(
        lead_id=event.lead_id,
        pro_id=event.pro_id,
        organization_id=event.organization_id,
        network_id=event.network_id,
        source=event.source,
        dispatched_at=event.dispatched_at,
    )


@on(LeadStatusChanged)
def record_lead_status(event: LeadStatusChanged) -> None:
    services.lead_status_record(
        lead_id=event.lead_id,
        pro_id=event.pro_id,
        organization_id=event.organization_id,
        to_status=event.to_status,
        changed_at=event.changed_at,
        dispatched_at=event.dispatched_at,
        quote_amount=event.quote_amount,
        won_amount=event.won_amount,
    )


@on(LeadValueChanged)
def record_lead_value(event: LeadValueChanged) -> None:
    services.lead_value_record(
        lead_id=event.lead_id,
        pro_id=event.pro_id,
        organization_id=event.organization_id,
        dispatched_at=event.dispatched_at,
        quote_amount=event.quote_amount,
        won_amount=event.won_amount,
    )


@on(LeadAssigned)
def record_lead_assigned(event: LeadAssigned) -> None:
    services.lead_assigned_record(
        lead_id=event.lead_id,
        pro_id=event.pro_id,
        organization_id=event.organization_id,
        assigned_to_id=event.assigned_to_id,
        dispatched_at=event.dispatched_at,
    )


@on(ReviewRequestSent)
def record_invitation_sent(event: ReviewRequestSent) -> None:
    services.invitation_sent_record(
        invitation_id=event.invitation_id, pro_id=event.pro_id, sent_at=event.sent_at
    )


@on(ReviewSubmitted)
def record_review_submitted(event: ReviewSubmitted) -> None:
    services.review_submitted_record(
        review_id=event.review_id, pro_id=event.pro_id, source=event.source
    )


@on(ReviewPublished)
def record_review_published(event: ReviewPublished) -> None:
    services.review_published_record(
        review_id=event.review_id,
        pro_id=event.pro_id,
        rating=event.rating,
        source=event.source,
        published_at=event.published_at,
    )


@on(ReviewUnpublished)
def record_review_unpublished(event: ReviewUnpublished) -> None:
    services.review_unpublished_record(review_id=event.review_id)


@on(ProCreated)
def record_pro_created(event: ProCreated) -> None:
    services.pro_created_record(
        pro_id=event.pro_id, organization_id=event.organization_id, created_at=event.created_at
    )


@on(QuoteSubmitted)
def record_quote_submitted(event: QuoteSubmitted) -> None:
    services.quote_submitted_record(
        quote_id=event.quote_id,
        kind=event.kind,
        target_pro_id=event.target_pro_id,
        brand_organization_id=event.brand_organization_id,
    )


@on(QuoteQualified)
def record_quote_qualified(event: QuoteQualified) -> None:
    services.quote_step_record(quote_id=event.quote_id, step="qualified", at=event.qualified_at)


@on(QuoteRejected)
def record_quote_rejected(event: QuoteRejected) -> None:
    services.quote_step_record(quote_id=event.quote_id, step="rejected", at=event.rejected_at)


@on(QuoteDispatchRequested)
def record_quote_dispatched(event: QuoteDispatchRequested) -> None:
    services.quote_step_record(quote_id=event.quote_id, step="dispatched", at=event.requested_at)


@on(LeadContactCheckSent)
def record_contact_check_sent(event: LeadContactCheckSent) -> None:
    services.lead_contact_check_record(
        lead_id=event.lead_id,
        pro_id=event.pro_id,
        organization_id=event.organization_id,
        network_id=event.network_id,
        dispatched_at=event.dispatched_at,
        asked_at=event.asked_at,
    )


@on(LeadContactConfirmed)
def record_contact_confirmed(event: LeadContactConfirmed) -> None:
    services.lead_contact_check_record(
        lead_id=event.lead_id,
        pro_id=event.pro_id,
        organization_id=event.organization_id,
        network_id=event.network_id,
        dispatched_at=event.dispatched_at,
        asked_at=event.asked_at,
        answer=event.answer,
        answered_at=event.answered_at,
    )


@on(QuoteCallLogged)
def record_quote_call(event: QuoteCallLogged) -> None:
    services.quote_first_call_record(quote_id=event.quote_id, called_at=event.called_at)
