"""Partner API keys on POST /api/v1/leads/inbound/: a network's key routes its lead; an
unknown, revoked or expired key is 401; a key pushes for its own organization only."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from rest_framework.test import APIClient

from apps.accounts.models import PartnerApiKey
from apps.accounts.partner_keys import partner_api_key_create, partner_api_key_revoke
from apps.accounts.tests.factories import OrganizationFactory
from apps.leads import services
from apps.leads.models import Lead
from apps.leads.tests.test_inbound import _payload

pytestmark = pytest.mark.django_db

URL = "/api/v1/leads/inbound/"


@pytest.fixture
def other_network(facade_pros):
    org = OrganizationFactory(name="Isolation Plus", slug="isolation-plus", kind="manufacturer")
    services.network_installer_ensure(network_id=org.pk, pro_id=facade_pros["lauragais"].id)
    return org


@pytest.fixture
def routed_network(network, facade_pros):
    services.network_installer_ensure(
        network_id=network["org"].pk, pro_id=facade_pros["midi"].id, department_codes=["31"]
    )
    return network["org"]


def _client(**headers) -> APIClient:
    client = APIClient()
    client.credentials(**headers)
    return client


def test_a_networks_key_pushes_a_lead_routed_to_its_installer(
    routed_network, facade_pros, midi_team, django_capture_on_commit_callbacks, mailoutbox
):
    key_row, key = partner_api_key_create(organization_id=routed_network.pk, name="Site RCH")
    assert key.startswith(key_row.prefix + ".")
    stored = PartnerApiKey.objects.get(pk=key_row.pk)
    assert key not in (stored.id, stored.hashed_key)  # only a hash is stored
    assert stored.hashed_key.startswith("sha512$$")

    with django_capture_on_commit_callbacks(execute=True):
        response = _client(HTTP_AUTHORIZATION=f"Api-Key {key}").post(
            URL, _payload(1), format="json"
        )
    assert response.status_code == 201, response.content
    assert response.json()["pro"]["slug"] == "facades-du-midi"
    lead = Lead.objects.get(pk=response.json()["id"])
    assert lead.network_id == routed_network.pk and lead.source == "inbound"
    assert any(m.subject.startswith("Nouvelle demande") for m in mailoutbox)
    # The X-Api-Key header works too, and a replay answers the same lead.
    replay = _client(HTTP_X_API_KEY=key).post(URL, _payload(1), format="json")
    assert replay.status_code == 200 and replay.json()["id"] == lead.pk
    assert PartnerApiKey.objects.get(pk=key_row.pk).last_used_at is not None


def test_unknown_revoked_or_expired_keys_are_refused_with_401(routed_network):
    row, key = partner_api_key_create(organization_id=routed_network.pk, name="Site RCH")
    prefix = row.prefix
    for bad in (
        f"{prefix}.not-the-secret-at-all-000000000000",
        "unknown.key",
        "garbage",
        "",
    ):
        response = _client(HTTP_AUTHORIZATION=f"Api-Key {bad}").post(
            URL, _payload(2), format="json"
        )
        assert response.status_code == 401, bad
    assert response.json()["detail"]

    partner_api_key_revoke(organization_id=routed_network.pk, prefix=prefix)
    response = _client(HTTP_X_API_KEY=key).post(URL, _payload(3), format="json")
    assert response.status_code == 401
    assert "révoquée" in response.json()["detail"]

    _row, expiring = partner_api_key_create(
        organization_id=routed_network.pk,
        name="Ancien site",
        expires_at=timezone.now() - timedelta(days=1),
    )
    assert _client(HTTP_X_API_KEY=expiring).post(URL, _payload(4)).status_code == 401
    assert not Lead.objects.exists()
    # Without any credential: 401 too.
    assert APIClient().post(URL, _payload(5), format="json").status_code == 401


def test_a_key_of_one_organization_cannot_push_for_another(routed_network, other_network):
    _row, key = partner_api_key_create(organization_id=other_network.pk, name="Isolation API")
    api = _client(HTTP_AUTHORIZATION=f"Api-Key {key}")
    response = api.post(URL, _payload(6, network=routed_network.pk), format="json")
    assert response.status_code == 400
    assert "network" in response.json()
    assert not Lead.objects.filter(network_id=routed_network.pk).exists()
    # Its own lead goes to its own installer, never to the other network's.
    response = api.post(URL, _payload(7), format="json")
    assert response.status_code == 201
    lead = Lead.objects.get(pk=response.json()["id"])
    assert lead.network_id == other_network.pk
    assert response.json()["pro"]["slug"] == "facades-du-lauragais"
    # Revoking is scoped too: the other network cannot revoke (or see) this key.
    from apps.core.errors import NotFound

    with pytest.raises(NotFound):
        partner_api_key_revoke(organization_id=routed_network.pk, prefix=_row.prefix)


def test_a_key_reaches_only_the_inbound_endpoint(routed_network, midi_team):
    _row, key = partner_api_key_create(organization_id=routed_network.pk, name="Site RCH")
    api = _client(HTTP_AUTHORIZATION=f"Api-Key {key}")
    assert api.get("/api/v1/leads/").status_code == 401
    assert api.get("/api/v1/auth/me/").status_code == 401


def test_only_networks_and_manufacturers_get_keys(facade_pros):
    with pytest.raises(ValidationError):
        partner_api_key_create(
            organization_id=facade_pros["midi"].organization_id, name="Pas un réseau"
        )


def test_the_openapi_schema_documents_the_key(client):
    schema = client.get("/api/schema/", {"format": "json"}).json()
    schemes = schema["components"]["securitySchemes"]
    assert schemes["PartnerApiKey"]["name"] == "Authorization"
    assert schemes["PartnerApiKeyHeader"]["name"] == "X-Api-Key"
    security = schema["paths"]["/api/v1/leads/inbound/"]["post"]["security"]
    assert {"PartnerApiKey": []} in security and {"PartnerApiKeyHeader": []} in security
