"""When invitations and reminders leave: the organization's sending hours, its reminder
schedule, and the delivery of a queued invitation (e-mail then SMS).

Nothing leaves outside the pro's hours (Paris time, ``[start, end)``; the platform's
``REVIEWS_SEND_HOUR_START``/``END`` when the pro set none; equal values: any hour). An
invitation created at night stays queued (``sent_at`` empty) and the beat task
``reviews.queued_invitations_send`` sends it when the window opens; a reminder is only
queued while the window is open, and a reminder delivered late (broker outage) past the
window is put back to be queued again.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.core.events import publish
from apps.core.facade_ports import facade
from apps.directory.contracts import DirectoryFacade, ProRef
from apps.reviews import emails, sms
from apps.reviews.deliverability import is_suppressed
from apps.reviews.events import ReviewRequestSent
from apps.reviews.invitations import check_no_links, is_opted_out, is_paused
from apps.reviews.models import (
    InvitationPolicy,
    InvitationSource,
    InvitationTiming,
    ReviewInvitation,
)
from apps.reviews.rules import INVITATION_LIFETIME, REMINDER_AFTER_DAYS, clean_text

directory: DirectoryFacade = facade("directory")

BATCH = 500


def platform_hours() -> tuple[int, int]:
    return (
        int(getattr(settings, "REVIEWS_SEND_HOUR_START", 9)),
        int(getattr(settings, "REVIEWS_SEND_HOUR_END", 20)),
    )


def hours_of(timing: InvitationTiming | None) -> tuple[int, int]:
    """The (start, end) hours an organization sends in."""
    if timing is not None and timing.send_hour_start is not None and timing.send_hour_end:
        return timing.send_hour_start, timing.send_hour_end
    return platform_hours()


def window_open(hours: tuple[int, int], *, now: datetime | None = None) -> bool:
    start, end = hours
    if start == end or (start, end) == (0, 24):
        return True
    hour = timezone.localtime(now or timezone.now()).hour
    return start <= hour < end if start < end else hour >= start or hour < end


def timings_by_organization(organization_ids) -> dict[int, InvitationTiming]:
    """One query: the organizations' settings rows (absent: defaults)."""
    return {
        timing.organization_id: timing
        for timing in InvitationTiming.objects.filter(organization_id__in=set(organization_ids))
    }


def may_send_now(organization_id: int, *, now: datetime | None = None) -> bool:
    timing = InvitationTiming.objects.filter(organization_id=organization_id).first()
    return window_open(hours_of(timing), now=now)


def reminder_days(timing: InvitationTiming | None) -> tuple[int, int]:
    """(first, second) reminder in days after the first message; second 0: none."""
    if timing is None:
        return REMINDER_AFTER_DAYS
    return timing.first_reminder_days, timing.second_reminder_days


def reminder_number_due(
    *,
    sent_at: datetime,
    reminders_sent: int,
    last_reminded_at: datetime | None,
    days: tuple[int, int],
    now: datetime,
    min_gap: timedelta,
) -> int:
    """The number of the reminder due now (1 or 2), or 0."""
    first, second = days
    if reminders_sent == 0 and first and sent_at <= now - timedelta(days=first):
        return 1
    if (
        reminders_sent == 1
        and second
        and sent_at <= now - timedelta(days=second)
        and last_reminded_at is not None
        and last_reminded_at <= now - min_gap
    ):
        return 2
    return 0


def still_invitable(invitation: ReviewInvitation | None) -> bool:
    """Not written, not expired, no opt-out (any channel: an SMS STOP opts the address out
    for the pros that texted it), address not suppressed, organization not paused."""
    return bool(
        invitation
        and invitation.completed_at is None
        and invitation.expires_at > timezone.now()
        and not is_opted_out(pro_id=invitation.pro_id, email=invitation.customer_email)
        and not is_suppressed(invitation.customer_email)
        and not (
            invitation.source != InvitationSource.ELDO and is_paused(invitation.organization_id)
        )
    )


def invitation_pro(invitation_id: int) -> ProRef | None:
    """The pro of an invitation not sent yet (None when sent, gone, or the pro is)."""
    pro_id = (
        ReviewInvitation.objects.filter(pk=invitation_id, sent_at__isnull=True)
        .values_list("pro_id", flat=True)
        .first()
    )
    return directory.pros_by_ids([pro_id]).get(pro_id) if pro_id is not None else None


def invitation_deliver(invitation_id: int, *, now: datetime | None = None) -> bool:
    """Send a queued invitation (e-mail, then the SMS when it has a mobile) if it may leave
    now; True when it left."""
    return invitation_deliver_to(invitation_id, pro=invitation_pro(invitation_id), now=now)


def invitation_deliver_to(
    invitation_id: int, *, pro: ProRef | None, now: datetime | None = None
) -> bool:
    """``invitation_deliver`` with the pro already read from directory (an invitation's pro
    never changes), so the transaction calls no other context. Locked: the outbox handler
    and the beat task never both send."""
    if pro is None:
        return False
    with transaction.atomic():
        invitation = ReviewInvitation.objects.select_for_update().filter(pk=invitation_id).first()
        if invitation is None or invitation.sent_at is not None:
            return False
        if not still_invitable(invitation) or not may_send_now(invitation.organization_id, now=now):
            return False  # outside the hours: the beat task sends it when they open
        emails.invitation_send(invitation=invitation, pro=pro)
        invitation.sent_at = timezone.now()
        invitation.save(update_fields=["sent_at"])
        # The same invitation (one review slot) by SMS when the pro gave a French mobile.
        sms.invitation_sms_send(invitation=invitation, pro=pro)
        publish(
            ReviewRequestSent(
                invitation_id=invitation.pk,
                pro_id=invitation.pro_id,
                sent_at=invitation.sent_at.isoformat(),
            )
        )
    return True


def queued_invitations_send(*, now: datetime | None = None) -> int:
    """Beat: the invitations waiting for their organization's sending hours."""
    now = now or timezone.now()
    paused = InvitationPolicy.objects.filter(paused_at__isnull=False).values("organization_id")
    rows = list(
        ReviewInvitation.objects.filter(
            sent_at__isnull=True,
            completed_at__isnull=True,
            bounced_at__isnull=True,
            expires_at__gt=now,
        )
        .exclude(Q(organization_id__in=paused) & ~Q(source=InvitationSource.ELDO))
        .order_by("created_at")
        .values_list("pk", "organization_id")[:BATCH]
    )
    timings = timings_by_organization(org for _pk, org in rows)
    sent = 0
    for pk, organization_id in rows:
        if window_open(hours_of(timings.get(organization_id)), now=now):
            sent += invitation_deliver(pk, now=now)
    return sent


def settings_update(
    *,
    organization_id: int,
    first_reminder_days: int,
    second_reminder_days: int,
    send_hour_start: int | None,
    send_hour_end: int | None,
    intro_line: str,
) -> InvitationTiming:
    """The pro's reminder schedule, sending hours and intro line (French field errors)."""
    last_day = INVITATION_LIFETIME.days - 1
    intro_line = clean_text(intro_line or "")
    errors: dict[str, list[str]] = {}
    if not 1 <= first_reminder_days <= last_day:
        errors["first_reminder_days"] = [
            _("Un nombre de jours de 1 à %(max)s (le lien vaut 30 jours).") % {"max": last_day}
        ]
    elif second_reminder_days and not (first_reminder_days + 3 <= second_reminder_days <= last_day):
        errors["second_reminder_days"] = [
            _(
                "0 pour une seule relance, sinon de %(low)s à %(max)s jours (3 jours au moins "
                "après la première)."
            )
            % {"low": first_reminder_days + 3, "max": last_day}
        ]
    if (send_hour_start is None) != (send_hour_end is None):
        errors["send_hour_end"] = [_("Indiquez les deux heures, ou aucune.")]
    elif send_hour_start is not None and not 0 <= send_hour_start < send_hour_end <= 24:
        errors["send_hour_end"] = [
            _("L'heure de fin (1 à 24) doit suivre l'heure de début (0 à 23).")
        ]
    if len(intro_line) > 300:
        errors["intro_line"] = [_("300 caractères au plus.")]
    else:
        messages = check_no_links(intro_line, what=_("le mot d'introduction"))
        if messages:
            errors["intro_line"] = messages
    if errors:
        raise ValidationError(errors)
    timing, _created = InvitationTiming.objects.update_or_create(
        organization_id=organization_id,
        defaults={
            "first_reminder_days": first_reminder_days,
            "second_reminder_days": second_reminder_days,
            "send_hour_start": send_hour_start,
            "send_hour_end": send_hour_end,
            "intro_line": intro_line,
            "updated_at": timezone.now(),
        },
    )
    return timing
