"""The confirmed-contact rate within 48 h: homeowners who answered "oui" to "L'artisan vous
a-t-il contacté ?" / homeowners asked, in the pro's, the network's and the platform's
statistics — fed only by the leads context's events."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from apps.core import outbox
from apps.core.models import HandledEvent, OutboxEvent
from apps.leads.models import Lead
from apps.leads.tasks import contact_checks_send_due
from apps.stats.models import LeadFact

pytestmark = pytest.mark.django_db


def _ask(leads, capture, mailoutbox) -> dict[int, dict[str, str]]:
    """Make the leads 49 h old, run the beat: {lead id: {"oui": path, "non": path}}."""
    Lead.objects.filter(pk__in=[lead.pk for lead in leads]).update(
        created_at=timezone.now() - timedelta(hours=49)
    )
    mailoutbox.clear()
    with capture(execute=True):
        contact_checks_send_due()
    links: dict[int, dict[str, str]] = {}
    for message in mailoutbox:
        for url in re.findall(r"https?://\S+reponse=\w+", message.body):
            path = re.sub(r"^https?://[^/]+", "", url)
            token = path.split("/")[3]
            from apps.leads.contact_check import contact_check_lead

            lead_id = contact_check_lead(token).pk
            links.setdefault(lead_id, {})[path.rsplit("=", 1)[1]] = path
    mailoutbox.clear()
    return links


def _answer(client, path: str, answer: str, capture) -> None:
    with capture(execute=True):
        assert client.post(path, {"answer": answer}).status_code == 200


def _rate(client, user, url: str) -> str:
    client.force_login(user)
    page = client.get(url).content.decode()
    section = page[page.index('data-figure="contact_confirmed_rate"') :]
    return re.search(r'class="stat__value">([^<]+)<', section)[1]


def test_the_rate_follows_the_homeowners_answers_in_pro_network_and_platform_stats(
    client,
    api_as,
    dispatch,
    facade_pros,
    midi_team,
    staff,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    capture = django_capture_on_commit_callbacks
    leads = [
        Lead.objects.get(quote_id=dispatch(["facades-du-midi"]).pk),
        Lead.objects.get(quote_id=dispatch(["facades-du-midi"]).pk),
    ]
    links = _ask(leads, capture, mailoutbox)
    assert set(links) == {lead.pk for lead in leads}
    assert LeadFact.objects.filter(contact_asked_at__isnull=False).count() == 2

    slug = facade_pros["midi"].slug
    api = api_as(midi_team["owner"])
    figures = api.get(f"/api/v1/stats/pros/{slug}/").json()["contact_confirmation"]
    assert (figures["asked"], figures["confirmed"], figures["confirmed_rate"]) == (2, 0, 0.0)
    assert _rate(client, midi_team["owner"], "/espace-pro/statistiques/") == "0 %"

    _answer(client, links[leads[0].pk]["oui"], "yes", capture)
    figures = api.get(f"/api/v1/stats/pros/{slug}/").json()["contact_confirmation"]
    assert (figures["confirmed"], figures["unanswered"], figures["confirmed_rate"]) == (1, 1, 50.0)
    assert _rate(client, midi_team["owner"], "/espace-pro/statistiques/") == "50 %"
    assert _rate(client, staff, "/conseiller/statistiques/") == "50 %"

    _answer(client, links[leads[1].pk]["non"], "no", capture)
    figures = api.get(f"/api/v1/stats/pros/{slug}/").json()["contact_confirmation"]
    assert (figures["confirmed"], figures["not_confirmed"], figures["unanswered"]) == (1, 1, 0)
    assert figures["confirmed_rate"] == 50.0
    assert [b["value"] for b in figures["breakdown"]] == [1, 1, 0]


def test_a_networks_figures_and_each_installers_rate(
    client,
    api_as,
    network,
    facade_pros,
    midi_team,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    from apps.leads import services

    capture = django_capture_on_commit_callbacks
    services.network_installer_ensure(network_id=network["org"].pk, pro_id=facade_pros["midi"].id)
    leads = []
    for n in range(3):
        with capture(execute=True):
            lead, _created = services.inbound_lead_receive(
                actor=network["manager"].actor,
                data={
                    "external_id": f"RCH-{n}",
                    "category": "facade",
                    "postcode": "31000",
                    "first_name": "Jeanne",
                    "email": f"jeanne{n}@exemple.fr",
                    "phone": "06 11 22 33 44",
                    "description": "Façade fissurée à reprendre entièrement.",
                },
            )
        leads.append(lead)
    links = _ask(leads, capture, mailoutbox)
    for lead, answer in zip(leads, ["oui", "oui", "non"], strict=True):
        _answer(client, links[lead.pk][answer], {"oui": "yes", "non": "no"}[answer], capture)

    data = api_as(network["manager"]).get(f"/api/v1/stats/networks/{network['org'].pk}/").json()
    assert data["contact_confirmation"]["confirmed_rate"] == 66.7
    (line,) = [i for i in data["installers"] if i["pro"]["slug"] == facade_pros["midi"].slug]
    assert line["contact_confirmed_rate"] == 66.7
    assert _rate(client, network["manager"], "/espace-pro/statistiques/") == "67 %"
    export = client.get("/espace-pro/statistiques/export.csv").content.decode("utf-8-sig")
    header, *lines = export.splitlines()
    assert header.endswith(";Contact confirmé par le particulier (%)")
    assert any(line.startswith("Façades du Midi;") and line.endswith(";66.7") for line in lines)


def test_a_redelivered_answer_counts_once(
    client, dispatch, midi_team, staff, mailoutbox, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    lead = Lead.objects.get(quote_id=dispatch(["facades-du-midi"]).pk)
    links = _ask([lead], capture, mailoutbox)
    _answer(client, links[lead.pk]["non"], "no", capture)
    event = OutboxEvent.objects.get(name="leads.LeadContactConfirmed")
    HandledEvent.objects.filter(event_id=event.pk).delete()
    OutboxEvent.objects.filter(pk=event.pk).update(delivered_at=None)
    outbox.deliver(event.pk)
    fact = LeadFact.objects.get(lead_id=lead.pk)
    assert (fact.contact_answer, fact.contact_asked_at is not None) == ("no", True)
    assert _rate(client, staff, "/conseiller/statistiques/") == "0 %"


def test_the_demo_shows_a_rate(year_of_stats, facade_pros):
    from apps.stats import selectors

    period = selectors.period_from_params({})
    figures = selectors.contact_confirmation(period=period, pro_id=facade_pros["midi"].id)
    assert figures["asked"] > 0 and figures["not_confirmed"] > 0
    assert 50 < figures["confirmed_rate"] < 100
