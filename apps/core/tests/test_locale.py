"""apps.core.locale.LocaleMiddleware: Django's, without negotiating a single language."""

import pytest
from django.conf import settings
from django.http import HttpResponse
from django.test import RequestFactory
from django.utils import translation

from apps.core.locale import LocaleMiddleware


def _answer(request, response=None):
    middleware = LocaleMiddleware(lambda r: response or HttpResponse("ok"))
    with translation.override(None):
        answered = middleware(request)
        return answered, request.LANGUAGE_CODE, translation.get_language()


def test_the_only_language_is_served_whatever_the_browser_asks():
    request = RequestFactory().get(
        "/",
        HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9",
        HTTP_COOKIE=f"{settings.LANGUAGE_COOKIE_NAME}=en",
    )
    response, code, active = _answer(request)
    assert (code, active) == ("fr", "fr")
    assert response["Content-Language"] == "fr"
    assert response["Vary"] == "Accept-Language"


def test_a_vary_header_already_set_is_extended_not_replaced():
    response, _code, _active = _answer(
        RequestFactory().get("/"), HttpResponse("ok", headers={"Vary": "Cookie"})
    )
    assert response["Vary"] == "Cookie, Accept-Language"


def test_with_more_languages_django_negotiates(settings):
    settings.LANGUAGES = [("fr", "Français"), ("en", "English")]
    response, code, active = _answer(RequestFactory().get("/", HTTP_ACCEPT_LANGUAGE="en"))
    assert (code, active) == ("en", "en")
    assert response["Content-Language"] == "en"
    assert response["Vary"] == "Accept-Language"


@pytest.mark.django_db
def test_pages_carry_the_language_as_before(client):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert response["Content-Language"] == "fr"
    assert "Accept-Language" in response["Vary"]
    assert '<html lang="fr"' in response.content.decode()
