"""Every public write answers 429 with Retry-After once past its documented limit (the
scopes of REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], lowered here to 2 per hour)."""

from __future__ import annotations

import pytest
from rest_framework.throttling import SimpleRateThrottle

from tests.security.matrix import BODIES

LIMIT = 2


@pytest.fixture
def low_rates(settings):
    rates = {scope: f"{LIMIT}/hour" for scope in settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    saved = SimpleRateThrottle.THROTTLE_RATES
    SimpleRateThrottle.THROTTLE_RATES = rates  # DRF reads the rates once, at import
    yield
    SimpleRateThrottle.THROTTLE_RATES = saved


def _login(n, ids):
    return "/api/v1/auth/token/", {"email": f"inconnu{n}@exemple.fr", "password": "pas-le-bon"}


def _quote(n, ids):
    return "/api/v1/quotes/", {**BODIES["quote"], "email": f"voisin{n}@exemple.fr"}


def _review(n, ids):
    return "/api/v1/reviews/", {**BODIES["review"], "author_email": f"auteur{n}@exemple.fr"}


def _report(n, ids):
    return f"/api/v1/reviews/{ids['review_id']}/report/", BODIES["report"]


def _inbound(n, ids):
    return "/api/v1/leads/inbound/", {**BODIES["inbound"], "external_id": f"ext-{n}"}


WRITES = [
    pytest.param(_login, "anonymous", id="login"),
    pytest.param(_quote, "anonymous", id="quote-request"),
    pytest.param(_review, "anonymous", id="review-submission"),
    pytest.param(_report, "homeowner", id="review-report"),
    pytest.param(_inbound, "network_manager", id="inbound-lead"),
]


@pytest.mark.parametrize(("write", "role"), WRITES)
def test_public_write_is_throttled_past_its_limit(client_as, world, low_rates, write, role):
    client = client_as(role, api=True)
    responses = [client.post(*write(n, world.ids), format="json") for n in range(LIMIT + 1)]

    assert all(r.status_code != 429 for r in responses[:LIMIT])
    throttled = responses[LIMIT]
    assert throttled.status_code == 429
    assert int(throttled["Retry-After"]) > 0
    assert "detail" in throttled.json()
