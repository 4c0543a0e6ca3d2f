"""Role-aware navigation: where each role lands after signing in, its account menu."""

import pytest
from django.test import Client

from apps.accounts.models import MemberRole, OrganizationKind
from apps.accounts.tests.factories import (
    PASSWORD,
    MembershipFactory,
    OrganizationFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def sign_in(user, next_url=""):
    url = "/connexion/" + (f"?next={next_url}" if next_url else "")
    return Client().post(url, {"username": user.email, "password": PASSWORD})


def member(kind):
    user = UserFactory()
    organization = OrganizationFactory(kind=kind)
    MembershipFactory(user=user, organization=organization, role=MemberRole.OWNER)
    return user


@pytest.mark.parametrize(
    ("make", "home"),
    [
        (lambda: UserFactory(advisor=True), "/conseiller/demandes/"),
        (lambda: UserFactory(moderator=True), "/moderation/avis/"),
        (lambda: UserFactory(is_staff=True, is_superuser=True), "/conseiller/statistiques/"),
        (lambda: member(OrganizationKind.COMPANY), "/espace-pro/"),
        (lambda: member(OrganizationKind.NETWORK), "/espace-pro/reseau/"),
        (lambda: UserFactory(), "/mes-projets/"),
    ],
    ids=["advisor", "moderator", "staff", "pro", "network", "homeowner"],
)
def test_each_role_lands_on_its_home(make, home):
    response = sign_in(make())
    assert response.status_code == 302
    assert response["Location"] == home


def test_a_safe_next_wins_over_the_role_home():
    response = sign_in(UserFactory(moderator=True), next_url="/mon-compte/")
    assert response["Location"] == "/mon-compte/"


def test_an_unsafe_next_is_ignored():
    response = sign_in(UserFactory(moderator=True), next_url="https://evil.example/")
    assert response["Location"] == "/moderation/avis/"


def menu_of(client) -> str:
    page = client.get("/").content.decode()
    start = page.index('class="account-menu__list"')
    return page[start : page.index("</ul>", start)]


def test_the_moderator_menu_has_moderation(client):
    client.force_login(UserFactory(moderator=True))
    menu = menu_of(client)
    assert 'href="/moderation/avis/">Modération' in menu
    assert 'href="/mon-compte/">Mon compte' in menu
    assert "/conseiller/demandes/" not in menu


def test_the_advisor_menu_has_the_queues(client):
    client.force_login(UserFactory(advisor=True))
    menu = menu_of(client)
    assert 'href="/conseiller/demandes/"' in menu
    assert 'href="/conseiller/transmissions/"' in menu
    assert "/moderation/avis/" not in menu


def test_the_pro_menu_has_the_back_office(client):
    client.force_login(member(OrganizationKind.COMPANY))
    menu = menu_of(client)
    assert 'href="/espace-pro/">Espace pro' in menu
    assert "/moderation/" not in menu and "/admin/" not in menu


def test_a_homeowner_menu_has_their_projects_reviews_and_account(client):
    client.force_login(UserFactory())
    menu = menu_of(client)
    assert 'href="/mon-compte/">Mon compte' in menu
    assert 'href="/mes-projets/">Mes projets' in menu
    assert 'href="/mes-avis/">Mes avis' in menu
    assert "/espace-pro/" not in menu and "/conseiller/" not in menu


def test_my_account_links_every_setting(client):
    client.force_login(UserFactory(moderator=True))
    page = client.get("/mon-compte/").content.decode()
    for href in (
        "/mon-compte/adresse-e-mail/",
        "/mon-compte/mot-de-passe/",
        "/mon-compte/donnees/",
        "/mon-compte/double-authentification/",
    ):
        assert f'href="{href}"' in page


def test_my_account_of_a_pro_links_notifications_not_two_factor(client):
    client.force_login(member(OrganizationKind.COMPANY))
    page = client.get("/mon-compte/").content.decode()
    assert 'href="/espace-pro/notifications/"' in page
    assert "double-authentification" not in page


def test_the_home_page_query_count_with_the_menu(client, django_assert_max_num_queries):
    client.force_login(member(OrganizationKind.COMPANY))
    client.get("/")
    with django_assert_max_num_queries(12):
        assert client.get("/").status_code == 200


def test_a_back_office_page_reads_the_memberships_for_its_rights_and_menu_once(client):
    """The actor's query gives the account menu its memberships: a back-office page reads
    them for its rights (the actor) and for the organization it acts for, not a third time
    for the menu."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(member(OrganizationKind.COMPANY))
    client.get("/espace-pro/demandes/")
    with CaptureQueriesContext(connection) as captured:
        page = client.get("/espace-pro/demandes/")
    assert page.status_code == 200
    assert 'href="/espace-pro/"' in page.content.decode()  # the menu is there
    reads = [
        q["sql"]
        for q in captured.captured_queries
        if '"accounts_membership"' in q["sql"] and '"accounts_organization"' in q["sql"]
    ]
    assert len(reads) == 2, "\n".join(reads)


def test_a_network_sales_rep_lands_on_a_page_that_exists():
    """The network's space is its owners' and managers'; its sales rep must not land on a
    404 nor see an "Espace réseau" entry that answers 404."""
    user = UserFactory()
    network = OrganizationFactory(kind=OrganizationKind.NETWORK)
    MembershipFactory(user=user, organization=network, role=MemberRole.SALES_REP)
    client = Client()
    response = client.post("/connexion/", {"username": user.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] != "/espace-pro/reseau/"
    assert client.get(response["Location"]).status_code == 200
    assert "/espace-pro/reseau/" not in menu_of(client)
