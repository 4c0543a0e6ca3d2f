"""New-lead alerts by SMS and Web Push, in under a minute (e-mail: ``handlers.notify_pro``).

    LeadDispatched ─► alerts_schedule: one LeadAlert row per (lead, member, channel) the
                      member chose — unique, so a redelivery adds nothing — then, after
                      commit, a ``leads.alert_send`` task per alert due now
    alert_send      ─► row lock, still pending and due? send, mark sent; a provider error
                      is retried with backoff (1, 2, 4, 8, 16 min), then marked failed and
                      logged — the dispatch itself never fails
    beat            ─► ``leads.alerts_send_due`` every minute: night-time SMS (deferred to
                      08:00), retries, and any alert whose task was lost

No SMS between ``LEADS_ALERTS_SMS_QUIET_START`` (20) and ``…_QUIET_END`` (8) h, Europe/Paris.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from apps.accounts import api as accounts
from apps.core import sms, webpush
from apps.directory import api as directory
from apps.leads.models import AlertChannel, AlertStatus, Lead, LeadAlert

logger = logging.getLogger(__name__)

PARIS = ZoneInfo("Europe/Paris")
MAX_ATTEMPTS = 5
OPEN_STATUSES = {"sent", "viewed"}


def sms_send_time(now: datetime) -> datetime:
    """``now`` outside the quiet hours, else the next end of them (08:00 Paris time)."""
    start = settings.LEADS_ALERTS_SMS_QUIET_START
    end = settings.LEADS_ALERTS_SMS_QUIET_END
    if start == end:
        return now
    local = now.astimezone(PARIS)
    quiet = (local.hour >= start or local.hour < end) if start > end else start <= local.hour < end
    if not quiet:
        return now
    target = local.replace(hour=end, minute=0, second=0, microsecond=0)
    if target <= local:
        target = (target + timedelta(days=1)).replace(hour=end)  # wall-clock, DST-safe
    return target


def retry_delay(attempts: int) -> timedelta:
    return timedelta(minutes=2 ** (attempts - 1))


def _enqueue(alert_ids: list[int]) -> None:
    from apps.leads.tasks import alert_send

    for alert_id in alert_ids:
        try:
            alert_send.delay(alert_id)
        except Exception as exc:  # broker down: the beat sweep sends it
            logger.warning("alerts: could not enqueue %s (%s); the sweep sends it", alert_id, exc)


def alerts_schedule(*, lead_id: int, now: datetime | None = None) -> list[LeadAlert]:
    """Create the lead's alerts for every member's chosen channels (idempotent) and enqueue
    those due now once the transaction commits."""
    now = now or timezone.now()
    lead = Lead.objects.filter(pk=lead_id).first()
    if lead is None or lead.status not in OPEN_STATUSES:
        return []
    rows = []
    for recipient in accounts.alert_recipients(lead.organization_id):
        if recipient.by_sms:
            rows.append((recipient.user_id, AlertChannel.SMS, sms_send_time(now)))
        if recipient.by_push:
            rows.append((recipient.user_id, AlertChannel.PUSH, now))
    LeadAlert.objects.bulk_create(
        [
            LeadAlert(lead=lead, user_id=user_id, channel=channel, scheduled_for=at, created_at=now)
            for user_id, channel, at in rows
        ],
        ignore_conflicts=True,
    )
    alerts = list(LeadAlert.objects.filter(lead=lead).order_by("id"))
    due = [a.pk for a in alerts if a.status == AlertStatus.PENDING and a.scheduled_for <= now]
    if due:
        transaction.on_commit(lambda: _enqueue(due), robust=True)
    return alerts


def _texts(lead: Lead) -> dict:
    category = next(
        (c.name for c in directory.categories() if c.slug == lead.category_slug),
        lead.category_slug,
    )
    path = reverse("leads-backoffice:detail", args=[lead.pk])
    place = (
        f"{lead.commune_name} ({lead.postcode})"
        if getattr(lead, "commune_name", "")
        else (lead.postcode)
    )
    return {
        "sms": f"Eldo : nouvelle demande de devis – {category}, {place}. "
        f"Rappelez le client sous {settings.LEADS_FIRST_CONTACT_HOURS} h : "
        f"{settings.SITE_URL}{path}",
        "push": {
            "title": "Nouvelle demande de devis",
            "body": f"{category}, {place}",
            "url": path,
            "tag": f"lead-{lead.pk}",
        },
    }


def _deliver_push(alert: LeadAlert, recipient, payload: dict) -> str:
    sent, gone, retryable, last = 0, 0, False, None
    for target in recipient.push_targets:
        subscription = webpush.Subscription(
            endpoint=target.endpoint, p256dh=target.p256dh, auth=target.auth
        )
        try:
            webpush.send_web_push(subscription, payload)
            sent += 1
        except webpush.PushSubscriptionGone:
            accounts.push_subscription_forget(target.endpoint)
            gone += 1
        except webpush.PushError as exc:
            retryable = retryable or exc.retryable
            last = exc
    if sent:
        return f"{sent} appareil(s)"
    if last is None:
        raise webpush.PushError(f"{gone} subscription(s) gone", retryable=False)
    raise webpush.PushError(str(last), retryable=retryable)


def alert_send(*, alert_id: int, now: datetime | None = None) -> str:
    """Send one alert if it is still pending and due. Never raises for a provider error."""
    with transaction.atomic():
        alert = (
            LeadAlert.objects.select_for_update(skip_locked=True)
            .filter(pk=alert_id, status=AlertStatus.PENDING)
            .select_related("lead")
            .first()
        )
        if alert is None:
            return "skipped"  # already sent, failed, or being sent by another worker
        now = now or timezone.now()
        if alert.scheduled_for > now:
            return "not_due"
        if alert.channel == AlertChannel.SMS:
            allowed = sms_send_time(now)
            if allowed > now:
                alert.scheduled_for = allowed
                alert.save(update_fields=["scheduled_for"])
                return "deferred"
        recipient = next(
            (
                r
                for r in accounts.alert_recipients(alert.lead.organization_id)
                if r.user_id == alert.user_id
            ),
            None,
        )
        wanted = recipient is not None and (
            recipient.by_sms if alert.channel == AlertChannel.SMS else recipient.by_push
        )
        if not wanted or alert.lead.status not in OPEN_STATUSES:
            alert.status = AlertStatus.FAILED
            alert.last_error = "annulée : plus membre, canal retiré ou demande déjà traitée"
            alert.save(update_fields=["status", "last_error"])
            return "cancelled"
        texts = _texts(alert.lead)
        try:
            if alert.channel == AlertChannel.SMS:
                provider_id = sms.send_sms(recipient.phone, texts["sms"])
            else:
                provider_id = _deliver_push(alert, recipient, texts["push"])
        except (sms.SmsError, webpush.PushError) as exc:
            alert.attempts += 1
            alert.last_error = str(exc)[:300]
            retryable = getattr(exc, "retryable", False)
            if retryable and alert.attempts < MAX_ATTEMPTS:
                alert.scheduled_for = now + retry_delay(alert.attempts)
                outcome = "retry"
            else:
                alert.status = AlertStatus.FAILED
                outcome = "failed"
                logger.warning(
                    "alerts: %s alert %s for lead %s failed for good after %s attempt(s): %s",
                    alert.channel,
                    alert.pk,
                    alert.lead_id,
                    alert.attempts,
                    exc,
                )
            alert.save(update_fields=["attempts", "last_error", "scheduled_for", "status"])
            return outcome
        alert.status = AlertStatus.SENT
        alert.sent_at = timezone.now()
        alert.attempts += 1
        alert.provider_id = str(provider_id)[:100]
        alert.save(update_fields=["status", "sent_at", "attempts", "provider_id"])
        return "sent"


def alerts_send_due(*, now: datetime | None = None, batch: int = 200) -> int:
    """Beat: send every pending alert now due (deferred SMS, retries, lost tasks)."""
    now = now or timezone.now()
    ids = list(
        LeadAlert.objects.filter(status=AlertStatus.PENDING, scheduled_for__lte=now)
        .order_by("scheduled_for")
        .values_list("id", flat=True)[:batch]
    )
    return sum(alert_send(alert_id=alert_id, now=now) == "sent" for alert_id in ids)
