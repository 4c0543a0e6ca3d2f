"""Answers carrying personal data are never stored by a shared cache or the browser: every
GET of the authorization matrix answered 200 to a signed-in role says
``Cache-Control: private, no-store`` (the lead page and the lead API carry a homeowner's
contact details); anonymous public pages keep their public caching."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import transaction

from tests.security.matrix import MATRIX, ROLES
from tests.security.routes import concrete

SIGNED_IN_ROLES = [role for role in ROLES if role != "anonymous"]
GET_ROWS = [
    row
    for row in MATRIX
    if row.method == "GET" and any(row.expect(role) == 200 for role in SIGNED_IN_ROLES)
]


def _get(client_as, row, role, ids):
    cache.clear()
    client = client_as(role, api=row.api)
    with transaction.atomic():
        response = client.get(concrete(row.route, ids))
        transaction.set_rollback(True)
    return response


@pytest.mark.parametrize("row", GET_ROWS, ids=lambda row: f"GET /{row.route}")
def test_signed_in_answers_are_private_and_not_stored(client_as, world, row):
    role = next(r for r in SIGNED_IN_ROLES if row.expect(r) == 200)

    response = _get(client_as, row, role, world.ids)

    assert response.status_code == 200
    cache_control = response.get("Cache-Control", "")
    assert "private" in cache_control and "no-store" in cache_control, (role, cache_control)
    assert "public" not in cache_control


def test_the_lead_page_and_api_of_a_pro_are_private(client_as, world):
    lead_id = world.ids["lead_id"]
    page = client_as("pro_owner", api=False).get(f"/espace-pro/demandes/{lead_id}/")
    api = client_as("pro_owner", api=True).get(f"/api/v1/leads/{lead_id}/")

    for response in (page, api):
        assert response.status_code == 200
        assert response["Cache-Control"] == "private, no-store"


def test_anonymous_public_answers_keep_their_public_caching(client_as, world):
    response = client_as("anonymous", api=True).get("/api/v1/categories/")
    assert "private" not in response.get("Cache-Control", "")
