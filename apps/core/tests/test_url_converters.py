"""An id too long for the database is a URL of nobody's: 404, never a 500."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import Resolver404, resolve

pytestmark = pytest.mark.django_db


def _user():
    return get_user_model().objects.create_user(email="camille@exemple.fr", password="x")


HUGE = "9" * 30


def test_an_absurd_id_in_an_api_url_is_not_found(api_as):
    api = api_as(_user())
    assert api.delete(f"/api/v1/organizations/{HUGE}/members/1/").status_code == 404
    assert api.delete(f"/api/v1/organizations/1/members/{HUGE}/").status_code == 404


def test_an_absurd_id_in_a_page_url_is_not_found(client):
    client.force_login(_user())
    response = client.get(f"/moderation/avis/{HUGE}/")
    assert response.status_code == 404
    assert "introuvable" in response.content.decode().lower()


def test_up_to_eighteen_digits_an_id_reaches_its_view():
    match = resolve(f"/api/v1/organizations/{'9' * 18}/members/1/")
    assert match.url_name == "team-member"
    assert match.kwargs == {"organization_id": 10**18 - 1, "user_id": 1}
    with pytest.raises(Resolver404):
        resolve(f"/api/v1/organizations/{'9' * 19}/members/1/")
