"""Eldo's automatic "avis vérifié" invitation after a lead the pro marked won.

The leads context calls ``reviews.api.eldo_review_invitation_schedule`` when a lead
dispatched by Eldo becomes "gagné" (leads is above reviews and owns the homeowner's
contact through quotes). A ``ScheduledInvitation`` (one per lead) waits until its date —
``InvitationTiming.days_after_work_end`` (3) after the end of the works when given,
otherwise ``days_after_won`` (14) after "gagné", both set by the pro on
``/espace-pro/invitations/delais/`` — then the beat task ``reviews.scheduled_invitations_send``
sends it through ``eldo_review_request_create`` (tied to the lead: never two per lead).

One slot per customer and pro: nothing is sent when the customer already has an invitation
from this pro within the cooldown (90 days; the homeowner's "Clôturer le projet" may have
sent it already) or wrote a review of it within 12 months; the reason is kept.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.reviews.invitations import cooldown
from apps.reviews.models import (
    InvitationTiming,
    Review,
    ReviewInvitation,
    ReviewStatus,
    ScheduledInvitation,
)
from apps.reviews.rules import SPONTANEOUS_WINDOW, email_hash, email_normalize

DELAY_MAX_DAYS = 90
BATCH = 200


def timing_for(organization_id: int) -> InvitationTiming:
    """The organization's delays (an unsaved row with the defaults when never set)."""
    return InvitationTiming.objects.filter(
        organization_id=organization_id
    ).first() or InvitationTiming(organization_id=organization_id)


def _due_at(timing: InvitationTiming, *, won_at: datetime, work_end_date: date | None):
    if work_end_date is not None:
        # Morning of the day, Paris time: an e-mail read at breakfast, not at midnight.
        start = timezone.make_aware(datetime.combine(work_end_date, time(9, 0)))
        return start + timedelta(days=timing.days_after_work_end)
    return won_at + timedelta(days=timing.days_after_won)


def timing_update(
    *, organization_id: int, days_after_work_end: int, days_after_won: int
) -> InvitationTiming:
    """The pro sets its delays (0–90 days each); the invitations still waiting move too."""
    errors = {}
    for name, value in (
        ("days_after_work_end", days_after_work_end),
        ("days_after_won", days_after_won),
    ):
        if not isinstance(value, int) or not 0 <= value <= DELAY_MAX_DAYS:
            errors[name] = [_("Un nombre de jours de 0 à %d.") % DELAY_MAX_DAYS]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        timing, _created = InvitationTiming.objects.update_or_create(
            organization_id=organization_id,
            defaults={
                "days_after_work_end": days_after_work_end,
                "days_after_won": days_after_won,
                "updated_at": timezone.now(),
            },
        )
        waiting = ScheduledInvitation.objects.select_for_update().filter(
            organization_id=organization_id, processed_at__isnull=True
        )
        for scheduled in waiting:
            scheduled.due_at = _due_at(
                timing, won_at=scheduled.won_at, work_end_date=scheduled.work_end_date
            )
            scheduled.save(update_fields=["due_at"])
    return timing


def invitation_schedule(
    *,
    lead_id: int,
    pro_id: int,
    organization_id: int,
    customer_name: str,
    customer_email: str,
    work_description: str,
    won_at: datetime,
    work_end_date: date | None = None,
) -> ScheduledInvitation:
    """Schedule Eldo's invitation for a won lead, once: a lead won again (or an event
    redelivered) returns the row already there."""
    existing = ScheduledInvitation.objects.filter(lead_id=lead_id).first()
    if existing is not None:
        return existing
    timing = timing_for(organization_id)
    scheduled, _created = ScheduledInvitation.objects.get_or_create(
        lead_id=lead_id,
        defaults={
            "pro_id": pro_id,
            "organization_id": organization_id,
            "customer_name": (customer_name or "Client")[:150],
            "customer_email": email_normalize(customer_email),
            "work_description": (work_description or "Vos travaux")[:300],
            "won_at": won_at,
            "work_end_date": work_end_date,
            "due_at": _due_at(timing, won_at=won_at, work_end_date=work_end_date),
        },
    )
    return scheduled


def invitation_work_end(*, lead_id: int, work_end_date: date) -> bool:
    """The end of the works is known: the waiting invitation is due the pro's
    ``days_after_work_end`` after it. Idempotent (a redelivered event computes the same)."""
    with transaction.atomic():
        scheduled = (
            ScheduledInvitation.objects.select_for_update()
            .filter(lead_id=lead_id, processed_at__isnull=True)
            .first()
        )
        if scheduled is None:
            return False
        scheduled.work_end_date = work_end_date
        scheduled.due_at = _due_at(
            timing_for(scheduled.organization_id),
            won_at=scheduled.won_at,
            work_end_date=work_end_date,
        )
        scheduled.save(update_fields=["work_end_date", "due_at"])
    return True


def _slot_taken(scheduled: ScheduledInvitation, now: datetime) -> str:
    """Why this customer gets no second slot for this pro ("" when free)."""
    invited = ReviewInvitation.objects.filter(
        pro_id=scheduled.pro_id,
        email_hash=email_hash(scheduled.customer_email),
        created_at__gte=now - cooldown(),
    ).exclude(lead_id=scheduled.lead_id)
    if invited.exists():
        return _("Ce client a déjà été invité à donner son avis sur cette entreprise.")
    reviewed = (
        Review.objects.filter(
            pro_id=scheduled.pro_id,
            author_email=scheduled.customer_email,
            created_at__gte=now - SPONTANEOUS_WINDOW,
        )
        .exclude(status=ReviewStatus.REJECTED)
        .exists()
    )
    if reviewed:
        return _("Ce client a déjà donné son avis sur cette entreprise.")
    return ""


def scheduled_invitations_send(*, now: datetime | None = None) -> int:
    """Send the invitations due (beat, hourly). Each row is locked and marked processed in
    the transaction that creates its invitation: a second worker or run skips it."""
    from apps.reviews.api import eldo_review_request_create

    now = now or timezone.now()
    sent = 0
    due_ids = list(
        ScheduledInvitation.objects.filter(processed_at__isnull=True, due_at__lte=now)
        .order_by("due_at", "pk")
        .values_list("pk", flat=True)[:BATCH]
    )
    for pk in due_ids:
        with transaction.atomic():
            scheduled = (
                ScheduledInvitation.objects.select_for_update(skip_locked=True)
                .filter(pk=pk, processed_at__isnull=True)
                .first()
            )
            if scheduled is None:
                continue
            already = ReviewInvitation.objects.filter(lead_id=scheduled.lead_id).first()
            reason = _slot_taken(scheduled, now)
            if already is not None:
                # The homeowner closed the project "réalisé avec" the pro first: sent then.
                scheduled.invitation_id = already.pk
                reason = _("Invitation déjà envoyée à la clôture du projet par le client.")
            elif not reason:
                try:
                    with transaction.atomic():
                        scheduled.invitation_id = eldo_review_request_create(
                            pro_id=scheduled.pro_id,
                            organization_id=scheduled.organization_id,
                            customer_name=scheduled.customer_name,
                            customer_email=scheduled.customer_email,
                            work_description=scheduled.work_description,
                            work_date=scheduled.work_end_date
                            or timezone.localdate(scheduled.won_at),
                            lead_id=scheduled.lead_id,
                        )
                    sent += 1
                except ValidationError as exc:
                    reason = " ".join(exc.messages)
            scheduled.processed_at = now
            scheduled.skipped_reason = reason[:300]
            scheduled.save(update_fields=["processed_at", "invitation_id", "skipped_reason"])
    return sent
