"""The pro's dashboard: its own figures, nobody else's."""

import pytest

from apps.accounts.tests.factories import MembershipFactory, UserFactory
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
