"""New-lead alerts by SMS and Web Push: each member's chosen channels, once per lead ×
member × channel whatever the redeliveries, no SMS at night (deferred to 08:00 Paris
time), and a failing provider retried then given up without failing the dispatch."""

from __future__ import annotations

import base64
import json
import os
import threading
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from zoneinfo import ZoneInfo

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.core.management import call_command

from apps.accounts.models import NotificationPreference, PushSubscription
from apps.core import outbox, sms
from apps.core.models import HandledEvent, OutboxEvent
from apps.leads import alerts
from apps.leads.models import Lead, LeadAlert

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")


def paris(*args) -> datetime:
    return datetime(*args, tzinfo=PARIS)


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


@pytest.fixture(autouse=True)
def _no_quiet_hours_unless_asked(settings):
    settings.LEADS_ALERTS_SMS_QUIET_START = 0
    settings.LEADS_ALERTS_SMS_QUIET_END = 0


@pytest.fixture
def quiet_hours(settings):
    settings.LEADS_ALERTS_SMS_QUIET_START = 20
    settings.LEADS_ALERTS_SMS_QUIET_END = 8


@pytest.fixture
def sms_for(midi_team):
    """Philippe wants SMS (and e-mail); Sophie SMS only; Karim keeps the default (e-mail)."""
    for user, phone, email in (
        (midi_team["owner"], "+33611111111", True),
        (midi_team["rep"], "+33622222222", False),
    ):
        user.phone = phone
        user.save(update_fields=["phone"])
        NotificationPreference.objects.create(user=user, new_lead_sms=True, new_lead_email=email)
    return midi_team


def _midi_lead(quote, facade_pros) -> Lead:
    return Lead.objects.get(quote_id=quote.pk, pro_id=facade_pros["midi"].id)


# --- quiet hours (fixed clock) ------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (paris(2026, 12, 3, 14, 0), paris(2026, 12, 3, 14, 0)),
        (paris(2026, 12, 3, 19, 59), paris(2026, 12, 3, 19, 59)),
        (paris(2026, 12, 3, 20, 0), paris(2026, 12, 4, 8, 0)),
        (paris(2026, 12, 3, 23, 30), paris(2026, 12, 4, 8, 0)),
        (paris(2026, 12, 4, 0, 15), paris(2026, 12, 4, 8, 0)),
        (paris(2026, 12, 4, 7, 59), paris(2026, 12, 4, 8, 0)),
        (paris(2026, 12, 4, 8, 0), paris(2026, 12, 4, 8, 0)),
        # The night summer time ends (25 Oct 2026): still 08:00 on the clock.
        (paris(2026, 10, 24, 22, 0), paris(2026, 10, 25, 8, 0)),
    ],
)
def test_no_sms_between_20_and_8_paris_time(quiet_hours, now, expected):
    assert alerts.sms_send_time(now) == expected
    assert alerts.sms_send_time(now).utcoffset() == expected.utcoffset()


# --- through the dispatch -----------------------------------------------------------------


def test_each_member_gets_the_channels_they_chose(dispatch, facade_pros, sms_for, mailoutbox):
    quote = dispatch(["facades-du-midi"])
    lead = _midi_lead(quote, facade_pros)
    assert sorted(m.to for m in sms.outbox) == ["+33611111111", "+33622222222"]
    assert all(f"/espace-pro/demandes/{lead.pk}/" in m.body for m in sms.outbox)
    assert all(m.body.startswith("Eldo : nouvelle demande de devis") for m in sms.outbox)
    [pro_mail] = [m for m in mailoutbox if m.subject.startswith("Nouvelle demande")]
    # Sophie turned e-mail off.
    assert set(pro_mail.to) == {"philippe@facades-du-midi.fr", "karim@facades-du-midi.fr"}
    rows = LeadAlert.objects.filter(lead=lead)
    assert {(a.user_id, a.channel, a.status) for a in rows} == {
        (sms_for["owner"].pk, "sms", "sent"),
        (sms_for["rep"].pk, "sms", "sent"),
    }
    assert all(a.sent_at and a.provider_id for a in rows)


def test_redelivery_sends_no_alert_twice(dispatch, facade_pros, sms_for):
    quote = dispatch(["facades-du-midi"])
    lead = _midi_lead(quote, facade_pros)
    assert len(sms.outbox) == 2
    event = OutboxEvent.objects.get(name="leads.LeadDispatched", payload__lead_id=lead.pk)
    # The event again, with its delivery records gone (a worker died before recording it),
    # the task again, the sweep again.
    HandledEvent.objects.filter(event_id=event.pk).delete()
    OutboxEvent.objects.filter(pk=event.pk).update(delivered_at=None)
    outbox.deliver(event.pk)
    alerts.alerts_schedule(lead_id=lead.pk)
    for alert in LeadAlert.objects.filter(lead=lead):
        assert alerts.alert_send(alert_id=alert.pk) == "skipped"
    alerts.alerts_send_due()
    assert len(sms.outbox) == 2
    assert LeadAlert.objects.filter(lead=lead).count() == 2


def test_a_night_dispatch_defers_sms_to_8_and_the_sweep_sends_them(
    dispatch, facade_pros, sms_for, quiet_hours
):
    with_lead = dispatch(["facades-du-midi"])
    lead = _midi_lead(with_lead, facade_pros)
    LeadAlert.objects.filter(lead=lead).delete()
    night = paris(2026, 12, 3, 22, 40)
    alerts.alerts_schedule(lead_id=lead.pk, now=night)
    sms.outbox.clear()
    rows = LeadAlert.objects.filter(lead=lead)
    assert {a.scheduled_for for a in rows} == {paris(2026, 12, 4, 8, 0)}
    assert alerts.alerts_send_due(now=paris(2026, 12, 4, 3, 0)) == 0
    # A task that arrives at night anyway (redelivered) waits too.
    assert {alerts.alert_send(alert_id=a.pk, now=paris(2026, 12, 4, 3, 0)) for a in rows} == {
        "not_due"
    }
    assert sms.outbox == []
    assert alerts.alerts_send_due(now=paris(2026, 12, 4, 8, 0, 30)) == 2
    assert len(sms.outbox) == 2
    assert alerts.alerts_send_due(now=paris(2026, 12, 4, 8, 1, 30)) == 0
    assert len(sms.outbox) == 2


def test_a_retry_falling_at_night_is_deferred_to_8(facade_pros, sms_for, dispatch, quiet_hours):
    lead = _midi_lead(dispatch(["facades-du-midi"]), facade_pros)
    alert = LeadAlert.objects.filter(lead=lead).first()
    LeadAlert.objects.filter(pk=alert.pk).update(
        status="pending", scheduled_for=paris(2026, 12, 3, 21, 0)
    )
    assert alerts.alert_send(alert_id=alert.pk, now=paris(2026, 12, 3, 21, 1)) == "deferred"
    alert.refresh_from_db()
    assert alert.scheduled_for == paris(2026, 12, 4, 8, 0)


class FailingSms(sms.BaseSmsBackend):
    calls = 0

    def send(self, message):
        FailingSms.calls += 1
        raise sms.SmsProviderError("503 from the provider", retryable=True)


def test_a_failing_sms_provider_never_fails_the_dispatch_then_is_retried_and_logged(
    dispatch, facade_pros, sms_for, settings, mailoutbox, caplog
):
    settings.SMS_BACKEND = f"{__name__}.FailingSms"
    FailingSms.calls = 0
    quote = dispatch(["facades-du-midi"])
    lead = _midi_lead(quote, facade_pros)
    # The dispatch went through: lead created, e-mail sent, event delivered.
    assert lead.notified_at is not None
    assert any(m.subject.startswith("Nouvelle demande") for m in mailoutbox)
    assert not OutboxEvent.objects.filter(
        name="leads.LeadDispatched", delivered_at__isnull=True
    ).exists()
    alert = LeadAlert.objects.get(lead=lead, user_id=sms_for["owner"].pk)
    assert (alert.status, alert.attempts) == ("pending", 1)
    start = alert.scheduled_for
    delays = []
    for _ in range(alerts.MAX_ATTEMPTS - 1):
        alerts.alert_send(alert_id=alert.pk, now=alert.scheduled_for)
        previous = alert.scheduled_for
        alert.refresh_from_db()
        delays.append(alert.scheduled_for - previous)
    assert alert.status == "failed" and alert.attempts == alerts.MAX_ATTEMPTS
    assert delays[:3] == [timedelta(minutes=2), timedelta(minutes=4), timedelta(minutes=8)]
    assert start > lead.created_at
    assert "failed for good" in caplog.text
    assert alerts.alert_send(alert_id=alert.pk) == "skipped"


def test_a_wrong_number_is_not_retried(dispatch, facade_pros, sms_for):
    sms_for["rep"].phone = "12"
    sms_for["rep"].save(update_fields=["phone"])
    lead = _midi_lead(dispatch(["facades-du-midi"]), facade_pros)
    alert = LeadAlert.objects.get(lead=lead, user_id=sms_for["rep"].pk)
    assert (alert.status, alert.attempts) == ("failed", 1)
    assert [m.to for m in sms.outbox] == ["+33611111111"]


# --- Web Push against a local push service ------------------------------------------------


class FakePushService(BaseHTTPRequestHandler):
    statuses: dict = {}
    received: list = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        FakePushService.received.append(
            {
                "path": self.path,
                "headers": {k.lower(): v for k, v in self.headers.items()},
                "body": body,
            }
        )
        self.send_response(self.statuses.get(self.path, 201))
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def push_service(settings):
    out = __import__("io").StringIO()
    call_command("vapid_keys", stdout=out)
    keys = dict(line.split("=", 1) for line in out.getvalue().split())
    settings.VAPID_PUBLIC_KEY = keys["VAPID_PUBLIC_KEY"]
    settings.VAPID_PRIVATE_KEY = keys["VAPID_PRIVATE_KEY"]
    server = HTTPServer(("127.0.0.1", 0), FakePushService)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    FakePushService.received = []
    FakePushService.statuses = {}
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def _browser_keys() -> tuple[str, str]:
    key = ec.generate_private_key(ec.SECP256R1())
    public = key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return _b64(public), _b64(os.urandom(16))


def test_push_goes_to_every_device_and_a_gone_device_is_removed(
    dispatch, facade_pros, midi_team, push_service
):
    owner = midi_team["owner"]
    NotificationPreference.objects.create(user=owner, new_lead_push=True)
    for path in ("/phone", "/laptop", "/old-tablet"):
        p256dh, auth = _browser_keys()
        # Stored directly: the API accepts only https push services (tested in accounts).
        PushSubscription.objects.create(
            user=owner, endpoint=push_service + path, p256dh=p256dh, auth=auth
        )
    FakePushService.statuses = {"/old-tablet": 410}
    lead = _midi_lead(dispatch(["facades-du-midi"]), facade_pros)
    assert sorted(r["path"] for r in FakePushService.received) == [
        "/laptop",
        "/old-tablet",
        "/phone",
    ]
    request = FakePushService.received[0]
    assert request["headers"]["content-encoding"] == "aes128gcm"
    assert request["headers"]["authorization"].lower().startswith("vapid t=")
    assert b"Nouvelle demande" not in request["body"]  # encrypted for the browser
    alert = LeadAlert.objects.get(lead=lead, user_id=owner.pk, channel="push")
    assert alert.status == "sent"
    assert set(PushSubscription.objects.values_list("endpoint", flat=True)) == {
        push_service + "/phone",
        push_service + "/laptop",
    }


def test_push_payload_names_the_lead(facade_pros, midi_team, dispatch):
    lead = _midi_lead(dispatch(["facades-du-midi"]), facade_pros)
    payload = alerts._texts(lead)["push"]
    assert payload["url"] == f"/espace-pro/demandes/{lead.pk}/"
    assert payload["title"] == "Nouvelle demande de devis"
    json.dumps(payload)


def test_a_push_service_error_is_retried(dispatch, facade_pros, midi_team, push_service):
    owner = midi_team["owner"]
    NotificationPreference.objects.create(user=owner, new_lead_push=True)
    p256dh, auth = _browser_keys()
    PushSubscription.objects.create(
        user=owner, endpoint=push_service + "/busy", p256dh=p256dh, auth=auth
    )
    FakePushService.statuses = {"/busy": 503}
    lead = _midi_lead(dispatch(["facades-du-midi"]), facade_pros)
    alert = LeadAlert.objects.get(lead=lead, channel="push")
    assert (alert.status, alert.attempts) == ("pending", 1)
    FakePushService.statuses = {}
    assert alerts.alert_send(alert_id=alert.pk, now=alert.scheduled_for) == "sent"
    assert PushSubscription.objects.count() == 1
