"""Team management: invitations by signed link, roles, and who may do what."""

import re

import pytest
from django.core import mail

from apps.accounts.models import Membership, MembershipInvitation
from apps.accounts.tests.factories import MembershipFactory, OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def company():
    return OrganizationFactory(name="Façades du Midi", slug="facades-du-midi")


@pytest.fixture
def owner(company):
    return MembershipFactory(organization=company, role="owner").user


@pytest.fixture
def manager(company):
    return MembershipFactory(organization=company, role="manager").user


@pytest.fixture
def rep(company):
    return MembershipFactory(organization=company, role="sales_rep").user


def invite(client, actor, company, email="nouveau@exemple.fr", role="sales_rep", capture=None):
    client.force_login(actor)
    return client.post(
        f"/api/v1/organizations/{company.id}/invitations/",
        {"email": email, "role": role},
        content_type="application/json",
    )


def link_from_mail(message) -> str:
    return re.search(r"http://\S+/equipe/invitation/\S+/", message.body).group(0)


def test_owner_invites_and_the_new_member_joins_through_the_signed_link(
    client, owner, company, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = invite(client, owner, company)
    assert response.status_code == 201
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["nouveau@exemple.fr"]
    assert "Façades du Midi" in message.subject
    path = link_from_mail(message).replace("http://127.0.0.1:8000", "")

    client.logout()
    page = client.get(path)
    assert page.status_code == 200
    assert "Créer mon compte" in page.content.decode()
    bad = client.post(path, {"first_name": "Léa", "last_name": "Roux", "password": "123"})
    assert "aria-invalid" in bad.content.decode()
    assert not Membership.objects.filter(user__email="nouveau@exemple.fr").exists()

    done = client.post(
        path, {"first_name": "Léa", "last_name": "Roux", "password": "chantier-2026!"}
    )
    assert done.status_code == 302
    membership = Membership.objects.get(user__email="nouveau@exemple.fr")
    assert (membership.organization, membership.role) == (company, "sales_rep")

    again = client.get(path)  # single use
    assert again.status_code == 410
    assert "déjà été acceptée" in again.content.decode()


def test_forged_or_expired_links_are_refused(client, owner, company):
    invite(client, owner, company)
    client.logout()
    assert client.get("/equipe/invitation/pas-un-jeton/").status_code == 410
    invitation = MembershipInvitation.objects.get()
    from apps.accounts.team import invitation_link_token

    token = invitation_link_token(invitation)
    from django.utils import timezone

    MembershipInvitation.objects.update(expires_at=timezone.now())
    response = client.get(f"/equipe/invitation/{token}/")
    assert response.status_code == 410
    assert "expiré" in response.content.decode()


def test_an_existing_account_must_sign_in_with_the_invited_address(client, owner, company):
    existing = UserFactory(email="deja@exemple.fr")
    invite(client, owner, company, email="deja@exemple.fr")
    from apps.accounts.team import invitation_link_token

    path = f"/equipe/invitation/{invitation_link_token(MembershipInvitation.objects.get())}/"
    client.logout()
    assert "Se connecter pour accepter" in client.get(path).content.decode()
    stranger = UserFactory(email="autre@exemple.fr")
    client.force_login(stranger)
    assert client.post(path).status_code == 200
    assert not Membership.objects.filter(user=stranger).exists()
    client.force_login(existing)
    assert client.post(path).status_code == 302
    assert Membership.objects.filter(user=existing, organization=company).exists()


@pytest.mark.parametrize(
    ("who", "expected"), [("owner", 201), ("manager", 201), ("rep", 403), ("outsider", 404)]
)
def test_who_may_invite(client, company, owner, manager, rep, who, expected):
    actor = {"owner": owner, "manager": manager, "rep": rep, "outsider": UserFactory()}[who]
    assert invite(client, actor, company).status_code == expected


def test_a_manager_cannot_create_or_touch_owners(client, company, owner, manager):
    assert invite(client, manager, company, role="owner").status_code == 403
    client.force_login(manager)
    url = f"/api/v1/organizations/{company.id}/members/{owner.id}/"
    assert (
        client.patch(url, {"role": "sales_rep"}, content_type="application/json").status_code == 403
    )
    assert client.delete(url).status_code == 403


def test_the_last_owner_stays(client, company, owner):
    client.force_login(owner)
    url = f"/api/v1/organizations/{company.id}/members/{owner.id}/"
    response = client.patch(url, {"role": "manager"}, content_type="application/json")
    assert response.status_code == 400
    assert "au moins un gérant" in str(response.json())
    assert client.delete(url).status_code == 400


def test_owner_changes_a_role_and_removes_a_member(client, company, owner, rep):
    client.force_login(owner)
    url = f"/api/v1/organizations/{company.id}/members/{rep.id}/"
    assert (
        client.patch(url, {"role": "manager"}, content_type="application/json").status_code == 200
    )
    assert Membership.objects.get(user=rep).role == "manager"
    assert client.patch(url, {"role": "boss"}, content_type="application/json").status_code == 400
    assert client.delete(url).status_code == 204
    assert not Membership.objects.filter(user=rep).exists()


def test_another_organization_is_not_found_everywhere(client, company, owner):
    other = OrganizationFactory(name="Toitures Occitanes", slug="toitures-occitanes")
    other_member = MembershipFactory(organization=other, role="sales_rep").user
    client.force_login(owner)
    base = f"/api/v1/organizations/{other.id}"
    assert client.get(f"{base}/members/").status_code == 404
    assert client.get(f"{base}/invitations/").status_code == 404
    assert (
        client.post(
            f"{base}/invitations/",
            {"email": "x@y.fr", "role": "sales_rep"},
            content_type="application/json",
        ).status_code
        == 404
    )
    member_url = f"{base}/members/{other_member.id}/"
    assert (
        client.patch(member_url, {"role": "manager"}, content_type="application/json").status_code
        == 404
    )
    assert client.delete(member_url).status_code == 404


def test_members_list_and_revoking_an_invitation(client, company, owner, rep):
    invite(client, owner, company)
    members = client.get(f"/api/v1/organizations/{company.id}/members/").json()
    assert {m["email"] for m in members} == {owner.email, rep.email}
    invitations = client.get(f"/api/v1/organizations/{company.id}/invitations/").json()
    assert [i["email"] for i in invitations] == ["nouveau@exemple.fr"]
    url = f"/api/v1/organizations/{company.id}/invitations/{invitations[0]['id']}/"
    assert client.delete(url).status_code == 204
    assert client.delete(url).status_code == 404
    assert client.get(f"/api/v1/organizations/{company.id}/invitations/").json() == []


def test_anonymous_gets_401(client, company):
    assert client.get(f"/api/v1/organizations/{company.id}/members/").status_code == 401
