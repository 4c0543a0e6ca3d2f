"""The advisors' console pages: hidden from everybody else, the whole flow, French errors."""

from __future__ import annotations

import pytest

from apps.quotes import services
from apps.quotes.models import QuoteRequest

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("directory_data")]

QUEUE = "/conseiller/demandes/"


def _pages(reference: str) -> list[tuple[str, str, dict]]:
    base = f"{QUEUE}{reference}/"
    return [
        ("get", QUEUE, {}),
        ("get", base, {}),
        ("post", f"{base}prendre/", {}),
        ("post", f"{base}appel/", {"outcome": "reached"}),
        ("post", f"{base}qualifier/", {}),
        ("post", f"{base}refuser/", {"reason": "spam"}),
        ("post", f"{base}transmettre/", {"pros": ["facades-du-midi"]}),
    ]


@pytest.mark.parametrize("user_fixture", [None, "homeowner", "moderator"])
def test_the_console_does_not_exist_for_anyone_else(client, make_quote, request, user_fixture):
    if user_fixture:
        client.force_login(request.getfixturevalue(user_fixture))
    quote = make_quote()
    for method, url, data in _pages(quote.reference):
        assert getattr(client, method)(url, data).status_code == 404, url
    assert QuoteRequest.objects.get().status == "new"
    assert QUEUE not in client.get("/").content.decode()


def test_unknown_reference_is_404(client, advisor):
    client.force_login(advisor)
    for method, url, data in _pages("ELD-2026-999999")[1:]:
        assert getattr(client, method)(url, data).status_code == 404, url


def test_the_queue_lists_open_requests_with_filters(client, advisor, make_quote):
    client.force_login(advisor)
    toulouse = make_quote(description="Ravalement de façade côté rue, 60 m² environ.")
    bordeaux = make_quote(postcode="33000", category="toiture")
    closed = make_quote(postcode="31450")
    services.quote_reject(quote_id=closed.pk, actor=advisor.actor, reason="other")

    html = client.get(QUEUE).content.decode()
    assert 'href="/conseiller/demandes/"' in html  # the advisor's menu entry
    assert toulouse.reference in html and bordeaux.reference in html
    assert closed.reference not in html
    assert "2 demandes" in html

    filtered = client.get(QUEUE, {"department": "33"}).content.decode()
    assert bordeaux.reference in filtered and toulouse.reference not in filtered
    by_trade = client.get(QUEUE, {"category": "toiture"}).content.decode()
    assert bordeaux.reference in by_trade and toulouse.reference not in by_trade
    rejected = client.get(QUEUE, {"status": "rejected"}).content.decode()
    assert closed.reference in rejected and toulouse.reference not in rejected
    bad = client.get(QUEUE, {"department": "XX", "status": "perdue"})
    assert bad.status_code == 200
    assert "Code de département inconnu" in bad.content.decode()


def test_queue_query_count_does_not_grow_with_the_page(
    client, advisor, make_quote, django_assert_max_num_queries
):
    client.force_login(advisor)
    for _ in range(3):
        services.quote_claim(quote_id=make_quote().pk, actor=advisor.actor)
    client.get(QUEUE)  # warm the session
    with django_assert_max_num_queries(9) as few:  # 7, the OTP device, the Actor (one query)
        client.get(QUEUE)
    for _ in range(30):
        make_quote()
    with django_assert_max_num_queries(len(few.captured_queries)):
        html = client.get(QUEUE).content.decode()
    assert "33 demandes" in html


def test_detail_query_count_is_bounded(
    client, advisor, make_quote, facade_pros, django_assert_max_num_queries
):
    client.force_login(advisor)
    quote = make_quote()
    services.quote_claim(quote_id=quote.pk, actor=advisor.actor)
    for outcome in ("no_answer", "voicemail"):
        services.quote_call_log(quote_id=quote.pk, actor=advisor.actor, outcome=outcome)
    services.quote_call_log(quote_id=quote.pk, actor=advisor.actor, outcome="reached")
    services.quote_qualify(quote_id=quote.pk, actor=advisor.actor, changes={})
    with django_assert_max_num_queries(18):  # 15, the notes, the OTP device, the Actor
        response = client.get(f"{QUEUE}{quote.reference}/")
    assert response.status_code == 200


def test_full_flow_through_the_console(client, advisor, make_quote, facade_pros, mailoutbox):
    quote = make_quote(budget_range="", timeline="")
    client.force_login(advisor)
    url = f"{QUEUE}{quote.reference}/"

    page = client.get(url).content.decode()
    assert "Prendre en charge" in page
    assert "06 12 34 56 78" in page

    claimed = client.post(f"{url}prendre/", follow=True)
    html = claimed.content.decode()
    assert "Demande prise en charge" in html
    assert "Noter un appel" in html and "Qualifier le projet" in html

    called = client.post(
        f"{url}appel/",
        {"outcome": "reached", "notes": "Projet confirmé au téléphone."},
        follow=True,
    )
    assert "Appel enregistré" in called.content.decode()
    assert "Projet confirmé au téléphone." in called.content.decode()

    form = {
        "category": "facade",
        "description": quote.description,
        "postcode": "31000",
        "commune": "Toulouse",
        "address": "4 rue des Lilas",
        "property_type": "house",
        "budget_range": "5k_15k",
        "timeline": "3_months",
        "first_name": "Luce",
        "last_name": "Moreau",
        "email": quote.email,
        "phone": "06 12 34 56 78",
    }
    missing = client.post(f"{url}qualifier/", {**form, "budget_range": ""})
    assert missing.status_code == 200
    assert "Le budget est nécessaire pour qualifier la demande" in missing.content.decode()

    qualified = client.post(f"{url}qualifier/", form, follow=True)
    html = qualified.content.decode()
    assert "Projet qualifié" in html
    assert "Artisans suggérés" in html
    assert "Capacité restante : calculée à la transmission" in html
    assert "Façades du Midi" in html and "Intervient dans le département 31" in html
    assert "Façades Bordelaises" not in html

    too_many = client.post(
        f"{url}transmettre/",
        {
            "pros": [
                "facades-du-midi",
                "enduits-de-garonne",
                "ville-rose-facades",
                "facades-du-lauragais",
            ]
        },
    )
    assert "trois artisans au plus" in too_many.content.decode()

    dispatched = client.post(
        f"{url}transmettre/", {"pros": ["facades-du-midi", "enduits-de-garonne"]}, follow=True
    )
    html = dispatched.content.decode()
    assert "Demande transmise" in html
    quote.refresh_from_db()
    assert quote.status == "dispatched"
    assert quote.address == "4 rue des Lilas"
    assert list(quote.dispatches.values_list("pro_slug", flat=True)) == [
        "facades-du-midi",
        "enduits-de-garonne",
    ]


def test_a_conflict_is_explained_on_the_page_with_409(client, advisor, other_advisor, make_quote):
    quote = make_quote()
    services.quote_claim(quote_id=quote.pk, actor=advisor.actor)
    client.force_login(other_advisor)
    response = client.post(f"{QUEUE}{quote.reference}/prendre/")
    assert response.status_code == 409
    html = response.content.decode()
    assert "déjà prise en charge par Camille Durand" in html
    assert "Cette demande est suivie par Camille Durand" in html


def test_bad_call_input_is_shown_next_to_the_field(client, advisor, make_quote):
    quote = make_quote()
    services.quote_claim(quote_id=quote.pk, actor=advisor.actor)
    client.force_login(advisor)
    response = client.post(
        f"{QUEUE}{quote.reference}/appel/", {"outcome": "", "next_call_at": "bientôt"}
    )
    html = response.content.decode()
    assert "Choisissez le résultat de l&#x27;appel" in html
    assert "Saisissez une date et une heure valides" in html
    past = client.post(
        f"{QUEUE}{quote.reference}/appel/",
        {"outcome": "no_answer", "next_call_at": "2020-01-01T10:00"},
    )
    assert "La date de rappel doit être dans le futur" in past.content.decode()


def test_rejecting_from_the_console(client, advisor, make_quote, mailoutbox):
    quote = make_quote()
    client.force_login(advisor)
    missing = client.post(f"{QUEUE}{quote.reference}/refuser/", {"reason": ""})
    assert "Choisissez un motif de refus" in missing.content.decode()
    done = client.post(
        f"{QUEUE}{quote.reference}/refuser/",
        {"reason": "out_of_scope", "note": "Hors champ."},
        follow=True,
    )
    assert "Demande refusée" in done.content.decode()
    quote.refresh_from_db()
    assert (quote.status, quote.rejection_reason) == ("rejected", "out_of_scope")
