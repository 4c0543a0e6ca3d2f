"""GDPR end to end, through the API a homeowner uses: the export gathers what every
context holds about that person (and nothing about anyone else); erasing the account
empties the contact data everywhere, keeps the reviews under an anonymous name, and every
credential of the account stops working."""

from __future__ import annotations

import json

import pytest
from rest_framework.test import APIClient

from apps.accounts.models import User
from apps.accounts.tests.factories import PASSWORD
from apps.core import outbox
from apps.core.models import OutboxEvent
from apps.core.privacy import email_digest
from apps.leads.models import Lead
from apps.quotes.models import QuoteRequest
from apps.reviews.models import Review, ReviewStatus
from apps.reviews.tests.support import submit_invited

pytestmark = pytest.mark.django_db

EXPORT_URL = "/api/v1/me/data-export/"
ME_URL = "/api/v1/me/"
TOKEN_URL = "/api/v1/auth/token/"


@pytest.fixture
def luce_world(homeowner, facade_pros, dispatch, django_capture_on_commit_callbacks):
    """Luce asked for a quote (dispatched to two pros) and reviewed a pro; so did Marc."""
    with django_capture_on_commit_callbacks(execute=True):
        review = submit_invited(facade_pros["midi"], email=homeowner.email, title="Super façade")
        other_review = submit_invited(
            facade_pros["midi"], email="marc.voisin@exemple.fr", title="Travail soigné"
        )
    quote = dispatch(
        [facade_pros["midi"].slug, facade_pros["garonne"].slug],
        email=homeowner.email,
        first_name="Luce",
        last_name="Moreau",
    )
    other_quote = dispatch(
        [facade_pros["midi"].slug], email="marc.voisin@exemple.fr", first_name="Marc"
    )
    return {
        "review": review,
        "other_review": other_review,
        "quote": quote,
        "other_quote": other_quote,
    }


def _signed_in(email: str) -> tuple[APIClient, dict]:
    client = APIClient()
    pair = client.post(TOKEN_URL, {"email": email, "password": PASSWORD}, format="json").json()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {pair['access']}")
    return client, pair


def test_the_export_holds_every_context_data_about_me_and_nothing_of_anybody_else(
    homeowner, luce_world
):
    client, _pair = _signed_in(homeowner.email)

    response = client.get(EXPORT_URL)

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="eldo-mes-donnees-')
    data = response.json()
    assert data["account"]["email"] == homeowner.email
    assert [q["reference"] for q in data["quote_requests"]] == [luce_world["quote"].reference]
    assert data["quote_requests"][0]["phone"] == "+33612345678"
    assert {p["name"] for p in data["quote_requests"][0]["pros"]} == {
        "Façades du Midi",
        "Enduits de Garonne",
    }
    assert [r["title"] for r in data["reviews"]["reviews"]] == ["Super façade"]
    assert len(data["reviews"]["invitations_received"]) == 1
    assert {lead["pro"] for lead in data["leads"]} == {"Façades du Midi", "Enduits de Garonne"}
    text = json.dumps(data, ensure_ascii=False)
    assert "marc.voisin@exemple.fr" not in text
    assert luce_world["other_quote"].reference not in text
    assert "Travail soigné" not in text


def test_the_export_and_the_erasure_need_a_signed_in_person():
    assert APIClient().get(EXPORT_URL).status_code == 401
    assert APIClient().delete(ME_URL, {"password": "x"}, format="json").status_code == 401


def test_erasure_empties_contact_data_everywhere_and_keeps_reviews_anonymously(
    homeowner, luce_world, facade_pros, django_capture_on_commit_callbacks
):
    client, _pair = _signed_in(homeowner.email)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.delete(ME_URL, {"password": PASSWORD}, format="json")

    assert response.status_code == 204
    # quotes: the request keeps its statistics, not the person
    quote = QuoteRequest.objects.get(pk=luce_world["quote"].pk)
    assert (quote.first_name, quote.last_name, quote.email, quote.phone) == ("", "", "", "")
    assert quote.description == ""
    assert quote.anonymised_at is not None
    assert (quote.category_slug, quote.postcode) == ("facade", "31000")
    # leads: the pros' copies of the project lose the description
    leads = Lead.objects.filter(quote_id=quote.pk)
    assert leads.count() == 2
    assert set(leads.values_list("description", flat=True)) == {""}
    # reviews: still published, by nobody in particular
    review = Review.objects.get(pk=luce_world["review"].pk)
    assert review.status == ReviewStatus.PUBLISHED
    assert (review.author_name, review.author_email, review.author_ip) == (
        "Ancien utilisateur",
        "",
        None,
    )
    public = APIClient().get(f"/api/v1/pros/{facade_pros['midi'].slug}/reviews/").json()
    authors = {r["title"]: r["author_name"] for r in public["results"]}
    assert authors["Super façade"] == "Ancien utilisateur"
    # the account: a nameless tombstone
    user = User.objects.get(pk=homeowner.pk)
    assert user.email.endswith("@eldo.invalid")
    assert (user.first_name, user.last_name, user.phone, user.is_active) == ("", "", "", False)
    # the address never travelled: the event carries its digest only
    event = OutboxEvent.objects.get(name="accounts.UserErased")
    assert event.delivered_at is not None
    assert event.version == 2
    assert event.payload["email_sha256"] == email_digest("Luce.Moreau@exemple.fr ")
    assert "@" not in outbox.envelope_for(event).to_json()
    # somebody else's data is untouched
    other = QuoteRequest.objects.get(pk=luce_world["other_quote"].pk)
    assert other.email == "marc.voisin@exemple.fr"
    assert Review.objects.get(pk=luce_world["other_review"].pk).author_email == (
        "marc.voisin@exemple.fr"
    )


def test_after_erasure_no_credential_of_the_account_works(homeowner, luce_world):
    client, pair = _signed_in(homeowner.email)

    assert client.delete(ME_URL, {"password": PASSWORD}, format="json").status_code == 204

    assert client.get("/api/v1/auth/me/").status_code == 401
    refreshed = APIClient().post(
        "/api/v1/auth/token/refresh/", {"refresh": pair["refresh"]}, format="json"
    )
    assert refreshed.status_code == 401
    login = APIClient().post(
        TOKEN_URL, {"email": "luce.moreau@exemple.fr", "password": PASSWORD}, format="json"
    )
    assert login.status_code == 401
    assert not APIClient().login(email="luce.moreau@exemple.fr", password=PASSWORD)


def _personal_text_rows(strings: list[str]) -> list[str]:
    """Every row of every model whose text (char, text, e-mail, JSON fields) still holds one
    of ``strings``: ``app.Model#pk.field``."""
    from django.apps import apps
    from django.db import models
    from django.db.models import Q

    kinds = (models.CharField, models.TextField, models.JSONField)
    found = []
    for model in apps.get_models():
        fields = [f for f in model._meta.concrete_fields if isinstance(f, kinds) and not f.choices]
        for field in fields:
            condition = Q()
            for text in strings:
                condition |= Q(**{f"{field.name}__icontains": text})
            rows = list(model._default_manager.filter(condition).values_list("pk", flat=True))
            found += [f"{model._meta.label}#{pk}.{field.name}" for pk in rows]
    return found


def test_after_erasure_no_model_holds_the_person_s_words(
    homeowner, luce_world, facade_pros, django_capture_on_commit_callbacks
):
    from apps.reviews.models import ReviewReport

    homeowner.last_name = "Moreau-Quintal"
    homeowner.phone = "0611223344"
    homeowner.save(update_fields=["last_name", "phone"])
    client, _pair = _signed_in(homeowner.email)
    marker = "Signalement rédigé par Luce : le chantier Zorglub n'a jamais eu lieu"
    report = client.post(
        f"/api/v1/reviews/{luce_world['review'].pk}/report/",
        {"reason": "not_a_customer", "details": marker},
        format="json",
    )
    assert report.status_code in (200, 201), report.content
    strings = [homeowner.email, "Moreau-Quintal", "0611223344", "Zorglub"]
    assert _personal_text_rows(strings)  # the walk finds them before

    with django_capture_on_commit_callbacks(execute=True):
        assert client.delete(ME_URL, {"password": PASSWORD}, format="json").status_code == 204

    assert _personal_text_rows(strings) == []
    # The report itself stays (moderation history), without the words.
    assert ReviewReport.objects.filter(review=luce_world["review"]).get().details == ""
