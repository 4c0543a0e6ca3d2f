"""The security suite's world: one pro company with its team, another company, a network, a
manufacturer's partner account, Eldo staff, and one object of each kind the URLs name.

Built once per module (committed, like the directory's geography) and flushed at the end;
each test runs in a transaction rolled back after it, so a test's writes never leak.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

ROLES = (
    "anonymous",
    "homeowner",
    "pro_owner",
    "pro_manager",
    "pro_sales_rep",
    "other_pro",
    "network_manager",
    "partner",
    "advisor",
    "moderator",
    "staff",
)


@dataclass
class World:
    users: dict = field(default_factory=dict)  # role -> User (anonymous absent)
    ids: dict = field(default_factory=dict)  # URL parameter name -> value
    other_ids: dict = field(default_factory=dict)  # the same objects of the other company


def _companies():
    """Two façade companies of Haute-Garonne: "ours" (with contact details, so that the
    reveal links /telephone/ and /site-web/ answer) and another one."""
    from apps.directory.tests.factories import make_pro

    pro = make_pro("Façades du Midi", departments=("31",), trades=("facade", "peinture"))
    pro.phone, pro.website = "05 61 00 00 00", "https://facades-du-midi.fr"
    pro.save(update_fields=["phone", "website"])
    other = make_pro("Toitures Occitanes", departments=("31",), trades=("facade",))
    return pro, other


def _homeowner_and_pro_teams(pro, other) -> dict:
    """A homeowner, our company's owner, manager and sales rep, the other company's owner."""
    from apps.accounts.models import MemberRole
    from apps.accounts.tests.factories import MembershipFactory, UserFactory

    users = {"homeowner": UserFactory(email="claire@exemple.fr", first_name="Claire")}
    for role, member_role in (
        ("pro_owner", MemberRole.OWNER),
        ("pro_manager", MemberRole.MANAGER),
        ("pro_sales_rep", MemberRole.SALES_REP),
    ):
        users[role] = UserFactory(email=f"{role}@facades-du-midi.fr")
        MembershipFactory(user=users[role], organization=pro.organization, role=member_role)
    users["other_pro"] = UserFactory(email="julien@toitures-occitanes.fr")
    MembershipFactory(
        user=users["other_pro"], organization=other.organization, role=MemberRole.OWNER
    )
    return users


def _network_and_manufacturer(users: dict):
    """A network with its manager and a manufacturer with its API account, added to
    ``users``; returns both organizations."""
    from apps.accounts.models import MemberRole, OrganizationKind
    from apps.accounts.tests.factories import MembershipFactory, OrganizationFactory, UserFactory

    network = OrganizationFactory(
        name="Réseau Confort Habitat", slug="reseau-confort", kind=OrganizationKind.NETWORK
    )
    users["network_manager"] = UserFactory(email="nadia@reseau-confort.fr")
    MembershipFactory(user=users["network_manager"], organization=network, role=MemberRole.MANAGER)
    # A manufacturer's API account: today a user of its organization (JWT), the row
    # to extend when partners get API keys of their own.
    maker = OrganizationFactory(
        name="Isolants Sud", slug="isolants-sud", kind=OrganizationKind.MANUFACTURER
    )
    users["partner"] = UserFactory(email="api@isolants-sud.fr")
    MembershipFactory(user=users["partner"], organization=maker, role=MemberRole.MANAGER)
    return network, maker


def _eldo_staff() -> dict:
    from apps.accounts.tests.factories import UserFactory

    return {
        "advisor": UserFactory(email="camille@eldo.test", advisor=True),
        "moderator": UserFactory(email="mathieu@eldo.test", moderator=True),
        "staff": UserFactory(email="alice@eldo.test", is_superuser=True, is_staff=True),
    }


def _company_objects(pro, *, email: str, owner, advisor) -> dict:
    """A company's review, review invitation, dispatched quote request and its lead, and
    team invitation: the ids its URLs name."""
    from apps.accounts.models import MemberRole
    from apps.accounts.team import member_invite
    from apps.leads.models import Lead
    from apps.quotes import services as quotes
    from apps.quotes.models import QuoteChannel, QuoteKind
    from apps.reviews.tests.support import invite, submit_invited

    review = submit_invited(pro, email=f"avis.{email}")
    invitation, _token = invite(pro, email=f"invite.{email}")
    quote = quotes.quote_submit(
        kind=QuoteKind.QUOTE,
        channel=QuoteChannel.API,
        category="facade",
        description="Ravalement complet de la façade d'une maison de 120 m².",
        postcode="31000",
        first_name="Luce",
        last_name="Moreau",
        email=f"devis.{email}",
        phone="06 12 34 56 78",
        consent=True,
    ).quote
    quotes.quote_claim(quote_id=quote.pk, actor=advisor.actor)
    quotes.quote_qualify(
        quote_id=quote.pk,
        actor=advisor.actor,
        changes={"budget_range": "5k_15k", "timeline": "3_months"},
    )
    quotes.quote_dispatch(quote_id=quote.pk, actor=advisor.actor, pro_slugs=[pro.slug])
    lead = Lead.objects.get(quote_id=quote.pk, pro_id=pro.pk)
    team_invitation = member_invite(
        actor=owner,
        organization_id=pro.organization_id,
        email=f"recrue.{email}",
        role=MemberRole.SALES_REP,
    )
    return {
        "slug": pro.slug,
        "review_id": review.pk,
        "invitation_id": invitation.pk,
        "team_invitation_id": team_invitation.pk,
        "reference": quote.reference,
        "quote_id": quote.pk,
        "lead_id": lead.pk,
        "organization_id": pro.organization_id,
    }


def _network_objects(network) -> dict:
    """The network's partner API key, webhook endpoint with a failed delivery (it may be
    replayed), and a lead waiting in its "à router" queue."""
    from apps.accounts.partner_keys import partner_api_key_create
    from apps.leads.models import UnroutedLead, WebhookDelivery, WebhookEndpoint

    key, _secret = partner_api_key_create(organization_id=network.pk, name="CRM")
    endpoint = WebhookEndpoint.objects.create(
        network_id=network.pk,
        url="https://crm.exemple.fr/eldo",
        secret="whsec_x",
        created_at=timezone.now(),
    )
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint,
        event_id="00000000-0000-5000-8000-000000000001",
        event_type="lead.created",
        body="{}",
        status="failed",
        created_at=timezone.now(),
    )
    unrouted = UnroutedLead.objects.create(
        network_id=network.pk,
        external_id="RCH-WAIT",
        data={"category_slug": "facade", "postcode": "31000", "external_id": "RCH-WAIT"},
        created_at=timezone.now(),
    )
    return {
        "prefix": key.prefix,
        "endpoint_id": endpoint.pk,
        "delivery_id": delivery.pk,
        "unrouted_id": unrouted.pk,
    }


def _build_world() -> World:
    from apps.directory.models import ProCheck
    from apps.directory.services import categories_sync
    from apps.leads.models import Lead
    from apps.leads.services import network_installer_ensure
    from eldo.celery import app

    call_command("load_geography", departments="31", stdout=StringIO())
    categories_sync()
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = True
    try:
        pro, other = _companies()
        users = _homeowner_and_pro_teams(pro, other)
        network, maker = _network_and_manufacturer(users)
        network_rule = network_installer_ensure(network_id=network.pk, pro_id=pro.pk)
        users |= _eldo_staff()
        world = World(users=users)
        world.ids = _company_objects(
            pro, email="midi@exemple.fr", owner=users["pro_owner"], advisor=users["advisor"]
        )
        world.ids["user_id"] = users["pro_sales_rep"].pk
        world.ids["network_id"] = network.pk
        world.ids["rule_id"] = network_rule.pk  # the network's rule for Façades du Midi
        world.ids |= _network_objects(network)
        # A check waiting for Eldo staff (the verification queue), without a document.
        world.ids["check_id"] = ProCheck.objects.create(pro=pro, kind="manager").pk
        Lead.objects.filter(pk=world.ids["lead_id"]).update(
            assigned_to_id=users["pro_sales_rep"].pk
        )
        world.other_ids = _company_objects(
            other, email="occitanes@exemple.fr", owner=users["other_pro"], advisor=users["advisor"]
        )
        world.other_ids["user_id"] = users["other_pro"].pk
        world.other_ids["network_id"] = maker.pk
        return world
    finally:
        app.conf.task_always_eager = eager


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker) -> World:
    with django_db_blocker.unblock():
        built = _build_world()
    yield built
    with django_db_blocker.unblock():
        call_command("flush", interactive=False, verbosity=0)


def jwt_for(user) -> str:
    from apps.accounts.presentation.serializers import EldoTokenObtainPairSerializer

    return str(EldoTokenObtainPairSerializer.get_token(user).access_token)


@pytest.fixture
def client_as(db, world):
    """``client_as(role, api=True)``: a JWT API client, or a logged-in page client."""

    def make(role: str, *, api: bool):
        user = world.users.get(role)
        if api:
            client = APIClient()
            if user is not None:
                client.credentials(HTTP_AUTHORIZATION=f"Bearer {jwt_for(user)}")
            return client
        client = Client()
        if user is not None:
            client.force_login(user)
        return client

    return make
