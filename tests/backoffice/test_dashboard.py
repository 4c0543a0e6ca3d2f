"""The pro's dashboard: its own figures, nobody else's."""

import re

import pytest

from apps.accounts.tests.factories import MembershipFactory, UserFactory
from apps.directory.models import ProPhoto, ProProfile
from apps.directory.tests.factories import make_pro

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("directory_data")]


def test_the_dashboard_shows_the_company_figures_and_what_to_complete(
    client, django_assert_max_num_queries
):
    pro = make_pro("Façades du Midi", rating=(4.6, 18), certifications=(("rge", 30),))
    owner = MembershipFactory(organization_id=pro.organization_id, role="owner").user
    client.force_login(owner)
    with django_assert_max_num_queries(20):
        response = client.get("/espace-pro/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Façades du Midi" in html
    assert "4,6" in html and "18" in html
    assert "Au moins 3 photos de réalisations" in html
    assert 'aria-current="page">Tableau de bord' in html


def _checklist(html: str) -> dict[str, bool]:
    items = re.findall(r'<span class="tag( tag--ok)?">(?:Fait|À faire)</span> ([^<]+)</li>', html)
    return {label.strip(): bool(ok) for ok, label in items}


def test_the_checklist_ticks_what_the_public_profile_shows(client):
    complete = make_pro("Toitures Complètes", description="x" * 200, certifications=(("rge", 30),))
    ProProfile.objects.filter(pk=complete.pk).update(
        logo="pros/logos/l.png", phone="0561000000", website="https://toit.example"
    )
    for i in range(3):
        ProPhoto.objects.create(pro=complete, image=f"pros/photos/{i}.jpg", position=i)
    # An expired label and the insurance (not a label) do not count; two photos are not three.
    bare = make_pro("Toitures Nues", description="x" * 199, certifications=(("qualibat", -1),))
    ProProfile.objects.filter(pk=bare.pk).update(phone="0561000000")
    for i in range(2):
        ProPhoto.objects.create(pro=bare, image=f"pros/photos/b{i}.jpg", position=i)

    expected = {complete: True, bare: False}
    for pro, done in expected.items():
        client.force_login(MembershipFactory(organization_id=pro.organization_id).user)
        html = client.get("/espace-pro/").content.decode()
        checklist = _checklist(html)
        assert len(checklist) == 5 and set(checklist.values()) == {done}, (pro, checklist)
        assert ("100 %" if done else "0 %") in html


def test_no_membership_no_dashboard(client):
    client.force_login(UserFactory())
    assert client.get("/espace-pro/").status_code == 404
    client.logout()
    assert client.get("/espace-pro/").status_code == 302


def test_members_of_a_company_get_an_espace_pro_link(client):
    pro = make_pro("Façades du Midi")
    owner = MembershipFactory(organization_id=pro.organization_id, role="owner").user
    client.force_login(owner)
    assert 'href="/espace-pro/"' in client.get("/").content.decode()
    client.force_login(UserFactory())
    assert 'href="/espace-pro/"' not in client.get("/").content.decode()
