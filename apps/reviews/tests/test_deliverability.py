"""Bounces and complaints: the provider's callback (signed), the pro's "adresse en erreur",
the suppression list they feed, and the pause of a pro whose rates pass the thresholds."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from apps.reviews.invitations import invitation_reminders_send, review_request_create
from apps.reviews.models import EmailSuppression, InvitationPolicy, ReviewInvitation
from apps.reviews.tests.support import invite, work_date

pytestmark = pytest.mark.django_db

URL = "/api/v1/review-requests/email-events/"
BREVO_URL = "/api/v1/review-requests/email-events/brevo/"
SECRET = "un-secret-partagé-avec-le-prestataire-de-mails"


@pytest.fixture(autouse=True)
def secret(settings):
    settings.REVIEWS_EMAIL_EVENTS_SECRET = SECRET
    settings.REVIEWS_STAFF_ALERT_EMAILS = ["qualite@eldo.fr"]


def _signed_post(api, payload, *, secret: str = SECRET):
    body = json.dumps(payload).encode()
    signature = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return api.post(
        URL, body, content_type="application/json", HTTP_X_ELDO_SIGNATURE=f"sha256={signature}"
    )


def _sent(pro, n: int, *, start: int = 0) -> list[ReviewInvitation]:
    made = []
    for i in range(start, start + n):
        invitation, _token = invite(pro, email=f"client{i}@exemple.fr")
        made.append(invitation)
    ReviewInvitation.objects.filter(pk__in=[i.pk for i in made]).update(sent_at=timezone.now())
    return made


def _request(**overrides) -> dict:
    return {
        "customer_name": "Jeanne Dupuis",
        "customer_email": "jeanne.dupuis@exemple.fr",
        "work_description": "Ravalement de façade",
        "work_date": work_date(20),
        **overrides,
    }


# --- The callback --------------------------------------------------------------------------


def test_an_unsigned_or_badly_signed_callback_is_refused(api, pro):
    (invitation,) = _sent(pro, 1)
    payload = {"events": [{"type": "bounce", "email": invitation.customer_email}]}
    assert api.post(URL, payload, format="json").status_code == 403
    assert _signed_post(api, payload, secret="pas-le-bon").status_code == 403
    assert not EmailSuppression.objects.exists()


def test_the_callback_is_closed_while_no_secret_is_set(api, pro, settings):
    settings.REVIEWS_EMAIL_EVENTS_SECRET = ""
    response = _signed_post(api, {"events": []}, secret="")
    assert response.status_code == 403


def test_a_bounce_stops_every_mail_to_that_address(api, as_user, owner, pro, other_pro, committed):
    (invitation,) = _sent(pro, 1)
    response = _signed_post(
        api,
        {
            "events": [
                {
                    "type": "bounce",
                    "email": invitation.customer_email.upper(),
                    "invitation_id": invitation.pk,
                    "detail": "550 5.1.1 user unknown",
                }
            ]
        },
    )
    assert response.status_code == 200, response.content
    assert response.json() == {"recorded": 1, "ignored": 0}
    invitation.refresh_from_db()
    assert invitation.bounced_at is not None
    suppression = EmailSuppression.objects.get()
    assert (suppression.reason, suppression.pro_id) == ("bounce", pro.id)
    # Replayed: nothing more.
    assert _signed_post(
        api, {"events": [{"type": "bounce", "email": invitation.customer_email}]}
    ).json() == {"recorded": 0, "ignored": 1}

    # No reminder for it, no new invitation to it, even from another pro.
    ReviewInvitation.objects.filter(pk=invitation.pk).update(
        sent_at=timezone.now() - timedelta(days=8)
    )
    with committed():
        assert invitation_reminders_send() == 0
    refused = as_user(owner).post(
        URL.replace("email-events/", ""),
        _request(customer_email=invitation.customer_email),
        format="json",
    )
    assert refused.status_code == 400
    assert "en erreur" in refused.json()["customer_email"][0]
    with pytest.raises(ValidationError):
        review_request_create(
            pro_id=other_pro.id,
            organization_id=other_pro.organization_id,
            created_by_id=None,
            customer_name="Jeanne",
            customer_email=invitation.customer_email,
            work_description="Toiture",
            work_date=timezone.localdate() - timedelta(days=3),
        )
    detail = as_user(owner).get(f"/api/v1/review-requests/{invitation.pk}/").json()
    assert detail["status"] == "undeliverable"


def test_a_queued_invitation_to_a_suppressed_address_is_not_sent(api, pro, committed, mailoutbox):
    with committed():
        invitation, _token = invite(pro, email="perdu@exemple.fr")
        # The address bounced for another message before the outbox delivered this one.
        EmailSuppression.objects.create(email_hash=invitation.email_hash, reason="bounce")
    assert mailoutbox == []


def test_unknown_types_and_bad_rows_are_ignored_not_500(api, pro):
    response = _signed_post(
        api,
        {
            "events": [
                {"type": "delivered", "email": "a@exemple.fr"},
                {"type": "bounce", "email": "pas-une-adresse"},
                {"type": "complaint"},
            ]
        },
    )
    assert response.status_code == 200
    assert response.json() == {"recorded": 0, "ignored": 3}
    assert _signed_post(api, {"events": "nope"}).status_code == 400


def test_brevo_webhooks_are_understood_with_their_bearer_token(api, pro):
    first, second = _sent(pro, 2)
    payload = [
        {"event": "hard_bounce", "email": first.customer_email, "reason": "user unknown"},
        {"event": "spam", "email": second.customer_email},
        {"event": "delivered", "email": "autre@exemple.fr"},
    ]
    assert api.post(BREVO_URL, payload, format="json").status_code == 403
    response = api.post(BREVO_URL, payload, format="json", HTTP_AUTHORIZATION=f"Bearer {SECRET}")
    assert response.status_code == 200, response.content
    assert response.json() == {"recorded": 2, "ignored": 1}
    reasons = dict(EmailSuppression.objects.values_list("email_hash", "reason"))
    assert reasons == {first.email_hash: "bounce", second.email_hash: "complaint"}
    # One event alone (Brevo's unbatched webhook) is a JSON object.
    (third,) = _sent(pro, 1, start=5)
    single = api.post(
        BREVO_URL,
        {"event": "hard_bounce", "email": third.customer_email},
        format="json",
        HTTP_AUTHORIZATION=f"Bearer {SECRET}",
    )
    assert single.json() == {"recorded": 1, "ignored": 0}


# --- The pro's "adresse en erreur" --------------------------------------------------------------


def test_the_pro_marks_an_address_in_error_from_the_back_office(client, owner, pro, other_owner):
    (invitation,) = _sent(pro, 1)
    client.force_login(other_owner)
    url = f"/espace-pro/invitations/{invitation.pk}/adresse-en-erreur/"
    assert client.post(url).status_code == 404  # another company's invitation
    client.force_login(owner)
    page = client.get("/espace-pro/invitations/").content.decode()
    assert f'action="{url}"' in page
    response = client.post(url)
    assert response.status_code == 302
    assert EmailSuppression.objects.get().reason == "manual"
    page = client.get("/espace-pro/invitations/").content.decode()
    assert f'action="{url}"' not in page  # done: the row shows its state instead
    assert "<td>Adresse en erreur</td>" in page


# --- The pause ------------------------------------------------------------------------------


def test_a_pro_over_the_bounce_rate_is_paused_and_staff_alerted(
    api, as_user, owner, pro, settings, committed
):
    settings.REVIEWS_DELIVERABILITY_MIN_SENT = 10
    settings.REVIEWS_BOUNCE_RATE_MAX = 0.1
    invitations_ = _sent(pro, 10)
    with committed():
        _signed_post(api, {"events": [{"type": "bounce", "email": invitations_[0].customer_email}]})
    assert InvitationPolicy.objects.get(organization_id=pro.organization_id).paused_at is None
    mail.outbox.clear()
    with committed():
        _signed_post(api, {"events": [{"type": "bounce", "email": invitations_[1].customer_email}]})

    policy = InvitationPolicy.objects.get(organization_id=pro.organization_id)
    assert policy.paused_at is not None
    assert "20\u00a0%" in policy.paused_reason
    (alert,) = mail.outbox
    assert alert.to == ["qualite@eldo.fr"]
    assert pro.name in alert.subject and "suspendues" in alert.subject

    refused = as_user(owner).post("/api/v1/review-requests/", _request(), format="json")
    assert refused.status_code == 409
    assert "suspendues" in refused.json()["detail"]

    # Nothing more leaves: a queued invitation waits, reminders are held.
    ReviewInvitation.objects.filter(pk__in=[i.pk for i in invitations_]).update(
        sent_at=timezone.now() - timedelta(days=8)
    )
    with committed():
        assert invitation_reminders_send() == 0
    assert mail.outbox == [alert]

    # Staff resume it in the admin: invitations go again.
    InvitationPolicy.objects.filter(pk=policy.pk).update(paused_at=None)
    with committed():
        assert (
            as_user(owner).post("/api/v1/review-requests/", _request(), format="json").status_code
            == 201
        )


def test_a_complaint_rate_over_the_threshold_pauses_too(api, pro, settings, committed):
    settings.REVIEWS_DELIVERABILITY_MIN_SENT = 10
    settings.REVIEWS_COMPLAINT_RATE_MAX = 0.05
    invitations_ = _sent(pro, 10)
    with committed():
        _signed_post(
            api, {"events": [{"type": "complaint", "email": invitations_[3].customer_email}]}
        )
    assert InvitationPolicy.objects.get(organization_id=pro.organization_id).paused_at is not None


def test_few_sends_never_pause(api, pro, settings, committed):
    settings.REVIEWS_DELIVERABILITY_MIN_SENT = 20
    invitations_ = _sent(pro, 5)
    with committed():
        for invitation in invitations_[:3]:
            _signed_post(api, {"events": [{"type": "bounce", "email": invitation.customer_email}]})
    assert not InvitationPolicy.objects.filter(
        organization_id=pro.organization_id, paused_at__isnull=False
    ).exists()


def test_the_manual_mark_does_not_count_against_the_pro(client, owner, pro, settings):
    settings.REVIEWS_DELIVERABILITY_MIN_SENT = 2
    invitations_ = _sent(pro, 2)
    client.force_login(owner)
    for invitation in invitations_:
        client.post(f"/espace-pro/invitations/{invitation.pk}/adresse-en-erreur/")
    assert not InvitationPolicy.objects.filter(
        organization_id=pro.organization_id, paused_at__isnull=False
    ).exists()


def test_an_invitation_queued_before_the_pause_does_not_leave(pro, mailoutbox):
    from apps.core import outbox

    invite(pro, email="en-attente@exemple.fr")  # its e-mail waits in the outbox
    InvitationPolicy.objects.filter(organization_id=pro.organization_id).update(
        paused_at=timezone.now()
    )
    outbox.sweep(grace_seconds=0)
    assert mailoutbox == []
    assert ReviewInvitation.objects.get().sent_at is None
