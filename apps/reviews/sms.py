"""Invitations by SMS: an optional French mobile per invitation (single or CSV row) gets the
same invitation — one review slot — as a short text with a short signed link.

- ``mobile_check``: 06/07 or +33 6/7 only (E.164 out); anything else is a field error.
- The link ``/avis/i/<code>/``: the invitation id and a 10-character HMAC of (id, nonce)
  under ``SECRET_KEY``; it redirects to the invitation's page. Rotating the nonce revokes it,
  like the e-mailed link; a wrong code is a 404.
- STOP: the provider's callback (``POST /api/v1/review-requests/sms-events/``, signed like
  the e-mail events) records the number in ``SmsOptOut``: no SMS to it any more, from any
  pro, and new invitations with it are refused.
"""

from __future__ import annotations

import hashlib
import hmac
import re

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.core.site import absolute_url
from apps.core.sms import InvalidPhoneNumber, SmsError, normalize_phone, send_sms
from apps.directory.contracts import ProRef
from apps.reviews.models import ReviewInvitation, ReviewOptOut, SmsOptOut

_FRENCH_MOBILE = re.compile(r"^\+33[67]\d{8}$")
_CODE = re.compile(r"^([0-9a-z]{1,12})-([0-9a-f]{10})$")


def mobile_check(raw: str) -> tuple[str, list[str]]:
    """(E.164 number, errors): a French mobile, 06/07 or +33 6/7, as people type it."""
    message = _("Numéro de mobile français attendu (06, 07, +33 6 ou +33 7) pour le SMS.")
    try:
        number = normalize_phone(raw)
    except InvalidPhoneNumber:
        return "", [message]
    if not _FRENCH_MOBILE.match(number):
        return "", [message]
    return number, []


def phone_hash(number: str) -> str:
    return hashlib.sha256(number.encode()).hexdigest()


def _signature(pk: int, nonce: str) -> str:
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, f"reviews.sms:{pk}:{nonce}".encode(), hashlib.sha256).hexdigest()[:10]


def _base36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        number, rest = divmod(number, 36)
        out = digits[rest] + out
        if not number:
            return out


def short_code(invitation: ReviewInvitation) -> str:
    return f"{_base36(invitation.pk)}-{_signature(invitation.pk, invitation.nonce)}"


def invitation_for_short_code(code: str) -> ReviewInvitation | None:
    match = _CODE.match(code or "")
    if not match:
        return None
    invitation = ReviewInvitation.objects.filter(pk=int(match[1], 36)).first()
    if invitation is None or not hmac.compare_digest(
        match[2], _signature(invitation.pk, invitation.nonce)
    ):
        return None
    return invitation


def short_url(invitation: ReviewInvitation) -> str:
    return absolute_url(reverse("reviews:short-link", args=[short_code(invitation)]))


def short_url_example() -> str:
    """The shape of a short link, for the back office's preview."""
    return absolute_url(reverse("reviews:short-link", args=["1a2b-0123456789"]))


def invitation_sms_text(*, pro: ProRef, url: str, reminder: bool) -> str:
    """The text of the invitation SMS or of its reminder (no intro line: 160 characters)."""
    if reminder:
        text = _(
            "Rappel : %(pro)s attend votre avis sur Eldo : %(url)s "
            "Répondez STOP pour ne plus recevoir de SMS."
        )
    else:
        text = _(
            "%(pro)s vous invite à donner votre avis sur Eldo : %(url)s "
            "Répondez STOP pour ne plus recevoir de SMS."
        )
    return text % {"pro": pro.name[:60], "url": url}


def is_stopped(number: str) -> bool:
    return SmsOptOut.objects.filter(phone_hash=phone_hash(number)).exists()


def invitation_sms_send(*, invitation: ReviewInvitation, pro: ProRef) -> bool:
    """The invitation's SMS, once; nothing for a number that answered STOP."""
    if (
        not invitation.customer_phone
        or invitation.sms_sent_at
        or is_stopped(invitation.customer_phone)
    ):
        return False
    body = invitation_sms_text(pro=pro, url=short_url(invitation), reminder=False)
    try:
        send_sms(invitation.customer_phone, body)
    except SmsError:
        return False
    ReviewInvitation.objects.filter(pk=invitation.pk).update(sms_sent_at=timezone.now())
    return True


def reminder_sms_send(*, invitation: ReviewInvitation, pro: ProRef) -> bool:
    """A reminder by SMS, for an invitation that was texted (never after STOP)."""
    if not invitation.customer_phone or not invitation.sms_sent_at:
        return False
    if is_stopped(invitation.customer_phone):
        return False
    body = invitation_sms_text(pro=pro, url=short_url(invitation), reminder=True)
    try:
        send_sms(invitation.customer_phone, body)
    except SmsError:
        return False
    return True


def sms_stop_record(raw_number: str) -> bool:
    """A STOP reply reported by the provider; True when newly recorded (replays: False).

    One opt-out stops every channel: the customer's address is opted out too for every pro
    that texted this number, so the e-mail reminders stop as well."""
    try:
        number = normalize_phone(raw_number)
    except InvalidPhoneNumber:
        return False
    try:
        with transaction.atomic():
            SmsOptOut.objects.create(phone_hash=phone_hash(number))
            pairs = set(
                ReviewInvitation.objects.filter(customer_phone=number).values_list(
                    "pro_id", "email_hash"
                )
            )
            ReviewOptOut.objects.bulk_create(
                [ReviewOptOut(pro_id=pro_id, email_hash=hashed) for pro_id, hashed in pairs],
                ignore_conflicts=True,
            )
    except IntegrityError:
        return False
    return True
