"""Signed outbound webhooks of a network, against a real local receiver (http.server on
127.0.0.1 in a thread): the documented snippet verifies the signature, a 500 is retried then
delivered, a slow receiver times out without blocking, "échec" after the last attempt and
"Rejouer", private addresses refused in production, a host re-pointed to 127.0.0.1 after the
check (DNS rebinding) never reached, TLS checked for the host name, redirects not followed,
another network's webhooks not found."""

from __future__ import annotations

import json
import re
import socket
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from apps.accounts.tests.factories import MembershipFactory, OrganizationFactory, UserFactory
from apps.leads import services, tasks, webhooks
from apps.leads.models import Lead, WebhookDelivery, WebhookEndpoint
from apps.leads.tests.webhook_receiver import Receiver, tls_files, verify

pytestmark = pytest.mark.django_db

PAGE = "/espace-pro/reseau/webhooks/"


@pytest.fixture
def receiver(settings):
    settings.LEADS_WEBHOOKS_ALLOW_PRIVATE = True  # a local receiver, as in development
    made = []

    def make(statuses=(200,), delay=0.0, **options):
        made.append(Receiver(statuses, delay, **options))
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
        lead, _created = services.inbound_lead_receive(actor=network["manager"].actor, data=data)
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
        services.lead_update(actor=midi_team["owner"].actor, lead_id=lead.pk, status="contacted")
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
        ("https://100.64.0.1/hook", "réseau privé ou local"),  # carrier-grade NAT
        ("https://[::ffff:127.0.0.1]/hook", "réseau privé ou local"),
        ("https://[64:ff9b::7f00:1]/hook", "réseau privé ou local"),  # NAT64 of 127.0.0.1
        ("https://[2002:a01:203::1]/hook", "réseau privé ou local"),  # 6to4 of 10.1.2.3
        ("https://exemple.fr:99999/hook", "adresse web complète"),
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


HOST = "hooks.reseau-confort.test"


@pytest.fixture
def resolver(monkeypatch):
    """DNS for HOST: each lookup takes the next answer of ``resolver.answers`` (the last one
    repeats); the lookups are kept. A connection to 93.184.216.34 (a public address) fails
    here, as nothing may leave the test machine; other names resolve as usual."""
    real = socket.getaddrinfo

    class Resolver:
        def __init__(self):
            self.answers, self.lookups = ["127.0.0.1"], []

        def __call__(self, host, port, *args, **kwargs):
            self.lookups.append(host)
            if host == HOST:
                answers = self.answers
                return real(answers.pop(0) if len(answers) > 1 else answers[0], port, *args)
            if host == "93.184.216.34":
                raise OSError(101, "Network is unreachable")
            return real(host, port, *args, **kwargs)

    fake = Resolver()
    monkeypatch.setattr(socket, "getaddrinfo", fake)
    return fake


@pytest.fixture
def tls(tmp_path, monkeypatch):
    """A certificate for HOST, signed by an authority the HTTP client trusts here."""
    files = tls_files(HOST, tmp_path)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", files["ca"])
    return files


def test_dns_rebinding_never_reaches_a_local_receiver(
    client,
    network,
    installer,
    receiver,
    resolver,
    tls,
    settings,
    django_capture_on_commit_callbacks,
):
    """The host answers a public address when the URL is added and when the attempt checks
    it, then 127.0.0.1 (where a receiver with a valid certificate for the host listens):
    the attempt connects to the address it checked, never to the local one."""
    hook = receiver(tls=tls)
    settings.LEADS_WEBHOOKS_ALLOW_PRIVATE = False  # production
    resolver.answers = ["93.184.216.34", "93.184.216.34", "127.0.0.1"]
    register(client, network, f"https://{HOST}:{hook.port}/eldo")
    push(network, django_capture_on_commit_callbacks)

    assert hook.received == [] and hook.sni == []
    assert resolver.lookups == [HOST, HOST, "93.184.216.34"]  # one lookup per check, pinned
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "pending" and delivery.last_error.startswith("Connexion impossible")

    make_due(delivery)  # the next attempt looks the host up again: refused before connecting
    webhooks.delivery_send(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert "réseau privé ou local" in delivery.last_error
    assert hook.received == [] and resolver.lookups[3:] == [HOST]


def test_tls_checks_the_host_name_while_connecting_to_the_checked_address(
    client,
    network,
    installer,
    receiver,
    resolver,
    tls,
    tmp_path,
    monkeypatch,
    django_capture_on_commit_callbacks,
):
    hook = receiver(tls=tls)
    secret = register(client, network, f"https://{HOST}:{hook.port}/eldo")
    push(network, django_capture_on_commit_callbacks)
    ((headers, body),) = hook.received
    assert headers["Host"] == f"{HOST}:{hook.port}" and hook.sni == [HOST]
    assert verify(secret, headers["Eldo-Signature"], body)
    assert WebhookDelivery.objects.get().status == "succeeded"

    # A certificate for another name, though signed by a trusted authority: refused.
    (tmp_path / "other").mkdir()
    other = tls_files("ailleurs.example.test", tmp_path / "other")
    bundle = tmp_path / "bundle.pem"
    bundle.write_text(Path(tls["ca"]).read_text() + Path(other["ca"]).read_text())
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(bundle))
    impostor = receiver(tls=other)
    WebhookEndpoint.objects.update(url=f"https://{HOST}:{impostor.port}/eldo")
    push(network, django_capture_on_commit_callbacks, external_id="CRM-2")
    failed = WebhookDelivery.objects.exclude(status="succeeded").get()
    assert failed.last_error == "Connexion impossible (SSLError)"
    assert impostor.received == []


def test_redirects_are_not_followed(
    client, network, installer, receiver, django_capture_on_commit_callbacks
):
    target = receiver()
    hook = receiver(statuses=[307], headers={"Location": target.url})
    register(client, network, hook.url)
    push(network, django_capture_on_commit_callbacks)
    assert len(hook.received) == 1 and target.received == []
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "pending" and delivery.last_response_code == 307


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
