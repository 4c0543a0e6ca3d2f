"""Invitations from the pro's own quoting or invoicing tool: the company's API key (created
on /espace-pro/invitations/cles-api/), field-level JSON errors, idempotent by external_id,
throttled; a network's key or another company's key never acts for the company."""

from __future__ import annotations

import html
from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from apps.accounts import api as accounts
from apps.accounts.tests.factories import PASSWORD, OrganizationFactory
from apps.core import sms as core_sms
from apps.reviews.models import InvitationSource, ReviewInvitation

pytestmark = pytest.mark.django_db

URL = "/api/v1/review-requests/tool/"
KEYS = "/espace-pro/invitations/cles-api/"


def _key(pro, owner) -> str:
    _row, clear = accounts.company_key_create(
        organization_id=pro.organization_id, name="Facturation", created_by_id=owner.pk
    )
    return clear


def _body(**overrides) -> dict:
    data = {
        "external_id": "FAC-2026-0042",
        "customer_name": "Jeanne Dupuis",
        "customer_email": "jeanne@exemple.fr",
        "work_description": "Ravalement de façade",
        "work_date": (timezone.localdate() - timedelta(days=10)).isoformat(),
    }
    return data | overrides


def _client(key: str, *, header: str = "authorization") -> APIClient:
    client = APIClient()
    if header == "authorization":
        client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
    else:
        client.credentials(HTTP_X_API_KEY=key)
    return client


def test_the_tool_invites_once_per_external_id(pro, owner, committed, mailoutbox):
    key = _key(pro, owner)
    with committed():
        first = _client(key).post(URL, _body(customer_phone="06 12 34 56 78"), format="json")
    assert first.status_code == 201, first.content
    assert first.json()["external_id"] == "FAC-2026-0042"
    invitation = ReviewInvitation.objects.get()
    assert (invitation.source, invitation.pro_id) == (InvitationSource.API, pro.id)
    assert len(mailoutbox) == 1 and len(core_sms.outbox) == 1  # e-mail and SMS
    with committed():
        replay = _client(key, header="x-api-key").post(URL, _body(), format="json")
    assert replay.status_code == 200
    assert replay.json()["id"] == first.json()["id"]
    assert ReviewInvitation.objects.count() == 1 and len(mailoutbox) == 1


def test_bad_input_is_answered_field_by_field(pro, owner):
    key = _key(pro, owner)
    response = _client(key).post(
        URL,
        _body(
            external_id="",
            customer_email="pas-une-adresse",
            customer_phone="01 23 45 67 89",
            work_description="Voir www.promo.fr",
        ),
        format="json",
    )
    assert response.status_code == 400
    errors = response.json()
    assert {"customer_email", "customer_phone", "work_description", "external_id"} <= set(errors)
    no_date = _client(key).post(URL, _body(work_date="hier"), format="json")
    assert no_date.status_code == 400 and "work_date" in no_date.json()
    assert not ReviewInvitation.objects.exists()


def test_no_key_a_wrong_key_or_a_network_s_key_is_401(pro, owner):
    assert APIClient().post(URL, _body(), format="json").status_code == 401
    assert _client("abc.def").post(URL, _body(), format="json").status_code == 401
    network = OrganizationFactory(name="Réseau Confort", slug="reseau-confort", kind="network")
    _row, partner = accounts.partner_key_create(
        organization_id=network.pk, name="CRM", created_by_id=owner.pk
    )
    assert _client(partner).post(URL, _body(), format="json").status_code == 401
    # A company's key is no partner key either.
    assert accounts.partner_credential_for_key(_key(pro, owner)) is None
    assert not ReviewInvitation.objects.exists()


def test_a_revoked_key_stops_working(client, pro, owner):
    key = _key(pro, owner)
    client.login(username=owner.email, password=PASSWORD)
    prefix = key.split(".")[0]
    assert client.post(f"{KEYS}{prefix}/revoquer/").status_code == 302
    assert _client(key).post(URL, _body(), format="json").status_code == 401


def test_the_tool_is_throttled_per_key(pro, owner, settings):
    from rest_framework.throttling import SimpleRateThrottle

    rates = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "review_request_tool": "2/hour"}
    saved = SimpleRateThrottle.THROTTLE_RATES
    SimpleRateThrottle.THROTTLE_RATES = rates
    try:
        key = _key(pro, owner)
        codes = [
            _client(key)
            .post(URL, _body(external_id=f"F-{n}", customer_email=f"c{n}@exemple.fr"))
            .status_code
            for n in range(3)
        ]
    finally:
        SimpleRateThrottle.THROTTLE_RATES = saved
    assert codes[:2] == [201, 201] and codes[2] == 429


def test_the_owner_creates_a_key_shown_once_a_sales_rep_gets_404(client, pro, owner, sales_rep):
    client.login(username=owner.email, password=PASSWORD)
    assert client.get(KEYS).status_code == 200
    created = client.post(KEYS, {"name": "Logiciel de facturation"})
    assert created.status_code == 200
    text = html.unescape(created.content.decode())
    assert "copiez-la maintenant" in text and "no-store" in created["Cache-Control"]
    assert "copiez-la maintenant" not in client.get(KEYS).content.decode()
    assert client.post(KEYS, {"name": ""}).status_code == 400
    client.logout()
    client.login(username=sales_rep.email, password=PASSWORD)
    assert client.get(KEYS).status_code == 404
