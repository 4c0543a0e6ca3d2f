"""`manage.py seed_demo`: one demo account per role, idempotent, refused with DEBUG off."""

import pytest
from django.core.management import CommandError, call_command

from apps.accounts.models import Membership, Organization, User
from apps.accounts.tests.two_factor import otp_for

DEMO_EMAILS = {
    "admin@eldo.test",
    "conseiller@eldo.test",
    "moderateur@eldo.test",
    "pro@eldo.test",
    "commercial@eldo.test",
    "autrepro@eldo.test",
    "reseau@eldo.test",
    "marque@eldo.test",
    "particulier@eldo.test",
}


@pytest.mark.django_db
def test_seed_demo_creates_one_account_per_role_and_is_idempotent(settings, client):
    settings.DEBUG = True
    call_command("seed_demo")
    from apps.directory.models import Brand, ProNetwork
    from apps.leads.models import NetworkInstaller

    def counted():
        return (
            User.objects.count(),
            Organization.objects.count(),
            Membership.objects.count(),
            Brand.objects.count(),
            ProNetwork.objects.count(),
            NetworkInstaller.objects.count(),
        )

    counts = counted()
    call_command("seed_demo")
    assert counted() == counts
    _brands_have_installers_and_rules()
    _content_is_complete()
    roles = _roles_through_the_api(client)
    _homeowner_sees_her_projects(client)
    _roles_are_the_documented_ones(roles)


def _brands_have_installers_and_rules():
    from apps.directory.models import Brand, ProProfile
    from apps.leads.models import NetworkInstaller

    # Three brands, published, each with certified installers of its trade in several
    # départements and a routing rule for each of them.
    for brand in Brand.objects.filter(is_published=True):
        installers = ProProfile.objects.filter(network_links__network_id=brand.organization_id)
        assert len(set(installers.values_list("commune__department_id", flat=True))) >= 2
        rules = NetworkInstaller.objects.filter(network_id=brand.organization_id)
        assert set(rules.values_list("pro_id", flat=True)) == set(
            installers.values_list("id", flat=True)
        )
    assert Brand.objects.filter(is_published=True).count() == 3


def _content_is_complete():
    assert set(User.objects.values_list("email", flat=True)) >= DEMO_EMAILS
    # "seed_demo adds 40 reviews or more per demo pro": published ones, every pro.
    from django.db.models import Count

    from apps.directory.models import ProProfile
    from apps.reviews.models import Review

    published = dict(
        Review.objects.filter(status="published").values_list("pro_id").annotate(n=Count("id"))
    )
    pros = dict(ProProfile.objects.values_list("slug", "id"))
    assert len(pros) >= 60
    assert {slug: published.get(i, 0) for slug, i in pros.items() if published.get(i, 0) < 40} == {}
    # Every dispatch of a demo request has its lead at the pro, once (idempotent).
    from apps.leads.models import Lead
    from apps.quotes.models import QuoteDispatchChoice

    dispatches = QuoteDispatchChoice.objects.filter(quote__channel="demo")
    assert dispatches.exists()
    assert Lead.objects.filter(source="quote").count() == dispatches.count()
    assert Lead.objects.filter(source="quote", status="won").exists()
    # Homeowners answered "L'artisan vous a-t-il contacté ?": both answers are in the demo.
    assert {"yes", "no"} <= set(Lead.objects.values_list("contact_check", flat=True))
    # The demo network's webhook page shows a delivered and a failed ("Rejouer") delivery.
    from apps.leads.models import WebhookDelivery

    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {"succeeded", "failed"}


def _roles_through_the_api(client) -> dict:
    """Each demo account signs in through the API (staff with their second factor)."""
    roles = {}
    for email in DEMO_EMAILS:
        credentials = {"email": email, "password": "eldo-demo-2026"}
        demo_user = User.objects.get(email=email)
        if demo_user.is_staff or demo_user.staff_role:
            credentials["otp"] = otp_for(demo_user)  # staff tokens need the second factor
        response = client.post("/api/v1/auth/token/", credentials, format="json")
        assert response.status_code == 200, email
        access = response.json()["access"]
        me = client.get("/api/v1/auth/me/", HTTP_AUTHORIZATION=f"Bearer {access}").json()
        roles[email] = me
        client.post("/api/v1/auth/logout/", {"refresh": response.json()["refresh"]})
    return roles


def _homeowner_sees_her_projects(client):
    # The demo homeowner's own requests are in "Mes projets" (verified demo address).
    client.force_login(User.objects.get(email="particulier@eldo.test"))
    assert len(client.get("/api/v1/me/quotes/").json()) >= 1
    client.logout()


def _roles_are_the_documented_ones(roles: dict):
    assert "staff" in roles["admin@eldo.test"]["roles"]
    assert "advisor" in roles["conseiller@eldo.test"]["roles"]
    assert "moderator" in roles["moderateur@eldo.test"]["roles"]
    assert roles["particulier@eldo.test"]["roles"] == ["homeowner"]
    pro = roles["pro@eldo.test"]["memberships"]
    assert [(m["slug"], m["role"]) for m in pro] == [("facades-du-midi", "owner")]
    rep = roles["commercial@eldo.test"]["memberships"]
    assert [(m["slug"], m["role"]) for m in rep] == [("facades-du-midi", "sales_rep")]
    other = roles["autrepro@eldo.test"]["memberships"]
    assert other[0]["kind"] == "company" and other[0]["slug"] != "facades-du-midi"
    brand = roles["marque@eldo.test"]["memberships"]
    assert [(m["name"], m["kind"], m["role"]) for m in brand] == [
        ("Solvéa Chaleur", "manufacturer", "manager")
    ]
    network = roles["reseau@eldo.test"]["memberships"]
    assert [(m["name"], m["kind"], m["role"]) for m in network] == [
        ("Réseau Confort Habitat", "network", "manager")
    ]


@pytest.mark.django_db
def test_seed_demo_refuses_to_run_with_debug_off_unless_forced(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("seed_demo")
    assert not User.objects.exists()
    call_command("seed_demo", force=True)
    assert User.objects.filter(email="pro@eldo.test").exists()
