"""Signed outbound webhooks of a network, against a real local receiver (http.server on
127.0.0.1 in a thread): the documented snippet verifies the signature, a 500 is retried then
delivered, a slow receiver times out without blocking, "échec" after the last attempt and
"Rejouer", private addresses refused in production, another network's webhooks not found."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.utils import timezone

from apps.accounts.tests.factories import MembershipFactory, OrganizationFactory, UserFactory
from apps.leads import services, tasks, webhooks
from apps.leads.models import Lead, WebhookDelivery, WebhookEndpoint
from apps.leads.selectors import viewer_for

pytestmark = pytest.mark.django_db

PAGE = "/espace-pro/reseau/webhooks/"


def verify(secret: str, signature_header: str, body: bytes, tolerance: int = 300) -> bool:
    """The verification snippet of docs/leads.md, word for word."""
    parts = dict(item.split("=", 1) for item in signature_header.split(","))
    timestamp = int(parts["t"])
    if abs(time.time() - timestamp) > tolerance:
        return False  # too old: a replayed request
    expected = hmac.new(
        secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256
    ).hexdigest()
    return hmac.compare_digest(expected, parts["v1"])


class Receiver:
    """Answers each POST with the next status of ``statuses`` (the last one repeats), after
    ``delay`` seconds; keeps what it received."""

    def __init__(self, statuses=(200,), delay: float = 0.0):
        self.statuses, self.delay, self.received = list(statuses), delay, []
        self.times: list[float] = []  # time.time() of each request's arrival
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append((dict(self.headers), body))
                receiver.times.append(time.time())
                time.sleep(receiver.delay)
                status = (
                    receiver.statuses.pop(0) if len(receiver.statuses) > 1 else receiver.statuses[0]
                )
                try:
                    self.send_response(status)
                    self.end_headers()
                except OSError:
                    pass  # the client gave up (timeout)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/eldo"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver(settings):
    settings.LEADS_WEBHOOKS_ALLOW_PRIVATE = True  # a local receiver, as in development
    made = []

    def make(statuses=(200,), delay=0.0):
        made.append(Receiver(statuses, delay))
        return made[-1]

    yield make
    for r in made:
        r.close()


@pytest.fixture
def installer(network, facade_pros):
    services.network_installer_ensure(
        network_id=network["org"].pk, pro_id=facade_pros["midi"].id, department_codes=["31"]
    )
    return facade_pros["midi"]


def register(client, network, url) -> str:
    """The manager adds ``url`` on the page; returns the secret shown once."""
    client.force_login(network["manager"])
    response = client.post(PAGE, {"url": url})
    assert response.status_code == 200, response.content.decode()
    return re.search(r"<code>(whsec_[^<]+)</code>", response.content.decode()).group(1)


def push(network, django_capture_on_commit_callbacks, external_id="CRM-1") -> Lead:
    data = {
        "external_id": external_id,
        "category": "facade",
        "postcode": "31000",
        "first_name": "Jeanne",
        "email": "jeanne@exemple.fr",
        "phone": "0611223344",
        "description": "Reprise d'enduit sur pignon, 40 m².",
    }
    with django_capture_on_commit_callbacks(execute=True):
        lead, _created = services.inbound_lead_receive(
            viewer=viewer_for(network["manager"]), data=data
        )
    return lead


def make_due(delivery: WebhookDelivery) -> None:
    """Time passes: the next attempt is due."""
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        next_attempt_at=timezone.now() - timedelta(seconds=1)
    )


def test_lead_created_is_signed_and_verifies_with_the_snippet(
    client, network, installer, receiver, django_capture_on_commit_callbacks
):
    hook = receiver()
    secret = register(client, network, hook.url)
    assert secret not in client.get(PAGE).content.decode()  # shown once

    lead = push(network, django_capture_on_commit_callbacks)

    assert len(hook.received) == 1
    headers, body = hook.received[0]
    assert verify(secret, headers["Eldo-Signature"], body)
    assert not verify("whsec_wrong", headers["Eldo-Signature"], body)
    assert not verify(secret, headers["Eldo-Signature"], body + b" ")
    event = json.loads(body)
    assert event["type"] == "lead.created"
    assert headers["Eldo-Event-Id"] == event["id"]
    assert event["data"] == {
        "lead_id": lead.pk,
        "external_id": "CRM-1",
        "reference": lead.reference,
        "status": "sent",
        "installer": "facades-du-midi",
    }
    assert b"jeanne" not in body.lower() and b"0611223344" not in body  # no personal data
    page = client.get(PAGE).content.decode()
    assert "Livré" in page and "lead.created" in page and "200" in page


def test_status_change_and_expiry_are_announced_eldo_leads_are_not(
    client, network, installer, receiver, midi_team, dispatch, django_capture_on_commit_callbacks
):
    hook = receiver()
    register(client, network, hook.url)
    lead = push(network, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        services.lead_update(
            viewer=viewer_for(midi_team["owner"]), lead_id=lead.pk, status="contacted"
        )
    other = push(network, django_capture_on_commit_callbacks, external_id="CRM-2")
    with django_capture_on_commit_callbacks(execute=True):
        # What the first-contact deadline does when the lead is closed as expired.
        services._transition(
            Lead.objects.get(pk=other.pk), to="expired", actor_id=None, now=timezone.now()
        )
    dispatch(["facades-du-midi"])  # an Eldo request: not the network's, no webhook
    events = [json.loads(body) for _headers, body in hook.received]
    assert [(e["type"], e["data"]["lead_id"]) for e in events] == [
        ("lead.created", lead.pk),
        ("lead.status_changed", lead.pk),
        ("lead.created", other.pk),
        ("lead.expired", other.pk),
    ]
    assert events[1]["data"]["status"] == "contacted"
    assert events[1]["data"]["previous_status"] == "sent"
    assert len({e["id"] for e in events}) == 4


def test_a_500_is_retried_then_delivered_with_the_same_event_id(
    client, network, installer, receiver, django_capture_on_commit_callbacks
):
    hook = receiver(statuses=[500, 200])
    secret = register(client, network, hook.url)
    push(network, django_capture_on_commit_callbacks)
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "pending" and delivery.last_response_code == 500
    wait = delivery.next_attempt_at - timezone.now()
    assert timedelta(seconds=50) < wait <= timedelta(minutes=1)  # first retry after 1 min

    assert tasks.webhooks_send_due() == 0  # not due yet: nothing sent
    make_due(delivery)
    assert tasks.webhooks_send_due() == 1
    delivery.refresh_from_db()
    assert delivery.status == "succeeded" and delivery.attempts == 2
    assert [a.response_code for a in delivery.log.all()] == [200, 500]
    (h1, b1), (h2, b2) = hook.received
    assert h1["Eldo-Event-Id"] == h2["Eldo-Event-Id"] and b1 == b2
    assert verify(secret, h2["Eldo-Signature"], b2)
    assert tasks.webhook_send(delivery.pk) == "done"  # idempotent: never sent twice
    assert len(hook.received) == 2


def test_a_slow_receiver_times_out_without_blocking(
    client, network, installer, receiver, settings, django_capture_on_commit_callbacks
):
    settings.LEADS_WEBHOOKS_READ_TIMEOUT = 0.3
    hook = receiver(delay=2.0)
    register(client, network, hook.url)
    started = time.monotonic()
    push(network, django_capture_on_commit_callbacks)
    assert time.monotonic() - started < 1.8  # gave up after the read timeout
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "pending" and delivery.last_error == "Délai dépassé"
    assert delivery.next_attempt_at > timezone.now()


def test_the_outbox_handler_only_queues_the_task_the_post_happens_there(
    client, network, installer, receiver, monkeypatch, django_capture_on_commit_callbacks
):
    """A slow or failing receiver cannot slow dispatch: the event's handler records the
    delivery and queues ``leads.webhook_send``; the POST happens in the worker."""
    hook = receiver(delay=2.0)
    register(client, network, hook.url)
    queued = []
    monkeypatch.setattr(tasks.webhook_send, "delay", queued.append)
    started = time.monotonic()
    lead = push(network, django_capture_on_commit_callbacks)
    assert time.monotonic() - started < 1.0
    assert Lead.objects.get(pk=lead.pk).status == "sent"
    delivery = WebhookDelivery.objects.get()
    assert queued == [delivery.pk] and hook.received == []
    assert delivery.status == "pending" and delivery.attempts == 0


def test_retry_schedule_covers_a_day_then_fails_and_replays(
    client, network, installer, receiver, django_capture_on_commit_callbacks
):
    total = sum(webhooks.RETRY_DELAYS)
    assert webhooks.RETRY_DELAYS[:4] == (1, 2, 4, 8) and max(webhooks.RETRY_DELAYS) == 360
    assert total >= 24 * 60 and webhooks.MAX_ATTEMPTS >= 12

    hook = receiver(statuses=[503])
    register(client, network, hook.url)
    push(network, django_capture_on_commit_callbacks)
    delivery = WebhookDelivery.objects.get()
    for _ in range(webhooks.MAX_ATTEMPTS - 1):
        make_due(delivery)
        webhooks.delivery_send(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert delivery.status == "failed" and delivery.next_attempt_at is None
    assert len(hook.received) == webhooks.MAX_ATTEMPTS
    page = client.get(PAGE).content.decode()
    assert "Échec" in page and "Rejouer" in page and "503" in page

    hook.statuses = [200]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"{PAGE}livraisons/{delivery.pk}/rejouer/")
    assert response.status_code == 302
    delivery.refresh_from_db()
    assert delivery.status == "succeeded"
    assert delivery.log.count() == webhooks.MAX_ATTEMPTS + 1  # the earlier attempts are kept


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://93.184.216.34/hook", "https://"),
        ("https://127.0.0.1/hook", "réseau privé ou local"),
        ("https://10.1.2.3/hook", "réseau privé ou local"),
        ("https://192.168.1.10/hook", "réseau privé ou local"),
        ("https://169.254.169.254/latest", "réseau privé ou local"),
        ("https://[::1]/hook", "réseau privé ou local"),
        ("pas une adresse", "adresse web complète"),
    ],
)
def test_private_or_plain_http_urls_are_refused_in_production(
    client, network, settings, url, message
):
    settings.LEADS_WEBHOOKS_ALLOW_PRIVATE = False
    client.force_login(network["manager"])
    response = client.post(PAGE, {"url": url})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not WebhookEndpoint.objects.exists()


def test_a_public_https_url_is_accepted_in_production(client, network, settings):
    settings.LEADS_WEBHOOKS_ALLOW_PRIVATE = False
    client.force_login(network["manager"])
    assert client.post(PAGE, {"url": "https://93.184.216.34/hook"}).status_code == 200
    assert WebhookEndpoint.objects.get().url == "https://93.184.216.34/hook"


def test_disable_then_delete(
    client, network, installer, receiver, django_capture_on_commit_callbacks
):
    hook = receiver()
    register(client, network, hook.url)
    endpoint = WebhookEndpoint.objects.get()
    assert client.post(f"{PAGE}{endpoint.pk}/activer/", {"active": "0"}).status_code == 302
    push(network, django_capture_on_commit_callbacks)
    assert hook.received == [] and not WebhookDelivery.objects.exists()
    assert "Désactivé" in client.get(PAGE).content.decode()
    assert client.post(f"{PAGE}{endpoint.pk}/supprimer/").status_code == 302
    assert not WebhookEndpoint.objects.exists()


def test_another_network_cannot_see_or_touch_the_webhooks(
    client, network, installer, receiver, midi_team, django_capture_on_commit_callbacks
):
    hook = receiver(statuses=[500])
    register(client, network, hook.url)
    push(network, django_capture_on_commit_callbacks)
    endpoint, delivery = WebhookEndpoint.objects.get(), WebhookDelivery.objects.get()
    WebhookDelivery.objects.filter(pk=delivery.pk).update(status="failed")
    other = OrganizationFactory(name="Autre réseau", slug="autre-reseau", kind="network")
    manager = UserFactory(email="zoe@autre-reseau.fr")
    MembershipFactory(user=manager, organization=other, role="manager")
    client.force_login(manager)
    assert hook.url not in client.get(PAGE).content.decode()
    assert client.post(f"{PAGE}{endpoint.pk}/activer/", {"active": "0"}).status_code == 404
    assert client.post(f"{PAGE}{endpoint.pk}/supprimer/").status_code == 404
    assert client.post(f"{PAGE}livraisons/{delivery.pk}/rejouer/").status_code == 404
    endpoint.refresh_from_db()
    assert endpoint.is_active and WebhookDelivery.objects.get().status == "failed"
    client.force_login(midi_team["owner"])
    assert client.get(PAGE).status_code == 404


def test_page_queries_stay_flat(
    client,
    network,
    installer,
    receiver,
    django_assert_max_num_queries,
    django_capture_on_commit_callbacks,
):
    hook = receiver(statuses=[500])
    register(client, network, hook.url)
    for n in range(5):
        push(network, django_capture_on_commit_callbacks, external_id=f"CRM-{n}")
    with django_assert_max_num_queries(20):
        assert client.get(PAGE).status_code == 200
