"""A domain error a service raises reaches an API client as its status and French JSON,
and a page user as the 404 page or a French message: never a 500."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils.html import escape
from rest_framework.test import APIClient

from apps.core.tests.error_urls import CONFLICT_MESSAGE, LIMIT_MESSAGE, POSTCODE_MESSAGE

pytestmark = pytest.mark.django_db

PASSWORD = "un-mot-de-passe-solide-42"


@pytest.fixture
def client_500s_as_responses():
    """A 500 must show as a response the test can assert on, not as an exception."""
    return Client(raise_request_exception=False)


@pytest.fixture
def homeowner(django_user_model):
    return django_user_model.objects.create_user(email="claire@exemple.fr", password=PASSWORD)


# --- API ------------------------------------------------------------------------------------


def test_a_conflict_from_a_service_is_a_409_with_its_french_message_and_code(
    django_user_model,
):
    advisor = django_user_model.objects.create_user(
        email="conseil@eldo.fr", password=PASSWORD, is_staff=True
    )
    api = APIClient(raise_request_exception=False)
    api.force_authenticate(advisor)

    response = api.delete("/api/v1/me/", {"password": PASSWORD}, format="json")

    assert response.status_code == 409
    assert response.json() == {
        "detail": "Un compte de l'équipe Eldo ne peut pas être supprimé depuis cet écran : "
        "demandez-le à un administrateur.",
        "code": "conflict",
    }


def test_a_not_found_from_a_service_is_a_404_in_french(homeowner):
    api = APIClient(raise_request_exception=False)
    api.force_authenticate(homeowner)

    response = api.post("/api/v1/reviews/999999/reply/", {"body": "Merci !"}, format="json")

    assert response.status_code == 404
    assert response.json() == {"detail": "Non trouvé.", "code": "not_found"}


@pytest.mark.urls("apps.core.tests.error_urls")
def test_field_errors_keep_drf_field_shape_beside_detail_and_code():
    response = APIClient(raise_request_exception=False).post(
        "/api/v1/essai/adresse/", {"postcode": "999"}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == {
        "detail": "Adresse incomplète.",
        "code": "invalid",
        "postcode": [POSTCODE_MESSAGE],
    }


@pytest.mark.urls("apps.core.tests.error_urls")
def test_an_api_route_outside_drf_answers_the_same_json(client_500s_as_responses):
    response = client_500s_as_responses.post("/api/v1/essai/demandes/7/")

    assert response.status_code == 409
    assert response.json() == {"detail": CONFLICT_MESSAGE, "code": "conflict"}


# --- Pages ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url", ["/mes-avis/999999/retirer/", "/mes-projets/999999/cloturer/"], ids=["avis", "projet"]
)
def test_a_not_found_from_a_service_is_the_french_404_page(
    client_500s_as_responses, homeowner, url
):
    client_500s_as_responses.force_login(homeowner)

    response = client_500s_as_responses.post(url, {"outcome": "done"})

    assert response.status_code == 404
    assert "errors/404.html" in [t.name for t in response.templates]
    assert "Page introuvable" in response.content.decode()


@pytest.mark.urls("apps.core.tests.error_urls")
def test_a_refused_form_goes_back_to_its_page_with_the_french_message(
    client_500s_as_responses,
):
    page = "http://testserver/essai/demandes/7/"

    response = client_500s_as_responses.post(page, HTTP_REFERER=page, follow=True)

    assert response.redirect_chain == [(page, 303)]
    assert response.status_code == 200
    assert f"<p>{escape(CONFLICT_MESSAGE)}</p>" in response.content.decode()


@pytest.mark.urls("apps.core.tests.error_urls")
def test_a_refusal_goes_back_only_to_a_page_of_this_site(client_500s_as_responses):
    response = client_500s_as_responses.post(
        "/essai/demandes/7/", HTTP_REFERER="https://ailleurs.example/piege/"
    )

    assert response.status_code == 409
    assert "errors/refused.html" in [t.name for t in response.templates]
    assert escape(CONFLICT_MESSAGE) in response.content.decode()


@pytest.mark.urls("apps.core.tests.error_urls")
def test_a_refusal_on_a_get_is_shown_with_its_status(client_500s_as_responses):
    response = client_500s_as_responses.get("/essai/quota/")

    assert response.status_code == 429
    html = response.content.decode()
    assert "Action impossible" in html
    assert escape(LIMIT_MESSAGE) in html
