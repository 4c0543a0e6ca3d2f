"""The organization's reminder schedule, its sending hours and its intro line: reminders by
e-mail and SMS that stop after the review and after an opt-out on any channel, nothing sent
outside the hours (queued, then sent by the beat task), and the back office's preview."""

from __future__ import annotations

import hashlib
import hmac
import html
import json
from datetime import datetime, timedelta

import pytest
from celery.schedules import crontab
from django.utils import timezone

from apps.accounts.tests.factories import PASSWORD
from apps.core import sms as core_sms
from apps.reviews import invitations, sending
from apps.reviews.events import ReviewReminderDue
from apps.reviews.invitations import invitation_reminders_send, invitation_token
from apps.reviews.models import InvitationTiming, ReviewInvitation, ReviewOptOut
from apps.reviews.tests.support import deliver_late, invite, review_payload

pytestmark = pytest.mark.django_db

PAGE = "/espace-pro/invitations/delais/"
SECRET = "sms-events-secret-for-tests"


def _invite_with_phone(pro, *, email="jeanne@exemple.fr", phone="06 12 34 56 78"):
    return invitations.review_request_create(
        pro_id=pro.id,
        organization_id=pro.organization_id,
        created_by_id=None,
        customer_name="Jeanne Dupuis",
        customer_email=email,
        work_description="Ravalement de façade",
        work_date=timezone.localdate() - timedelta(days=20),
        customer_phone=phone,
    )


def _sent_days_ago(invitation, days: float) -> None:
    moment = timezone.now() - timedelta(days=days)
    ReviewInvitation.objects.filter(pk=invitation.pk).update(
        created_at=moment, sent_at=moment, expires_at=moment + timedelta(days=30)
    )


def _settings(pro, **values):
    defaults = {
        "first_reminder_days": 7,
        "second_reminder_days": 14,
        "send_hour_start": None,
        "send_hour_end": None,
        "intro_line": "",
    }
    return sending.settings_update(organization_id=pro.organization_id, **(defaults | values))


def _closed_hours_now() -> tuple[int, int]:
    """A one-hour window that does not contain the current Paris hour."""
    hour = timezone.localtime().hour
    return (hour + 1, hour + 2) if hour < 23 else (0, 1)


def _inside(hours: tuple[int, int]) -> datetime:
    """A moment inside the window, later than now (today or tomorrow)."""
    local = timezone.localtime()
    moment = local.replace(hour=hours[0], minute=5, second=0, microsecond=0)
    return moment if moment > local else moment + timedelta(days=1)


def _stop(api, phone: str):
    raw = json.dumps({"events": [{"type": "stop", "phone": phone}]}).encode()
    signature = hmac.new(SECRET.encode(), raw, hashlib.sha256).hexdigest()
    return api.post(
        "/api/v1/review-requests/sms-events/",
        raw,
        content_type="application/json",
        HTTP_X_ELDO_SIGNATURE=f"sha256={signature}",
    )


# --- Reminder schedule -----------------------------------------------------------------


def test_the_pro_s_own_reminder_days_are_followed(pro, committed, mailoutbox):
    _settings(pro, first_reminder_days=3, second_reminder_days=10)
    with committed():
        invitation, _token = invite(pro)
    mailoutbox.clear()
    _sent_days_ago(invitation, 2.9)
    with committed():
        assert invitation_reminders_send() == 0
    _sent_days_ago(invitation, 3.1)
    with committed():
        assert invitation_reminders_send() == 1
    ReviewInvitation.objects.filter(pk=invitation.pk).update(
        last_reminded_at=timezone.now() - timedelta(days=6)
    )
    _sent_days_ago(invitation, 9.9)
    with committed():
        assert invitation_reminders_send() == 0
    _sent_days_ago(invitation, 10.1)
    with committed():
        assert invitation_reminders_send() == 1
    assert [m.subject.startswith("Rappel") for m in mailoutbox] == [True, True]


def test_a_second_reminder_set_to_zero_means_a_single_reminder(pro, committed, mailoutbox):
    _settings(pro, first_reminder_days=5, second_reminder_days=0)
    with committed():
        invitation, _token = invite(pro)
    _sent_days_ago(invitation, 6)
    with committed():
        assert invitation_reminders_send() == 1
    ReviewInvitation.objects.filter(pk=invitation.pk).update(
        last_reminded_at=timezone.now() - timedelta(days=20)
    )
    _sent_days_ago(invitation, 25)
    with committed():
        assert invitation_reminders_send() == 0


def test_reminders_default_to_days_7_and_14(pro):
    timing = InvitationTiming(organization_id=pro.organization_id)
    assert sending.reminder_days(timing) == sending.reminder_days(None) == (7, 14)


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"first_reminder_days": 0}, "first_reminder_days"),
        ({"first_reminder_days": 30}, "first_reminder_days"),
        ({"first_reminder_days": 7, "second_reminder_days": 8}, "second_reminder_days"),
        ({"send_hour_start": 18, "send_hour_end": 9}, "send_hour_end"),
        ({"send_hour_start": 9, "send_hour_end": None}, "send_hour_end"),
        ({"intro_line": "Voir www.artisan-pas-cher.fr"}, "intro_line"),
        ({"intro_line": "Écrivez-moi : moi@artisan.fr"}, "intro_line"),
        ({"intro_line": "x" * 301}, "intro_line"),
    ],
)
def test_bad_settings_are_field_errors_in_french(pro, values, field):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as exc:
        _settings(pro, **values)
    assert set(exc.value.message_dict) == {field}


# --- Reminders by SMS, and every channel's opt-out ----------------------------------------


def test_a_texted_invitation_is_reminded_by_e_mail_and_sms(pro, committed, mailoutbox):
    with committed():
        invitation = _invite_with_phone(pro)
    assert len(core_sms.outbox) == 1
    _sent_days_ago(invitation, 8)
    with committed():
        assert invitation_reminders_send() == 1
    assert mailoutbox[-1].subject.startswith("Rappel")
    assert len(core_sms.outbox) == 2
    assert core_sms.outbox[-1].body.startswith("Rappel : Façades du Midi attend votre avis")


def test_no_reminder_on_any_channel_after_the_review(api, pro, committed, mailoutbox):
    with committed():
        invitation = _invite_with_phone(pro)
        token = invitation_token(invitation)
        response = api.post(
            "/api/v1/reviews/", review_payload(invitation_token=token), format="json"
        )
        assert response.status_code == 201
    mailoutbox.clear()
    core_sms.outbox.clear()
    _sent_days_ago(invitation, 8)
    with committed():
        assert invitation_reminders_send() == 0
    assert mailoutbox == [] and core_sms.outbox == []


def test_a_stop_by_sms_stops_the_e_mail_reminders_of_that_pro(
    api, pro, settings, committed, mailoutbox
):
    settings.REVIEWS_EMAIL_EVENTS_SECRET = SECRET
    with committed():
        invitation = _invite_with_phone(pro)
    assert _stop(api, "+33612345678").status_code == 200
    assert ReviewOptOut.objects.filter(pro_id=pro.id, email_hash=invitation.email_hash).exists()
    mailoutbox.clear()
    core_sms.outbox.clear()
    _sent_days_ago(invitation, 8)
    with committed():
        assert invitation_reminders_send() == 0
    assert mailoutbox == [] and core_sms.outbox == []


def test_an_e_mail_unsubscribe_stops_the_sms_too(client, pro, committed, mailoutbox):
    with committed():
        invitation = _invite_with_phone(pro)
    unsubscribe = mailoutbox[0].extra_headers["List-Unsubscribe"].strip("<>")
    assert client.post(unsubscribe, {"List-Unsubscribe": "One-Click"}).status_code == 200
    core_sms.outbox.clear()
    _sent_days_ago(invitation, 8)
    with committed():
        assert invitation_reminders_send() == 0
    # A late reminder event finds the opt-out too.
    assert deliver_late(ReviewReminderDue(invitation_id=invitation.pk, number=1)) == []
    assert core_sms.outbox == []


# --- Sending hours ------------------------------------------------------------------------


def test_an_invitation_created_outside_the_hours_waits_for_them(pro, committed, mailoutbox):
    hours = _closed_hours_now()
    _settings(pro, send_hour_start=hours[0], send_hour_end=hours[1])
    with committed():
        invitation = _invite_with_phone(pro)
    assert mailoutbox == [] and core_sms.outbox == []
    invitation.refresh_from_db()
    assert invitation.sent_at is None
    before = _inside(hours) - timedelta(hours=1)
    with committed():
        assert sending.queued_invitations_send(now=before) == 0
    with committed():
        assert sending.queued_invitations_send(now=_inside(hours)) == 1
        assert sending.queued_invitations_send(now=_inside(hours)) == 0  # once
    assert len(mailoutbox) == 1 and len(core_sms.outbox) == 1
    invitation.refresh_from_db()
    assert invitation.sent_at is not None


def test_the_platform_s_hours_apply_when_the_pro_set_none(pro, settings, committed, mailoutbox):
    settings.REVIEWS_SEND_HOUR_START, settings.REVIEWS_SEND_HOUR_END = _closed_hours_now()
    with committed():
        invite(pro)
    assert mailoutbox == []
    hour = timezone.localtime().hour
    _settings(pro, send_hour_start=hour, send_hour_end=hour + 1)  # the pro's own: open now
    with committed():
        assert sending.queued_invitations_send() == 1
    assert len(mailoutbox) == 1


def test_reminders_are_only_queued_inside_the_hours(pro, committed, mailoutbox):
    with committed():
        invitation, _token = invite(pro)
    mailoutbox.clear()
    hours = _closed_hours_now()
    _settings(pro, send_hour_start=hours[0], send_hour_end=hours[1])
    _sent_days_ago(invitation, 8)
    with committed():
        assert invitation_reminders_send() == 0
    hour = timezone.localtime().hour
    _settings(pro, send_hour_start=hour, send_hour_end=hour + 1)  # the hours open
    with committed():
        assert invitation_reminders_send() == 1
    assert [m.subject.startswith("Rappel") for m in mailoutbox] == [True]


def test_a_reminder_delivered_after_the_hours_closed_is_put_back(pro, committed, mailoutbox):
    with committed():
        invitation, _token = invite(pro)
    _sent_days_ago(invitation, 8)
    with committed():
        assert invitation_reminders_send() == 1  # any hour: queued and sent
    mailoutbox.clear()
    earlier = timezone.now() - timedelta(days=4)
    ReviewInvitation.objects.filter(pk=invitation.pk).update(
        reminders_sent=2, last_reminded_at=timezone.now()
    )
    hours = _closed_hours_now()
    _settings(pro, send_hour_start=hours[0], send_hour_end=hours[1])
    late = ReviewReminderDue(
        invitation_id=invitation.pk, number=2, previous_reminded_at=earlier.isoformat()
    )
    assert deliver_late(late) == []
    assert mailoutbox == []
    invitation.refresh_from_db()
    assert invitation.reminders_sent == 1 and invitation.last_reminded_at == earlier


def test_the_queued_invitations_run_from_beat_at_fixed_minutes(settings):
    from apps.reviews import tasks

    entry = settings.CELERY_BEAT_SCHEDULE["reviews-queued-invitations"]
    assert entry["task"] == tasks.queued_invitations_send.name
    assert isinstance(entry["schedule"], crontab)


# --- Intro line, e-mail parts and preview ---------------------------------------------------


def test_the_intro_line_is_in_both_parts_of_the_e_mail(pro, committed, mailoutbox):
    _settings(pro, intro_line="Merci de votre confiance, à bientôt sur un prochain chantier !")
    with committed():
        invite(pro)
    message = mailoutbox[0]
    html_part = message.alternatives[0][0]
    assert "Merci de votre confiance" in message.body and "Merci de votre confiance" in html_part
    # RFC 8058: one-click unsubscribe, and the plain-text part first.
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message.extra_headers["List-Unsubscribe"].startswith("<http")
    assert message.alternatives[0][1] == "text/html"


def test_the_owner_previews_then_saves_the_settings(client, owner, pro):
    client.login(username=owner.email, password=PASSWORD)
    form = {
        "days_after_work_end": "3",
        "days_after_won": "14",
        "first_reminder_days": "5",
        "second_reminder_days": "12",
        "send_hour_start": "8",
        "send_hour_end": "19",
        "intro_line": "Toute l'équipe vous remercie pour votre accueil.",
    }
    preview = client.post(PAGE, form | {"preview": "1"})
    assert preview.status_code == 200
    text = html.unescape(preview.content.decode()).replace("\xa0", " ")
    assert "« Toute l'équipe vous remercie pour votre accueil. »" in text
    assert not InvitationTiming.objects.exists()  # a preview saves nothing

    refused = client.post(PAGE, form | {"intro_line": "Promo sur https://exemple.com"})
    assert refused.status_code == 400
    assert "Pas de lien ni d'adresse e-mail" in html.unescape(refused.content.decode())
    assert not InvitationTiming.objects.exists()

    assert client.post(PAGE, form).status_code == 302
    timing = InvitationTiming.objects.get(organization_id=pro.organization_id)
    assert (timing.first_reminder_days, timing.second_reminder_days) == (5, 12)
    assert (timing.send_hour_start, timing.send_hour_end) == (8, 19)
    page = html.unescape(client.get(PAGE).content.decode()).replace("\xa0", " ")
    assert "de 8 h à 19 h" in page and "Toute l'équipe vous remercie" in page


def test_a_sales_rep_sees_the_preview_but_changes_nothing(client, sales_rep, pro):
    _settings(pro, intro_line="Un grand merci de la part de l'atelier.")
    client.login(username=sales_rep.email, password=PASSWORD)
    page = client.get(PAGE)
    assert page.status_code == 200
    assert page["Cache-Control"] and "no-store" in page["Cache-Control"]
    assert "Un grand merci de la part de l'atelier." in html.unescape(page.content.decode())
    assert client.post(PAGE, {"intro_line": "x", "preview": "1"}).status_code == 404
