"""Bounces and complaints of review invitations, and what they stop.

An address the e-mail provider rejected for good (hard bounce) or whose owner marked an
invitation as spam goes on the suppression list (``EmailSuppression``): Eldo sends it no
more invitation nor reminder, whatever the pro. A pro may also mark an address of one of
its invitations "adresse en erreur" (same effect; it does not count against the pro).

Each provider event counts against the organization that sent the invitation: when, over
the last ``REVIEWS_DELIVERABILITY_WINDOW_DAYS``, its bounces or complaints divided by its
invitations sent pass ``REVIEWS_BOUNCE_RATE_MAX`` or ``REVIEWS_COMPLAINT_RATE_MAX`` (with at
least ``REVIEWS_DELIVERABILITY_MIN_SENT`` sent), its invitations are paused
(``InvitationPolicy.paused_at``) and staff are alerted. Staff resume them in the admin.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.core.events import publish
from apps.reviews.events import InvitationsPaused
from apps.reviews.invitations import _policy_for_update
from apps.reviews.models import EmailSuppression, ReviewInvitation, SuppressionReason
from apps.reviews.rules import check_email, email_hash, email_normalize

BOUNCE = "bounce"
COMPLAINT = "complaint"
EVENT_TYPES = (BOUNCE, COMPLAINT)
# Progress reported by the provider: stamped on the invitation for the funnel, nothing else.
DELIVERED = "delivered"
OPENED = "opened"
PROGRESS_STAMPS = {DELIVERED: "delivered_at", OPENED: "email_opened_at"}


def _setting(name: str, default):
    return type(default)(getattr(settings, name, default))


def window() -> timedelta:
    return timedelta(days=_setting("REVIEWS_DELIVERABILITY_WINDOW_DAYS", 30))


@dataclass(frozen=True)
class EmailEvent:
    kind: str  # bounce | complaint
    email: str
    invitation_id: int | None = None
    detail: str = ""


def _invitation_for(event: EmailEvent, hashed: str) -> ReviewInvitation | None:
    """The invitation the event is about: the one named, if it went to that address, else
    the last one sent to it."""
    sent_to = ReviewInvitation.objects.filter(email_hash=hashed, sent_at__isnull=False)
    if event.invitation_id is not None:
        named = sent_to.filter(pk=event.invitation_id).first()
        if named is not None:
            return named
    return sent_to.order_by("-sent_at", "-pk").first()


def email_event_record(event: EmailEvent, *, now: datetime | None = None) -> bool:
    """Record a provider's bounce or complaint. False when it changes nothing (unknown
    type, invalid address, already recorded): providers retry, so a replay is harmless.
    A "delivered" or "opened" event only stamps the invitation (the funnel)."""
    if event.kind in PROGRESS_STAMPS and not check_email(event.email or ""):
        return _progress_record(event, now=now or timezone.now())
    if event.kind not in EVENT_TYPES or check_email(event.email or ""):
        return False
    now = now or timezone.now()
    hashed = email_hash(email_normalize(event.email))
    with transaction.atomic():
        invitation = _invitation_for(event, hashed)
        stamp = "bounced_at" if event.kind == BOUNCE else "complained_at"
        first_time = _suppress(
            hashed,
            reason=SuppressionReason.BOUNCE
            if event.kind == BOUNCE
            else SuppressionReason.COMPLAINT,
            invitation=invitation,
            detail=event.detail,
            now=now,
        )
        if invitation is None:
            return first_time
        stamped = ReviewInvitation.objects.filter(pk=invitation.pk, **{f"{stamp}__isnull": True})
        if not stamped.update(**{stamp: now}) and not first_time:
            return False
        _rates_check(organization_id=invitation.organization_id, pro_id=invitation.pro_id, now=now)
    return True


def _progress_record(event: EmailEvent, *, now: datetime) -> bool:
    invitation = _invitation_for(event, email_hash(email_normalize(event.email)))
    if invitation is None:
        return False
    stamp = PROGRESS_STAMPS[event.kind]
    stamped = ReviewInvitation.objects.filter(pk=invitation.pk, **{f"{stamp}__isnull": True})
    return bool(stamped.update(**{stamp: now}))


def _suppress(hashed: str, *, reason: str, invitation, detail: str, now: datetime) -> bool:
    """Put the address on the suppression list; False if it already was."""
    if EmailSuppression.objects.filter(email_hash=hashed).exists():
        return False
    try:
        with transaction.atomic():
            EmailSuppression.objects.create(
                email_hash=hashed,
                reason=reason,
                pro_id=invitation.pro_id if invitation else None,
                invitation=invitation,
                detail=(detail or "")[:300],
                created_at=now,
            )
    except IntegrityError:  # recorded at the same moment by a concurrent callback
        return False
    return True


def invitation_mark_undeliverable(*, invitation_id: int, pro_ids: list[int]) -> ReviewInvitation:
    """The pro's "adresse en erreur" on one of its invitations (another pro's: DoesNotExist).
    Stops mail to the address like a bounce, without counting against the pro."""
    now = timezone.now()
    with transaction.atomic():
        invitation = ReviewInvitation.objects.select_for_update().get(
            pk=invitation_id, pro_id__in=pro_ids
        )
        _suppress(
            invitation.email_hash,
            reason=SuppressionReason.MANUAL,
            invitation=invitation,
            detail="",
            now=now,
        )
        if invitation.bounced_at is None:
            invitation.bounced_at = now
            invitation.save(update_fields=["bounced_at"])
    return invitation


def is_suppressed(email: str) -> bool:
    return EmailSuppression.objects.filter(email_hash=email_hash(email)).exists()


def organization_rates(*, organization_id: int, now: datetime | None = None) -> dict:
    """{sent, bounces, complaints, bounce_rate, complaint_rate} over the window: the
    provider's events only (a pro's own "adresse en erreur" is not counted)."""
    since = (now or timezone.now()) - window()
    sent = ReviewInvitation.objects.filter(
        organization_id=organization_id, sent_at__gte=since
    ).count()
    counted = EmailSuppression.objects.filter(
        invitation__organization_id=organization_id, created_at__gte=since
    )
    bounces = counted.filter(reason=SuppressionReason.BOUNCE).count()
    complaints = counted.filter(reason=SuppressionReason.COMPLAINT).count()
    return {
        "sent": sent,
        "bounces": bounces,
        "complaints": complaints,
        "bounce_rate": bounces / sent if sent else 0.0,
        "complaint_rate": complaints / sent if sent else 0.0,
    }


def _percent(rate: float) -> str:
    return f"{round(rate * 100, 1):g}\u00a0%".replace(".", ",")


def _rates_check(*, organization_id: int, pro_id: int, now: datetime) -> None:
    rates = organization_rates(organization_id=organization_id, now=now)
    if rates["sent"] < _setting("REVIEWS_DELIVERABILITY_MIN_SENT", 20):
        return
    bounce_max = _setting("REVIEWS_BOUNCE_RATE_MAX", 0.1)
    complaint_max = _setting("REVIEWS_COMPLAINT_RATE_MAX", 0.02)
    reasons = []
    if rates["bounce_rate"] > bounce_max:
        reasons.append(
            f"adresses en erreur : {_percent(rates['bounce_rate'])} des invitations envoyées "
            f"(seuil {_percent(bounce_max)})"
        )
    if rates["complaint_rate"] > complaint_max:
        reasons.append(
            f"signalements comme spam : {_percent(rates['complaint_rate'])} (seuil "
            f"{_percent(complaint_max)})"
        )
    if not reasons:
        return
    policy = _policy_for_update(organization_id)
    if policy.paused_at is not None:
        return
    policy.paused_at = now
    policy.paused_reason = "; ".join(reasons)[:300]
    policy.save(update_fields=["paused_at", "paused_reason", "updated_at"])
    publish(
        InvitationsPaused(
            organization_id=organization_id,
            pro_id=pro_id,
            sent=rates["sent"],
            bounces=rates["bounces"],
            complaints=rates["complaints"],
            reason=policy.paused_reason,
            paused_at=now.isoformat(),
        )
    )


def parse_events(payload) -> list[EmailEvent]:
    """The generic JSON shape (docs/reviews.md): {"events": [{type, email, invitation_id?,
    detail?}, ...]}; ValidationError for another shape. Rows are not checked here: a bad
    row is ignored, not a reason to refuse the batch."""
    if not isinstance(payload, dict) or not isinstance(payload.get("events"), list):
        raise ValidationError({"events": ["Une liste d'événements est attendue."]})
    if len(payload["events"]) > MAX_EVENTS:
        raise ValidationError({"events": [f"{MAX_EVENTS} événements au plus par appel."]})
    events = []
    for row in payload["events"]:
        row = row if isinstance(row, dict) else {}
        invitation_id = row.get("invitation_id")
        events.append(
            EmailEvent(
                kind=str(row.get("type") or ""),
                email=str(row.get("email") or ""),
                invitation_id=invitation_id if isinstance(invitation_id, int) else None,
                detail=str(row.get("detail") or ""),
            )
        )
    return events


MAX_EVENTS = 500
# Brevo's transactional webhook events → ours; the others (soft_bounce, deferred, click…)
# change nothing.
BREVO_EVENTS = {
    "delivered": DELIVERED,
    "opened": OPENED,
    "unique_opened": OPENED,
    "hard_bounce": BOUNCE,
    "hardBounce": BOUNCE,
    "invalid_email": BOUNCE,
    "spam": COMPLAINT,
    "complaint": COMPLAINT,
}


def parse_brevo_events(payload) -> list[EmailEvent]:
    """Brevo's webhook: one event object, or a list of them (batched webhooks)."""
    rows = payload if isinstance(payload, list) else [payload]
    if len(rows) > MAX_EVENTS:
        raise ValidationError({"events": [f"{MAX_EVENTS} événements au plus par appel."]})
    events = []
    for row in rows:
        row = row if isinstance(row, dict) else {}
        events.append(
            EmailEvent(
                kind=BREVO_EVENTS.get(str(row.get("event") or ""), ""),
                email=str(row.get("email") or ""),
                invitation_id=_brevo_invitation_id(row),
                detail=str(row.get("reason") or ""),
            )
        )
    return events


def _brevo_invitation_id(row: dict) -> int | None:
    """The invitation id Eldo put in the ``X-Mailin-custom`` header ("invitation=<id>")."""
    custom = str(row.get("X-Mailin-custom") or "")
    if custom.startswith("invitation="):
        value = custom.removeprefix("invitation=")
        return int(value) if value.isdigit() else None
    return None


def email_events_record(events: list[EmailEvent]) -> dict[str, int]:
    recorded = sum(1 for event in events if email_event_record(event))
    return {"recorded": recorded, "ignored": len(events) - recorded}
