"""Spam defences of the public submission: 429 per client address and per e-mail, shared
between the API and the pages."""

from __future__ import annotations

import pytest

from apps.quotes.models import QuoteRequest

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("directory_data")]

URL = "/api/v1/quotes/"


@pytest.fixture(autouse=True)
def _low_rates(settings):
    rates = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **rates,
            "quote_submit": "4/hour",
            "quote_submit_email": "2/hour",
        },
    }
    from rest_framework.throttling import SimpleRateThrottle

    # DRF reads the rates once, at import: point the class attribute at the new ones.
    saved = SimpleRateThrottle.THROTTLE_RATES
    SimpleRateThrottle.THROTTLE_RATES = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    yield
    SimpleRateThrottle.THROTTLE_RATES = saved


def _data(payload, n: int, *, email: str | None = None) -> dict:
    return {
        **payload,
        "email": email or f"voisin{n}@exemple.fr",
        "postcode": ["31000", "31450", "31200", "31500", "31100"][n % 5],
    }


def test_api_throttles_per_address(api_as, payload):
    client = api_as(None)
    codes = [client.post(URL, _data(payload, n), format="json").status_code for n in range(5)]
    assert codes == [201, 201, 201, 201, 429]
    other_address = client.post(URL, _data(payload, 9), format="json", REMOTE_ADDR="198.51.100.7")
    assert other_address.status_code == 201


def test_api_throttles_per_email_from_one_address(api_as, payload):
    client = api_as(None)
    codes = [
        client.post(
            URL, _data(payload, n, email="Luce.Moreau@exemple.fr"), format="json"
        ).status_code
        for n in range(3)
    ]
    assert codes == [201, 201, 429]
    assert QuoteRequest.objects.count() == 2


def test_someone_typing_my_email_elsewhere_does_not_block_my_request(api_as, payload):
    client = api_as(None)
    for n in range(4):  # an attacker, from several addresses, spends "my" e-mail's quota
        client.post(
            URL,
            _data(payload, n, email="Luce.Moreau@exemple.fr"),
            format="json",
            REMOTE_ADDR=f"203.0.113.{n}",
        )

    mine = client.post(
        URL,
        _data(payload, 7, email="luce.moreau@exemple.fr"),
        format="json",
        REMOTE_ADDR="192.0.2.8",
    )

    assert mine.status_code == 201


def test_a_forged_forwarded_for_header_does_not_dodge_the_throttle(api_as, payload):
    client = api_as(None)
    codes = [
        client.post(
            URL, _data(payload, n), format="json", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}"
        ).status_code
        for n in range(5)
    ]
    assert codes[-1] == 429


def test_pages_share_the_quota_and_answer_429_in_french(client, api_as, payload):
    api = api_as(None)
    for n in range(3):
        assert api.post(URL, _data(payload, n), format="json").status_code == 201
    form = {**_data(payload, 3), "consent": "on", "callback_slot": "any"}
    assert client.post("/devis/", form).status_code == 302
    response = client.post("/devis/", {**_data(payload, 4), "consent": "on"})
    assert response.status_code == 429
    assert "Réessayez dans" in response.content.decode()
    assert QuoteRequest.objects.count() == 4
