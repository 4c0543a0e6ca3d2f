"""One-tap follow-up: "J'ai appelé le client", "Rendez-vous fixé", "Devis envoyé" (amount),
"Gagné" (amount), "Perdu" (reason), "Refuser" (reason) on the lead page and through
PATCH leads/{id}/; a refused lead frees its slot and goes back to the advisors with a
proposed replacement they dispatch in one click."""

from __future__ import annotations

from decimal import Decimal

import pytest

from apps.directory.models import ProLeadLoad
from apps.leads import services
from apps.leads.models import Lead

pytestmark = pytest.mark.django_db

INBOX = "/espace-pro/demandes/"
API = "/api/v1/leads/"
TRANSMISSIONS = "/conseiller/transmissions/"


@pytest.fixture
def lead(dispatch, facade_pros, midi_team):
    quote = dispatch(["facades-du-midi"])
    return Lead.objects.get(quote_id=quote.pk)


def _tap(client, lead, status, **fields):
    return client.post(
        f"{INBOX}{lead.pk}/", {"action": "status", "status": status, **fields}, follow=True
    )


def test_the_pro_follows_a_lead_in_one_tap_per_step(client, lead, midi_team):
    client.force_login(midi_team["owner"])
    # Opening writes nothing; the page then posts "viewed" (its script, or a button).
    assert "J'ai appelé le client" in client.get(f"{INBOX}{lead.pk}/").content.decode()
    # Without JavaScript, the "Marquer comme vue" button shows the page again.
    page = client.post(f"{INBOX}{lead.pk}/", {"action": "viewed"}, follow=True).content.decode()
    for label in ("J'ai appelé le client", "Rendez-vous fixé", "Devis envoyé", "Refuser"):
        assert label in page, label
    # Plain forms: the only script is the one that marks the lead viewed on opening.
    assert "<form" in page.split("<main", 1)[1]

    _tap(client, lead, "contacted")
    _tap(client, lead, "appointment")
    response = _tap(client, lead, "quote_sent", amount="12 500")
    lead.refresh_from_db()
    assert lead.status == "quote_sent" and lead.quote_amount == Decimal("12500")
    assert lead.contacted_at and lead.appointment_at and lead.quote_sent_at
    body = response.content.decode()
    assert "Statut mis à jour" in body and "12\u00a0500\u00a0€" in body
    _tap(client, lead, "won", amount="13 000,50")
    lead.refresh_from_db()
    assert lead.status == "won" and lead.won_amount == Decimal("13000.50")
    assert lead.quote_amount == Decimal("12500")
    assert "Cette demande est close" in client.get(f"{INBOX}{lead.pk}/").content.decode()


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("-5", "ne peut pas être négatif"),
        ("douze mille", "Saisissez un montant en euros"),
        ("NaN", "Saisissez un montant en euros"),
        ("10 000 000,01", "ne peut pas dépasser 10 000 000 €"),
    ],
)
def test_a_bad_amount_is_a_french_message_and_changes_nothing(
    client, lead, midi_team, amount, message
):
    client.force_login(midi_team["owner"])
    _tap(client, lead, "contacted")
    response = _tap(client, lead, "quote_sent", amount=amount)
    assert response.status_code == 200
    # French typography: no-break spaces inside numbers and before "€".
    assert message in response.content.decode().replace("\xa0", " ")
    lead.refresh_from_db()
    assert lead.status == "contacted" and lead.quote_amount is None


def test_lost_and_refused_take_a_reason_from_the_list(client, dispatch, midi_team):
    client.force_login(midi_team["owner"])
    first = Lead.objects.get(quote_id=dispatch(["facades-du-midi"]).pk)
    _tap(client, first, "contacted")
    _tap(client, first, "lost", reason_code="price")
    first.refresh_from_db()
    assert first.status == "lost" and first.reason_code == "price"
    assert first.reason == "Prix jugé trop élevé"

    second = Lead.objects.get(quote_id=dispatch(["facades-du-midi"]).pk)
    response = _tap(client, second, "declined")
    assert "Indiquez pourquoi vous refusez" in response.content.decode()
    _tap(client, second, "declined", reason_code="out_of_area")
    second.refresh_from_db()
    assert second.status == "declined" and second.reason == "Hors zone"


def test_the_api_follows_the_same_steps_with_amounts(api_as, lead, midi_team):
    api = api_as(midi_team["owner"])
    url = f"{API}{lead.pk}/"
    assert api.get(url).json()["next_statuses"] == ["viewed", "contacted", "declined"]
    assert api.patch(url, {"status": "contacted"}, format="json").status_code == 200
    assert api.patch(url, {"status": "appointment"}, format="json").status_code == 200
    for bad in (-1, "abc", "NaN", "Infinity", 10_000_000.01, "1e9", True):
        response = api.patch(url, {"status": "quote_sent", "quote_amount": bad}, format="json")
        assert response.status_code == 400, (bad, response.content)
        assert list(response.json()) == ["quote_amount"], bad
    # An amount without its step is a field error too.
    response = api.patch(url, {"won_amount": 100}, format="json")
    assert response.status_code == 400 and "won_amount" in response.json()
    response = api.patch(url, {"status": "quote_sent", "quote_amount": "12500"}, format="json")
    assert response.status_code == 200
    assert response.json()["quote_amount"] == "12500.00"
    # A correction without a status change.
    response = api.patch(url, {"quote_amount": 12800}, format="json")
    assert response.json()["quote_amount"] == "12800.00"
    response = api.patch(url, {"status": "won", "won_amount": 12800}, format="json")
    body = response.json()
    assert body["status"] == "won" and body["won_amount"] == "12800.00"
    assert body["appointment_at"] and body["next_statuses"] == []


def test_an_invalid_transition_is_409_with_a_french_message(api_as, lead, midi_team):
    response = api_as(midi_team["owner"]).patch(
        f"{API}{lead.pk}/", {"status": "won"}, format="json"
    )
    assert response.status_code == 409
    assert "Impossible de passer la demande" in response.content.decode()


def test_refusal_through_the_api_keeps_backwards_compatibility(api_as, dispatch, midi_team):
    api = api_as(midi_team["owner"])
    words = Lead.objects.get(quote_id=dispatch(["facades-du-midi"]).pk)
    response = api.patch(
        f"{API}{words.pk}/", {"status": "declined", "reason": "Planning complet"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["reason"] == "Planning complet"
    assert response.json()["reason_code"] == "other"
    coded = Lead.objects.get(quote_id=dispatch(["facades-du-midi"]).pk)
    response = api.patch(
        f"{API}{coded.pk}/", {"status": "declined", "reason_code": "hors-zone"}, format="json"
    )
    assert response.status_code == 400 and "reason_code" in response.json()
    response = api.patch(
        f"{API}{coded.pk}/",
        {"status": "declined", "reason_code": "unavailable", "reason": "Congés en août"},
        format="json",
    )
    assert response.json()["reason"] == "Pas disponible : Congés en août"


def test_a_sales_rep_acting_on_a_lead_not_assigned_to_it_gets_404(client, api_as, lead, midi_team):
    rep = midi_team["rep"]
    response = api_as(rep).patch(f"{API}{lead.pk}/", {"status": "contacted"}, format="json")
    assert response.status_code == 404
    client.force_login(rep)
    response = client.post(f"{INBOX}{lead.pk}/", {"action": "status", "status": "contacted"})
    assert response.status_code == 404
    lead.refresh_from_db()
    assert lead.status == "sent"


def test_a_refused_lead_frees_its_slot_once(
    api_as, lead, midi_team, facade_pros, django_capture_on_commit_callbacks
):
    pro_id = facade_pros["midi"].id
    assert ProLeadLoad.objects.get(pro_id=pro_id).leads_this_month == 1
    with django_capture_on_commit_callbacks(execute=True):
        api_as(midi_team["owner"]).patch(
            f"{API}{lead.pk}/", {"status": "declined", "reason_code": "unavailable"}, format="json"
        )
    assert ProLeadLoad.objects.get(pro_id=pro_id).leads_this_month == 0
    lead.refresh_from_db()
    assert lead.slot_released_at is not None
    assert services.lead_slot_release(lead_id=lead.pk) is False  # a redelivery
    assert ProLeadLoad.objects.get(pro_id=pro_id).leads_this_month == 0


def test_the_advisor_replaces_a_refused_lead_in_one_click(
    client, api_as, lead, midi_team, advisor, facade_pros, mailoutbox,
    django_capture_on_commit_callbacks, django_assert_max_num_queries,
):  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        api_as(midi_team["owner"]).patch(
            f"{API}{lead.pk}/", {"status": "declined", "reason_code": "out_of_trade"}, format="json"
        )
    client.force_login(advisor)
    with django_assert_max_num_queries(30):
        body = client.get(TRANSMISSIONS).content.decode()
    assert "Refusées par l'artisan" in body and "Hors métier" in body
    assert f'action="{TRANSMISSIONS}{lead.pk}/reattribuer/"' in body
    assert 'name="pro" value="enduits-de-garonne"' in body  # the proposed replacement
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"{TRANSMISSIONS}{lead.pk}/reattribuer/", {"pro": "enduits-de-garonne"}, follow=True
        )
    assert "Demande réattribuée à Enduits de Garonne" in response.content.decode()
    lead.refresh_from_db()
    assert lead.status == "declined"  # the pro's refusal stays on record
    assert lead.replaced_by.pro_id == facade_pros["garonne"].id
    assert any("un autre artisan" in m.subject for m in mailoutbox)
    # Gone from the list; a second replacement is refused.
    listing = client.get(TRANSMISSIONS).content.decode()
    assert f"{TRANSMISSIONS}{lead.pk}/reattribuer/" not in listing
    response = client.post(
        f"{TRANSMISSIONS}{lead.pk}/reattribuer/", {"pro": "facades-du-lauragais"}
    )
    assert response.status_code == 409
