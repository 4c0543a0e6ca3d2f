"""New-lead SMS alerts with a real Celery worker (CI's services pass): one SMS per member
whatever the redeliveries, and none during the quiet hours (deferred to their end)."""

from __future__ import annotations

import json
import tempfile
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from rest_framework.test import APIClient

from apps.accounts.models import NotificationPreference
from apps.core.models import OutboxEvent
from apps.leads.models import Lead, LeadAlert
from tests.integration.support import wait_until_worker_idle
from tests.integration.test_leads_services import qualified_request as _qualified_request
from tests.integration.test_leads_services import sent_mails
from tests.waiting import wait_for

qualified_request = _qualified_request

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

PARIS = ZoneInfo("Europe/Paris")
SMS_DIR = Path(tempfile.mkdtemp(prefix="eldo-sms-"))
QUIET = {"on": False}


@pytest.fixture
def worker_env() -> dict:
    """The worker writes SMS to files; quiet hours either off or covering the current hour."""
    for path in SMS_DIR.iterdir():
        path.unlink()
    hour = datetime.now(PARIS).hour
    start, end = (hour, (hour + 2) % 24) if QUIET["on"] else (0, 0)
    return {
        "SMS_BACKEND": "apps.core.sms.FileBackend",
        "SMS_FILE_PATH": str(SMS_DIR),
        "LEADS_ALERTS_SMS_QUIET_START": str(start),
        "LEADS_ALERTS_SMS_QUIET_END": str(end),
    }


def sent_sms() -> list[dict]:
    return [json.loads(p.read_text()) for p in sorted(SMS_DIR.iterdir())]


def _dispatch_with_sms_for_philippe(qualified_request) -> Lead:
    from apps.accounts.models import User

    philippe = User.objects.get(email="philippe@facades-du-midi.fr")
    philippe.phone = "+33611111111"
    philippe.save(update_fields=["phone"])
    NotificationPreference.objects.create(user=philippe, new_lead_sms=True)
    client = APIClient()
    client.force_authenticate(qualified_request["advisor"])
    response = client.post(
        f"/api/v1/quotes/{qualified_request['quote'].reference}/dispatch/",
        {"pros": ["facades-du-midi"]},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert wait_for(lambda: Lead.objects.exists(), timeout=30), "no lead created"
    return Lead.objects.get()


@pytest.fixture
def no_quiet_hours():
    QUIET["on"] = False


@pytest.fixture
def quiet_now():
    QUIET["on"] = True
    yield
    QUIET["on"] = False


def test_one_sms_per_member_whatever_the_redeliveries(
    no_quiet_hours, qualified_request, broker_and_worker
):
    redis, _mail_dir = broker_and_worker
    lead = _dispatch_with_sms_for_philippe(qualified_request)
    assert wait_for(lambda: len(sent_sms()) >= 1, timeout=30), "the SMS never left"
    [message] = sent_sms()
    assert message["to"] == "+33611111111"
    assert f"/espace-pro/demandes/{lead.pk}/" in message["body"]

    from apps.core.tasks import outbox_deliver, outbox_sweep
    from apps.leads.tasks import alert_send, alerts_send_due

    # Everything again: every event, the sweeps, the alert task itself.
    for event_id in OutboxEvent.objects.values_list("id", flat=True):
        outbox_deliver.delay(str(event_id))
    outbox_sweep.delay()
    alerts_send_due.delay()
    for alert in LeadAlert.objects.all():
        alert_send.delay(alert.pk)
        alert_send.delay(alert.pk)
    wait_until_worker_idle(redis)  # every one of them ran, and what it sent in turn
    assert len(sent_sms()) == 1
    assert list(LeadAlert.objects.values_list("channel", "status")) == [("sms", "sent")]


def test_no_sms_during_the_quiet_hours_deferred_to_their_end(
    quiet_now, qualified_request, broker_and_worker
):
    redis, mail_dir = broker_and_worker
    lead = _dispatch_with_sms_for_philippe(qualified_request)
    # The e-mail goes out at once; the SMS waits for the end of the quiet hours.
    assert wait_for(
        lambda: any(m["subject"].startswith("Nouvelle demande") for m in sent_mails(mail_dir)),
        timeout=30,
    )
    assert wait_for(lambda: LeadAlert.objects.filter(lead=lead).exists(), timeout=30)
    alert = LeadAlert.objects.get(lead=lead)
    end = (datetime.now(PARIS).hour + 2) % 24
    local = alert.scheduled_for.astimezone(PARIS)
    assert (local.hour, local.minute) == (end, 0)
    assert alert.scheduled_for > alert.created_at

    from apps.leads.tasks import alert_send, alerts_send_due

    alerts_send_due.delay()
    alert_send.delay(alert.pk)
    wait_until_worker_idle(redis)  # both ran: the quiet hours held the SMS back
    assert sent_sms() == []
    alert.refresh_from_db()
    assert alert.status == "pending"
