"""The network's API keys, in its space: created by its manager (shown once), acting for
that network only, revoked for good; another network cannot see or revoke them."""

from __future__ import annotations

import re

import pytest

from apps.accounts.models import PartnerApiKey
from apps.accounts.tests.factories import MembershipFactory, OrganizationFactory, UserFactory
from apps.leads import services

pytestmark = pytest.mark.django_db

KEYS = "/espace-pro/reseau/cles-api/"


def test_create_use_and_revoke_a_key(client, network, facade_pros):
    services.network_installer_ensure(
        network_id=network["org"].pk, pro_id=facade_pros["midi"].id, department_codes=["31"]
    )
    client.force_login(network["manager"])
    response = client.post(KEYS, {"name": "CRM production"})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    key = re.search(r"<code>([^<]{20,})</code>", response.content.decode()).group(1)
    stored = PartnerApiKey.objects.get(organization=network["org"])
    assert stored.name == "CRM production" and key.startswith(stored.prefix)
    # Shown once: the list shows the prefix only.
    listed = client.get(KEYS).content.decode()
    assert stored.prefix in listed and key not in listed

    api = client_for_key(key)
    push = {
        "external_id": "CRM-1",
        "category": "facade",
        "postcode": "31000",
        "first_name": "Jeanne",
        "email": "jeanne@exemple.fr",
        "phone": "0611223344",
        "description": "Reprise d'enduit sur pignon, 40 m².",
    }
    assert api.post("/api/v1/leads/inbound/", push, format="json").status_code == 201
    assert client.post(f"{KEYS}{stored.prefix}/revoquer/").status_code == 302
    push["external_id"] = "CRM-2"
    assert api.post("/api/v1/leads/inbound/", push, format="json").status_code == 401
    assert "Révoquée" in client.get(KEYS).content.decode()


def client_for_key(key: str):
    from rest_framework.test import APIClient

    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
    return api


def test_a_key_needs_a_name(client, network):
    client.force_login(network["manager"])
    response = client.post(KEYS, {"name": ""})
    assert response.status_code == 400
    assert not PartnerApiKey.objects.exists()


def test_another_network_cannot_see_or_revoke_the_keys(client, network, midi_team):
    client.force_login(network["manager"])
    client.post(KEYS, {"name": "CRM"})
    prefix = PartnerApiKey.objects.get().prefix
    other = OrganizationFactory(name="Autre réseau", slug="autre-reseau", kind="network")
    manager = UserFactory(email="zoe@autre-reseau.fr")
    MembershipFactory(user=manager, organization=other, role="manager")
    client.force_login(manager)
    assert prefix not in client.get(KEYS).content.decode()
    assert client.post(f"{KEYS}{prefix}/revoquer/").status_code == 404
    assert not PartnerApiKey.objects.get().revoked
    client.force_login(midi_team["owner"])
    assert client.get(KEYS).status_code == 404
