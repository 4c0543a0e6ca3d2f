"""The advisors' API: who may call it, the full flow, errors, query counts."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from apps.accounts.tests.factories import PASSWORD
from apps.accounts.tests.two_factor import otp_for
from apps.quotes import services
from apps.quotes.models import QuoteRequest

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("directory_data")]

BASE = "/api/v1/quotes/"


def _endpoints(reference: str) -> list[tuple[str, str, dict | None]]:
    return [
        ("get", BASE, None),
        ("get", f"{BASE}{reference}/", None),
        ("post", f"{BASE}{reference}/claim/", {}),
        ("post", f"{BASE}{reference}/calls/", {"outcome": "reached"}),
        ("post", f"{BASE}{reference}/qualify/", {}),
        ("post", f"{BASE}{reference}/reject/", {"reason": "spam"}),
        ("get", f"{BASE}{reference}/matches/", None),
        ("post", f"{BASE}{reference}/dispatch/", {"pros": ["facades-du-midi"]}),
    ]


def test_anonymous_clients_get_401_on_every_advisor_endpoint(api_as, make_quote):
    quote = make_quote()
    for method, url, data in _endpoints(quote.reference):
        response = getattr(api_as(None), method)(url, data, format="json")
        assert response.status_code == 401, (method, url)
    assert QuoteRequest.objects.get().status == "new"


@pytest.mark.parametrize("user_fixture", ["homeowner", "moderator"])
def test_other_accounts_get_403_with_a_real_token(client, make_quote, request, user_fixture):
    user = request.getfixturevalue(user_fixture)
    quote = make_quote()
    credentials = {"email": user.email, "password": PASSWORD, "otp": otp_for(user)}
    access = client.post("/api/v1/auth/token/", credentials).json()["access"]
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    for method, url, data in _endpoints(quote.reference):
        response = getattr(api, method)(url, data, format="json")
        assert response.status_code == 403, (method, url, response.content)
    assert QuoteRequest.objects.get().status == "new"


def test_a_pro_member_gets_403(api_as, make_quote, facade_pros):
    from apps.accounts.tests.factories import MembershipFactory, UserFactory

    owner = UserFactory(email="paul@facades-du-midi.fr")
    MembershipFactory(user=owner, organization_id=facade_pros["midi"].organization_id)
    quote = make_quote()
    assert api_as(owner).get(f"{BASE}{quote.reference}/").status_code == 403


@pytest.mark.parametrize("method_url", range(1, 8))
def test_unknown_reference_is_404(api_as, advisor, method_url):
    method, url, data = _endpoints("ELD-2026-999999")[method_url]
    assert getattr(api_as(advisor), method)(url, data, format="json").status_code == 404


def test_full_flow_through_the_api(api_as, advisor, make_quote, facade_pros):
    api = api_as(advisor)
    submitted = api_as(None).post(
        BASE,
        {
            "category": "facade",
            "description": "Ravalement d'une façade de 80 m², fissures à reprendre.",
            "postcode": "31000",
            "first_name": "Luce",
            "email": "luce@exemple.fr",
            "phone": "0612345678",
            "consent": True,
        },
        format="json",
    )
    reference = submitted.json()["reference"]

    queue = api.get(BASE).json()
    assert queue["count"] == 1 and queue["results"][0]["reference"] == reference
    assert set(queue) == {"count", "next", "previous", "results"}

    claimed = api.post(f"{BASE}{reference}/claim/")
    assert claimed.status_code == 200
    assert claimed.json()["status"] == "in_qualification"
    assert claimed.json()["assigned_to"]["name"] == "Camille Durand"

    call = api.post(
        f"{BASE}{reference}/calls/",
        {"outcome": "reached", "notes": "Projet confirmé, devis souhaités sous 15 jours."},
        format="json",
    )
    assert call.status_code == 201
    assert call.json()["calls"][0]["outcome"] == "reached"

    incomplete = api.post(f"{BASE}{reference}/qualify/", {}, format="json")
    assert incomplete.status_code == 400
    assert set(incomplete.json()) == {"budget_range", "timeline"}

    qualified = api.post(
        f"{BASE}{reference}/qualify/",
        {"budget_range": "5k_15k", "timeline": "3_months", "property_type": "house"},
        format="json",
    )
    assert qualified.status_code == 200
    assert qualified.json()["status"] == "qualified"

    matches = api.get(f"{BASE}{reference}/matches/").json()
    slugs = [m["pro"]["slug"] for m in matches["results"]]
    assert slugs[0] == "facades-du-midi"  # best score first
    assert "facades-bordelaises" not in slugs
    assert matches["results"][0]["reasons"][0] == "Métier : Façade"
    assert matches["results"][0]["monthly_lead_cap"] >= 0

    dispatched = api.post(f"{BASE}{reference}/dispatch/", {"pros": slugs[:3]}, format="json")
    assert dispatched.status_code == 200
    body = dispatched.json()
    assert body["status"] == "dispatched"
    assert [p["slug"] for p in body["dispatched_pros"]] == slugs[:3]
    assert [t["to_status"] for t in body["transitions"]] == [
        "in_qualification",
        "qualified",
        "dispatched",
    ]

    # Idempotent: the same request again gives the same result.
    again = api.post(f"{BASE}{reference}/dispatch/", {"pros": slugs[:3]}, format="json")
    assert again.status_code == 200
    assert again.json() == body
    other = api.post(f"{BASE}{reference}/dispatch/", {"pros": [slugs[3]]}, format="json")
    assert other.status_code == 409


def test_forbidden_transitions_answer_409_in_french(api_as, advisor, other_advisor, make_quote):
    quote = make_quote()
    api = api_as(advisor)
    response = api.post(f"{BASE}{quote.reference}/qualify/", {}, format="json")
    assert response.status_code == 409
    assert "elle est « reçue »" in response.json()["detail"]

    api.post(f"{BASE}{quote.reference}/claim/")
    second = api_as(other_advisor).post(f"{BASE}{quote.reference}/claim/")
    assert second.status_code == 409
    assert "Camille Durand" in second.json()["detail"]
    calls = api_as(other_advisor).post(
        f"{BASE}{quote.reference}/calls/", {"outcome": "no_answer"}, format="json"
    )
    assert calls.status_code == 409


@pytest.mark.parametrize(
    ("path", "data", "field"),
    [
        ("calls", {"outcome": "raccroché"}, "outcome"),
        ("calls", {}, "outcome"),
        ("calls", {"outcome": "reached", "next_call_at": "demain"}, "next_call_at"),
        ("calls", {"outcome": "reached", "next_call_at": "2001-01-01T10:00:00Z"}, "next_call_at"),
        ("calls", {"outcome": "reached", "notes": "x" * 2_001}, "notes"),
        ("qualify", {"postcode": "99999", "budget_range": "lt_5k", "timeline": "asap"}, "postcode"),
        ("qualify", {"phone": "123", "budget_range": "lt_5k", "timeline": "asap"}, "phone"),
        (
            "qualify",
            {"category": "inconnue", "budget_range": "lt_5k", "timeline": "asap"},
            "category",
        ),
        ("qualify", {"email": "non", "budget_range": "lt_5k", "timeline": "asap"}, "email"),
        ("qualify", {"budget_range": "énorme"}, "budget_range"),
        ("reject", {}, "reason"),
        ("reject", {"reason": "flemme"}, "reason"),
        ("reject", {"reason": "other", "note": "x" * 1_001}, "note"),
    ],
)
def test_advisor_bad_input_gives_400_with_field_errors(
    api_as, advisor, make_quote, path, data, field
):
    quote = make_quote()
    api = api_as(advisor)
    api.post(f"{BASE}{quote.reference}/claim/")
    response = api.post(f"{BASE}{quote.reference}/{path}/", data, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({}, "pros"),
        ({"pros": "facades-du-midi"}, "pros"),
        ({"pros": []}, "pros"),
        ({"pros": ["inconnu"]}, "pros"),
        ({"pros": ["a", "b", "c", "d"]}, "pros"),
        ({"pros": [{"slug": 1}]}, "pros"),
    ],
)
def test_dispatch_bad_input_gives_400(api_as, advisor, make_quote, facade_pros, data, field):
    quote = make_quote()
    services.quote_claim(quote_id=quote.pk, actor=advisor.actor)
    services.quote_qualify(quote_id=quote.pk, actor=advisor.actor, changes={})
    response = api_as(advisor).post(f"{BASE}{quote.reference}/dispatch/", data, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"status": "perdue"}, "status"),
        ({"department": "XX"}, "department"),
        ({"mine": "bof"}, "mine"),
    ],
)
def test_bad_list_filters_give_400(api_as, advisor, params, field):
    response = api_as(advisor).get(BASE, params)
    assert response.status_code == 400
    assert field in response.json()


def test_list_filters(api_as, advisor, make_quote):
    toulouse = make_quote(phone="05 61 00 00 01")
    make_quote(postcode="33000", category="toiture")
    rejected = make_quote(postcode="31450")
    services.quote_reject(quote_id=rejected.pk, actor=advisor.actor, reason="other")
    services.quote_claim(quote_id=toulouse.pk, actor=advisor.actor)
    api = api_as(advisor)

    def refs(**params):
        return [r["reference"] for r in api.get(BASE, params).json()["results"]]

    assert len(refs()) == 2  # open requests only, by default
    assert refs(department="31") == [toulouse.reference]
    assert refs(category="toiture") != [] and toulouse.reference not in refs(category="toiture")
    assert refs(status="rejected") == [rejected.reference]
    assert len(refs(status="new,rejected")) == 2
    assert refs(mine="true") == [toulouse.reference]
    assert refs(q=toulouse.reference) == [toulouse.reference]
    assert refs(q="05 61 00 00 01") == [toulouse.reference]
    assert refs(q=toulouse.email.upper()) == [toulouse.reference]


def test_list_and_detail_query_counts_are_bounded(
    api_as, advisor, make_quote, django_assert_max_num_queries
):
    api = api_as(advisor)
    for index in range(3):
        quote = make_quote(postcode="31000" if index % 2 else "31450")
        services.quote_claim(quote_id=quote.pk, actor=advisor.actor)
        services.quote_call_log(quote_id=quote.pk, actor=advisor.actor, outcome="no_answer")
    with django_assert_max_num_queries(4) as small:
        api.get(BASE)
    for _ in range(25):
        make_quote()
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert len(api.get(BASE, {"page_size": 28}).json()["results"]) == 28
    with django_assert_max_num_queries(7):  # with the Actor (one query)
        api.get(f"{BASE}{quote.reference}/")
