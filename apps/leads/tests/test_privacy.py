"""GDPR and accountability in the leads context: the pros' copies of a homeowner's project
go when the request is anonymised, a network's inbound lead loses the contact when that
person erases their account, the export lists the leads, and an advisor's reassignment
is in the staff audit log."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from apps.accounts.events import UserErased
from apps.core.events import publish
from apps.core.privacy import email_digest
from apps.leads import services
from apps.leads.models import Lead, LeadNote
from apps.leads.privacy import export_for
from apps.quotes import services as quote_services

pytestmark = pytest.mark.django_db


@pytest.fixture
def inbound(api_as, network, facade_pros, django_capture_on_commit_callbacks):
    services.network_installer_ensure(
        network_id=network["org"].pk, pro_id=facade_pros["midi"].id, department_codes=["31"]
    )

    def push(n: int, email: str) -> Lead:
        with django_capture_on_commit_callbacks(execute=True):
            response = api_as(network["manager"]).post(
                "/api/v1/leads/inbound/",
                {
                    "external_id": f"RCH-{n}",
                    "category": "facade",
                    "postcode": "31000",
                    "first_name": "Jeanne",
                    "last_name": "Petit",
                    "email": email,
                    "phone": "06 11 22 33 44",
                    "description": "Reprise d'enduit sur pignon, 40 m².",
                },
                format="json",
            )
        assert response.status_code == 201, response.content
        return Lead.objects.get(pk=response.json()["id"])

    return push


def test_anonymising_a_request_empties_the_pros_copies(
    dispatch, facade_pros, midi_team, django_capture_on_commit_callbacks
):
    quote = dispatch(["facades-du-midi"], email="luce@exemple.fr")
    other = dispatch(["facades-du-midi"], email="marc@exemple.fr")
    lead = Lead.objects.get(quote_id=quote.pk)
    LeadNote.objects.create(
        lead=lead,
        author_id=midi_team["owner"].pk,
        body="Mme Moreau, rappeler le soir",
        created_at=timezone.now(),
    )

    with django_capture_on_commit_callbacks(execute=True):
        quote_services.quotes_erase_for_contact(email_sha256=email_digest("luce@exemple.fr"))

    lead.refresh_from_db()
    assert lead.description == ""
    assert not LeadNote.objects.filter(lead=lead).exists()
    assert (lead.category_slug, lead.postcode, lead.status) == ("facade", "31000", "sent")
    assert Lead.objects.get(quote_id=other.pk).description != ""


def test_an_inbound_lead_loses_the_contact_when_its_person_erases_the_account(
    inbound, django_capture_on_commit_callbacks
):
    mine = inbound(1, "jeanne.petit@exemple.fr")
    theirs = inbound(2, "paul@exemple.fr")

    with django_capture_on_commit_callbacks(execute=True):
        publish(
            UserErased(
                user_id=4242, email_sha256=email_digest("jeanne.petit@exemple.fr"), erased_at=""
            )
        )

    mine.refresh_from_db()
    assert (mine.first_name, mine.last_name, mine.email, mine.phone, mine.description) == (
        "",
        "",
        "",
        "",
        "",
    )
    assert Lead.objects.get(pk=theirs.pk).email == "paul@exemple.fr"


def test_the_export_lists_inbound_and_eldo_leads_of_that_person_only(
    inbound, dispatch, facade_pros
):
    inbound(1, "jeanne.petit@exemple.fr")
    inbound(2, "paul@exemple.fr")
    quote = dispatch(["enduits-de-garonne"], email="jeanne.petit@exemple.fr")

    leads = export_for(user_id=0, email="Jeanne.Petit@exemple.fr")

    assert sorted((lead["source"], lead["pro"]) for lead in leads) == [
        ("inbound", "Façades du Midi"),
        ("quote", "Enduits de Garonne"),
    ]
    assert quote.reference in {lead["reference"] for lead in leads}
    assert "paul@exemple.fr" not in str(leads)


def test_an_advisor_reassignment_is_in_the_audit_log(
    dispatch, facade_pros, advisor, staff, api_as, django_capture_on_commit_callbacks
):
    quote = dispatch(["facades-du-midi"])
    lead = Lead.objects.get(quote_id=quote.pk)

    with django_capture_on_commit_callbacks(execute=True):
        response = api_as(advisor).post(
            f"/api/v1/leads/{lead.pk}/reassign/", {"pro": "enduits-de-garonne"}, format="json"
        )
    assert response.status_code == 201, response.content

    client = Client()
    client.force_login(staff)
    html = client.get("/eldo/journal/").content.decode()
    assert "Demande réattribuée à un autre artisan" in html
    assert f"Lead n° {lead.pk} réattribué" in html
