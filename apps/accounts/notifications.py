"""Notification preferences for new leads and Web Push subscriptions (reads and writes).

Preferences belong to the person: one row per user, created with the defaults (e-mail on,
SMS and push off) on first change. Text messages go to ``User.phone`` (normalised to
E.164 on save); push to every browser the person subscribed.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from apps.accounts.contracts import AlertRecipient, NotificationSettings, PushTarget
from apps.accounts.models import Membership, NotificationPreference, PushSubscription, User
from apps.core import sms, webpush

DEFAULTS = {"new_lead_email": True, "new_lead_sms": False, "new_lead_push": False}


def notification_settings_get(*, user: User) -> NotificationSettings:
    pref = NotificationPreference.objects.filter(user=user).first()
    values = DEFAULTS if pref is None else {name: getattr(pref, name) for name in DEFAULTS}
    return NotificationSettings(
        **values,
        phone=user.phone,
        push_devices=PushSubscription.objects.filter(user=user).count(),
    )


def notification_settings_update(*, user: User, **changes) -> NotificationSettings:
    """Change some of ``new_lead_email``, ``new_lead_sms``, ``new_lead_push``, ``phone``.

    SMS needs a valid phone number; push needs push to be enabled on the site.
    ValidationError (by field, French) when not.
    """
    current = notification_settings_get(user=user)
    values = {name: changes.get(name, getattr(current, name)) for name in DEFAULTS}
    errors: dict[str, list[str]] = {}
    phone = current.phone
    if "phone" in changes:
        raw = str(changes["phone"] or "").strip()
        if raw:
            try:
                phone = sms.normalize_phone(raw)
            except sms.InvalidPhoneNumber:
                errors["phone"] = ["Numéro de téléphone invalide (ex. 06 12 34 56 78)."]
        else:
            phone = ""
    if values["new_lead_sms"] and not phone and "phone" not in errors:
        errors["phone"] = ["Indiquez un numéro de mobile pour recevoir les SMS."]
    if values["new_lead_push"] and not current.new_lead_push and not webpush.push_enabled():
        errors["new_lead_push"] = ["Les notifications push ne sont pas disponibles."]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        NotificationPreference.objects.update_or_create(user=user, defaults=values)
        if phone != user.phone:
            user.phone = phone
            user.save(update_fields=["phone"])
    return notification_settings_get(user=user)


def push_subscription_add(
    *, user: User, endpoint: str, p256dh: str, auth: str, user_agent: str = ""
) -> PushSubscription:
    """Register a browser; turns push on for the person. Re-subscribing the same endpoint
    (the browser renewed its keys, or another person signed in on it) updates it."""
    if not webpush.push_enabled():
        raise ValidationError({"endpoint": ["Les notifications push ne sont pas disponibles."]})
    try:
        checked = webpush.subscription_validate(endpoint, p256dh, auth)
    except webpush.InvalidSubscription as exc:
        raise ValidationError({exc.field: [exc.message]}) from exc
    with transaction.atomic():
        try:
            subscription, _created = PushSubscription.objects.update_or_create(
                endpoint=checked.endpoint,
                defaults={
                    "user": user,
                    "p256dh": checked.p256dh,
                    "auth": checked.auth,
                    "user_agent": user_agent[:300],
                },
            )
        except IntegrityError:  # the same endpoint registered concurrently
            subscription = PushSubscription.objects.get(endpoint=checked.endpoint)
        NotificationPreference.objects.update_or_create(user=user, defaults={"new_lead_push": True})
    return subscription


def push_subscription_remove(*, user: User | None, endpoint: str) -> int:
    """Forget a browser (its owner unsubscribed, or — ``user`` None — the push service
    answered 404/410). Returns how many were removed."""
    rows = PushSubscription.objects.filter(endpoint=str(endpoint or "")[:1000])
    if user is not None:
        rows = rows.filter(user=user)
    removed, _ = rows.delete()
    return removed


def alert_recipients(*, organization_id: int) -> list[AlertRecipient]:
    """Active members of the organization with their channels (three queries)."""
    memberships = list(
        Membership.objects.filter(organization_id=organization_id, user__is_active=True)
        .select_related("user")
        .order_by("user__email")
    )
    user_ids = [m.user_id for m in memberships]
    prefs = {p.user_id: p for p in NotificationPreference.objects.filter(user_id__in=user_ids)}
    targets: dict[int, list[PushTarget]] = {}
    for s in PushSubscription.objects.filter(user_id__in=user_ids).order_by("id"):
        targets.setdefault(s.user_id, []).append(
            PushTarget(id=s.id, endpoint=s.endpoint, p256dh=s.p256dh, auth=s.auth)
        )
    recipients = []
    for m in memberships:
        pref = prefs.get(m.user_id)
        values = DEFAULTS if pref is None else {n: getattr(pref, n) for n in DEFAULTS}
        recipients.append(
            AlertRecipient(
                user_id=m.user_id,
                email=m.user.email,
                first_name=m.user.first_name,
                phone=m.user.phone,
                by_email=values["new_lead_email"],
                by_sms=values["new_lead_sms"] and bool(m.user.phone),
                by_push=values["new_lead_push"] and bool(targets.get(m.user_id)),
                push_targets=tuple(targets.get(m.user_id, ())),
            )
        )
    return recipients
