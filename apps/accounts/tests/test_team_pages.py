"""The back-office team page: same rules as the API, French messages, other orgs 404."""

import pytest
from django.core import mail

from apps.accounts.models import Membership, MembershipInvitation
from apps.accounts.tests.factories import MembershipFactory, OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def company():
    return OrganizationFactory(name="Façades du Midi", slug="facades-du-midi")


def member(company, role):
    return MembershipFactory(organization=company, role=role).user


def test_owner_sees_the_team_invites_and_changes_roles(
    client, company, django_capture_on_commit_callbacks
):
    owner, rep = member(company, "owner"), member(company, "sales_rep")
    client.force_login(owner)
    page = client.get("/espace-pro/equipe/")
    assert page.status_code == 200
    html = page.content.decode()
    assert rep.email in html and "Inviter un membre" in html
    assert 'aria-current="page">Équipe' in html

    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(
            "/espace-pro/equipe/",
            {"action": "invite", "email": "lea@exemple.fr", "role": "manager"},
            follow=True,
        )
    assert "Invitation envoyée à lea@exemple.fr" in done.content.decode()
    assert mail.outbox[0].to == ["lea@exemple.fr"]

    bad = client.post(
        "/espace-pro/equipe/", {"action": "invite", "email": "pas-un-email", "role": "manager"}
    )
    assert "aria-invalid" in bad.content.decode()
    assert MembershipInvitation.objects.count() == 1

    client.post("/espace-pro/equipe/", {"action": "role", "target": rep.id, "role": "manager"})
    assert Membership.objects.get(user=rep).role == "manager"
    last = client.post(
        "/espace-pro/equipe/",
        {"action": "role", "target": owner.id, "role": "manager"},
        follow=True,
    )
    assert Membership.objects.get(user=owner).role == "owner"
    assert "Modifier" in last.content.decode()


def test_a_sales_rep_sees_the_team_but_cannot_manage_it(client, company):
    owner, rep = member(company, "owner"), member(company, "sales_rep")
    client.force_login(rep)
    html = client.get("/espace-pro/equipe/").content.decode()
    assert owner.email in html
    assert "Inviter un membre" not in html
    response = client.post(
        "/espace-pro/equipe/", {"action": "remove", "target": owner.id}, follow=True
    )
    assert "Seuls le gérant et les responsables gèrent" in response.content.decode()
    assert Membership.objects.filter(user=owner).exists()


def test_non_members_get_404_and_anonymous_must_sign_in(client, company):
    member(company, "owner")
    assert client.get("/espace-pro/equipe/").status_code == 302
    client.force_login(UserFactory())
    assert client.get("/espace-pro/equipe/").status_code == 404


def test_actions_on_another_organization_answer_404(client, company):
    owner = member(company, "owner")
    other = OrganizationFactory(name="Autre", slug="autre")
    stranger = member(other, "sales_rep")
    client.force_login(owner)
    assert (
        client.post("/espace-pro/equipe/", {"action": "remove", "target": stranger.id}).status_code
        == 404
    )
    assert Membership.objects.filter(user=stranger).exists()
    assert (
        client.post("/espace-pro/equipe/", {"action": "remove", "target": "abc"}).status_code == 404
    )
