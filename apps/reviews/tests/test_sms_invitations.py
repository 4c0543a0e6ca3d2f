"""Invitations by SMS: a French mobile per invitation or CSV row (anything else: a field
error, the row skipped), a short signed link, one review slot for e-mail and SMS, and a STOP
reply (the provider's signed callback) that opts the number out."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from apps.core import sms as core_sms
from apps.reviews import invitations
from apps.reviews.models import ReviewInvitation, SmsOptOut
from apps.reviews.tests.support import review_payload

pytestmark = pytest.mark.django_db

SECRET = "sms-events-secret-for-tests"
EVENTS = "/api/v1/review-requests/sms-events/"


@pytest.fixture(autouse=True)
def sms_outbox(settings):
    settings.SMS_BACKEND = "apps.core.sms.LocmemBackend"
    settings.REVIEWS_EMAIL_EVENTS_SECRET = SECRET
    core_sms.outbox.clear()
    return core_sms.outbox


def _invite(pro, *, email="jeanne@exemple.fr", phone="06 12 34 56 78"):
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


def _signed(api, payload, secret=SECRET):
    raw = json.dumps(payload).encode()
    signature = hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()
    return api.post(
        EVENTS, raw, content_type="application/json", HTTP_X_ELDO_SIGNATURE=f"sha256={signature}"
    )


@pytest.mark.parametrize("phone", ["06 12 34 56 78", "+33 7 12 34 56 78", "0033612345678"])
def test_a_french_mobile_is_kept_in_e164(pro, phone):
    invitation = _invite(pro, phone=phone)
    assert re.fullmatch(r"\+33[67]\d{8}", invitation.customer_phone)


@pytest.mark.parametrize("phone", ["01 23 45 67 89", "+44 7700 900123", "06 12", "bonjour"])
def test_a_number_that_is_not_a_french_mobile_is_a_field_error(pro, phone):
    with pytest.raises(ValidationError) as exc:
        _invite(pro, phone=phone)
    assert "mobile français" in exc.value.message_dict["customer_phone"][0]
    assert not ReviewInvitation.objects.exists()


def test_the_invitation_leaves_by_email_and_sms_with_a_short_signed_link(
    client, pro, committed, mailoutbox, sms_outbox
):
    with committed():
        invitation = _invite(pro)
    assert len(mailoutbox) == 1
    (message,) = sms_outbox
    assert message.to == "+33612345678"
    assert "STOP" in message.body and "Façades du Midi" in message.body
    url = re.search(r"https?://\S+/avis/i/(\S+)/", message.body)
    assert url and len(message.body) <= 160
    response = client.get(f"/avis/i/{url.group(1)}/")
    assert response.status_code == 302
    assert response["Location"].startswith("/avis/invitation/")
    invitation.refresh_from_db()
    assert invitation.sms_sent_at is not None
    # A forged or altered code: 404.
    pk36, signature = url.group(1).split("-")
    forged = "0" * 10 if signature != "0" * 10 else "1" * 10
    assert client.get(f"/avis/i/{pk36}-{forged}/").status_code == 404
    assert client.get("/avis/i/not-a-code/").status_code == 404


def test_one_slot_for_email_and_sms(pro, committed, api):
    with committed():
        invitation = _invite(pro)
    token = invitations.invitation_token(invitation)
    data = review_payload(invitation_token=token)
    del data["author_email"]
    assert api.post("/api/v1/reviews/", data, format="json").status_code == 201
    # The SMS link leads to the same invitation: already used.
    again = api.post("/api/v1/reviews/", data, format="json")
    assert again.status_code == 400
    # The same mobile under another address is not a second slot either.
    with pytest.raises(ValidationError) as exc:
        _invite(pro, email="jeanne.autre@exemple.fr")
    assert "déjà reçu une invitation" in exc.value.message_dict["customer_phone"][0]


def test_a_stop_reply_opts_the_number_out(pro, api, committed, sms_outbox):
    response = _signed(api, {"events": [{"type": "stop", "phone": "+33612345678"}]})
    assert response.status_code == 200 and response.json() == {"recorded": 1, "ignored": 0}
    assert _signed(api, {"events": [{"type": "STOP", "phone": "0612345678"}]}).json() == {
        "recorded": 0,
        "ignored": 1,
    }
    assert SmsOptOut.objects.count() == 1
    with pytest.raises(ValidationError) as exc:
        _invite(pro)
    assert "STOP" in exc.value.message_dict["customer_phone"][0]


def test_an_unsigned_stop_is_refused(api):
    raw = json.dumps({"events": [{"type": "stop", "phone": "+33612345678"}]})
    assert api.post(EVENTS, raw, content_type="application/json").status_code == 403
    assert _signed(api, {"events": []}, secret="wrong").status_code == 403
    assert not SmsOptOut.objects.exists()


def test_a_stopped_number_gets_no_sms_for_a_queued_invitation(pro, committed, sms_outbox):
    from apps.reviews.events import ReviewRequestCreated
    from apps.reviews.sms import sms_stop_record
    from apps.reviews.tests.support import deliver_late

    invitation = _invite(pro)  # queued: its messages leave after commit
    sms_stop_record("+33612345678")
    assert deliver_late(ReviewRequestCreated(invitation_id=invitation.pk, pro_id=pro.id)) == []
    assert sms_outbox == []


def test_csv_rows_with_a_bad_mobile_are_skipped_the_others_invited(pro, committed, sms_outbox):
    day = (timezone.localdate() - timedelta(days=10)).strftime("%d/%m/%Y")
    content = (
        "customer_name;customer_email;work_description;work_date;telephone\n"
        f"Jeanne;jeanne@exemple.fr;Ravalement;{day};06 12 34 56 78\n"
        f"Marc;marc@exemple.fr;Peinture;{day};01 23 45 67 89\n"
        f"Luc;luc@exemple.fr;Toiture;{day};\n"
    ).encode()
    upload = SimpleUploadedFile("clients.csv", content, content_type="text/csv")
    with committed():
        report = invitations.review_requests_import(
            pro_id=pro.id, organization_id=pro.organization_id, created_by_id=None, upload=upload
        )
    assert [i.customer_email for i in report.created] == ["jeanne@exemple.fr", "luc@exemple.fr"]
    (skipped,) = report.skipped
    assert skipped["line"] == 3 and "customer_phone" in skipped["errors"]
    assert [m.to for m in sms_outbox] == ["+33612345678"]


def test_the_api_takes_the_mobile_and_answers_400_on_a_landline(as_user, owner, pro, sms_outbox):
    api = as_user(owner)
    data = {
        "customer_name": "Jeanne Dupuis",
        "customer_email": "jeanne@exemple.fr",
        "work_description": "Ravalement de façade",
        "work_date": (timezone.localdate() - timedelta(days=20)).isoformat(),
    }
    bad = api.post("/api/v1/review-requests/", {**data, "customer_phone": "01 23 45 67 89"})
    assert bad.status_code == 400 and "customer_phone" in bad.json()
    good = api.post("/api/v1/review-requests/", {**data, "customer_phone": "07 12 34 56 78"})
    assert good.status_code == 201
    assert ReviewInvitation.objects.get().customer_phone == "+33712345678"
