"""An organization deleted in accounts (``OrganizationDeleted``): the leads context keeps
organizations by id, so it removes itself what the database cascade used to — a company's
leads; a network's routed leads, installers, "à router" queue and webhooks — and nothing
of anyone else's. A member's new-lead alerts go when that person erases their account."""

from __future__ import annotations

import pytest
from django.utils import timezone

from apps.accounts.events import OrganizationDeleted, UserErased
from apps.accounts.services import organization_delete
from apps.core.events import publish
from apps.leads import services
from apps.leads.models import (
    Lead,
    LeadAlert,
    LeadNote,
    LeadTransition,
    NetworkInstaller,
    UnroutedLead,
    WebhookEndpoint,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def network_with_everything(api_as, network, facade_pros, django_capture_on_commit_callbacks):
    """The network routes one lead to Façades du Midi, has one waiting "à router", and a
    webhook endpoint."""
    org_id = network["org"].pk
    services.network_installer_ensure(
        network_id=org_id, pro_id=facade_pros["midi"].id, department_codes=["31"]
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = api_as(network["manager"]).post(
            "/api/v1/leads/inbound/",
            {
                "external_id": "RCH-1",
                "category": "facade",
                "postcode": "31000",
                "first_name": "Jeanne",
                "email": "jeanne@exemple.fr",
                "phone": "06 11 22 33 44",
                "description": "Reprise d'enduit.",
            },
            format="json",
        )
    assert response.status_code == 201, response.content
    now = timezone.now()
    UnroutedLead.objects.create(network_id=org_id, external_id="RCH-2", data={}, created_at=now)
    WebhookEndpoint.objects.create(
        network_id=org_id, url="https://crm.exemple.fr/eldo", secret="whsec_x", created_at=now
    )
    return {"org_id": org_id, "routed_lead_id": response.json()["id"]}


def test_a_deleted_company_loses_its_leads_and_their_history_only(
    dispatch, facade_pros, midi_team, django_capture_on_commit_callbacks
):
    quote = dispatch(["facades-du-midi", "enduits-de-garonne"])
    mine = Lead.objects.get(quote_id=quote.pk, pro_id=facade_pros["midi"].id)
    services.lead_update(
        actor=midi_team["owner"].actor,
        lead_id=mine.pk,
        status="contacted",
        note="Rappeler",
    )
    assert LeadTransition.objects.filter(lead_id=mine.pk).exists()
    LeadAlert.objects.create(
        lead=mine,
        user_id=midi_team["owner"].pk,
        channel="sms",
        scheduled_for=timezone.now(),
        created_at=timezone.now(),
    )

    with django_capture_on_commit_callbacks(execute=True):
        assert organization_delete(organization_id=midi_team["org_id"])

    assert not Lead.objects.filter(organization_id=midi_team["org_id"]).exists()
    assert not LeadNote.objects.exists() and not LeadAlert.objects.exists()
    assert not LeadTransition.objects.filter(lead_id=mine.pk).exists()
    theirs = Lead.objects.get(quote_id=quote.pk)
    assert theirs.pro_id == facade_pros["garonne"].id


def test_a_deleted_network_loses_its_leads_installers_queue_and_webhooks(
    network_with_everything, dispatch, facade_pros, django_capture_on_commit_callbacks
):
    org_id = network_with_everything["org_id"]
    eldo_request = dispatch(["facades-du-midi"])

    with django_capture_on_commit_callbacks(execute=True):
        assert organization_delete(organization_id=org_id)

    assert not Lead.objects.filter(pk=network_with_everything["routed_lead_id"]).exists()
    assert not NetworkInstaller.objects.filter(network_id=org_id).exists()
    assert not UnroutedLead.objects.filter(network_id=org_id).exists()
    assert not WebhookEndpoint.objects.filter(network_id=org_id).exists()
    # The company's own Eldo lead was never the network's.
    assert Lead.objects.filter(quote_id=eldo_request.pk).exists()


def test_a_redelivered_deletion_changes_nothing_more(
    network_with_everything, dispatch, django_capture_on_commit_callbacks
):
    dispatch(["facades-du-midi"])
    event = OrganizationDeleted(
        organization_id=network_with_everything["org_id"], kind="network", deleted_at=""
    )
    with django_capture_on_commit_callbacks(execute=True):
        publish(event)
    left = Lead.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        publish(event)
    assert Lead.objects.count() == left == 1


def test_an_erased_member_s_alerts_go_and_the_colleagues_stay(
    dispatch, facade_pros, midi_team, django_capture_on_commit_callbacks
):
    quote = dispatch(["facades-du-midi"])
    lead = Lead.objects.get(quote_id=quote.pk)
    for member in ("owner", "rep"):
        LeadAlert.objects.get_or_create(
            lead=lead,
            user_id=midi_team[member].pk,
            channel="push",
            defaults={"scheduled_for": timezone.now(), "created_at": timezone.now()},
        )

    with django_capture_on_commit_callbacks(execute=True):
        publish(UserErased(user_id=midi_team["rep"].pk, email_sha256="", erased_at=""))

    assert set(LeadAlert.objects.values_list("user_id", flat=True)) == {midi_team["owner"].pk}
