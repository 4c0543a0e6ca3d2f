"""Matching, the advisor's dispatch suggestions and network routing skip pros without a
verified décennale insurance valid for the request's trade (LEADS_REQUIRE_INSURANCE)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from rest_framework.test import APIClient

from apps.accounts.tests.factories import MembershipFactory, OrganizationFactory, UserFactory
from apps.directory import api as directory
from apps.directory.models import Category, CheckKind, CheckStatus, ProCheck
from apps.directory.tests.conftest import directory_data  # noqa: F401  (module fixture)
from apps.directory.tests.factories import make_pro
from apps.leads import services as leads
from apps.quotes import selectors as quote_selectors
from apps.quotes import services as quotes
from apps.quotes.models import QuoteChannel, QuoteKind

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("directory_data")]


def insure(pro, *, trades=("facade",), days=200, status=CheckStatus.VERIFIED):
    check = ProCheck.objects.create(
        pro=pro,
        kind=CheckKind.INSURANCE,
        number=f"POL-{pro.id}-{days}",
        issuer="SMABTP",
        status=status,
        valid_until=date.today() + timedelta(days=days),
    )
    check.trades.set(Category.objects.filter(slug__in=trades))


@pytest.fixture
def pros():
    insured = make_pro("Façades Assurées", departments=("31",), rating=(4.0, 5))
    # The best rated ones would come first if they were insured.
    uninsured = make_pro(
        "Façades Sans Assurance", departments=("31",), rating=(4.9, 50), insured=False
    )
    pending = make_pro("Façades En Attente", departments=("31",), rating=(4.8, 40), insured=False)
    insure(pending, status=CheckStatus.PENDING)
    lapsed = make_pro("Façades Expirées", departments=("31",), rating=(4.7, 30), insured=False)
    insure(lapsed, days=-1)
    roofer = make_pro(
        "Couvreur Assuré Toiture", departments=("31",), rating=(4.6, 20), insured=False
    )
    roofer.categories.add(Category.objects.get(slug="toiture"))
    insure(roofer, trades=("toiture",))
    return {
        "insured": insured,
        "uninsured": uninsured,
        "pending": pending,
        "lapsed": lapsed,
        "roofer": roofer,
    }


def matched() -> list[str]:
    return [m.pro.slug for m in directory.pros_matching(category_slug="facade", postcode="31000")]


def test_matching_keeps_only_pros_insured_for_the_trade(pros):
    assert matched() == [pros["insured"].slug]


def test_the_setting_turns_the_rule_off(pros, settings):
    settings.LEADS_REQUIRE_INSURANCE = False
    assert set(matched()) == {p.slug for p in pros.values()}


def test_dispatch_suggestions_skip_an_uninsured_pro(pros):
    quote = quotes.quote_submit(
        channel=QuoteChannel.API,
        kind=QuoteKind.QUOTE,
        category="facade",
        description="Ravalement complet de la façade d'une maison de 120 m².",
        postcode="31000",
        first_name="Luce",
        last_name="Moreau",
        email="luce@exemple.fr",
        phone="06 12 34 56 78",
        consent=True,
    ).quote
    suggested = [s.match.pro.slug for s in quote_selectors.quote_suggestions(quote)]
    assert suggested == [pros["insured"].slug]


def test_network_routing_skips_an_uninsured_installer(pros, django_capture_on_commit_callbacks):
    network = OrganizationFactory(name="Réseau Confort", slug="reseau-confort", kind="network")
    manager = UserFactory(email="nadia@reseau-confort.fr")
    MembershipFactory(user=manager, organization=network, role="manager")
    # The uninsured installer joined first: round-robin would pick it.
    leads.network_installer_ensure(network_id=network.pk, pro_id=pros["uninsured"].id)
    leads.network_installer_ensure(network_id=network.pk, pro_id=pros["insured"].id)
    api = APIClient()
    api.force_authenticate(manager)
    payload = {
        "category": "facade",
        "postcode": "31000",
        "first_name": "Jeanne",
        "email": "jeanne@exemple.fr",
        "phone": "06 11 22 33 44",
        "description": "Reprise d'enduit sur pignon, 40 m².",
    }
    with django_capture_on_commit_callbacks(execute=True):
        routed = [
            api.post("/api/v1/leads/inbound/", {**payload, "external_id": f"R-{n}"}, format="json")
            for n in range(2)
        ]
    assert [r.status_code for r in routed] == [201, 201]
    assert {r.json()["pro"]["slug"] for r in routed} == {pros["insured"].slug}


def test_dispatch_refuses_an_uninsured_pro_even_the_one_the_homeowner_named(pros):
    advisor = UserFactory(email="camille.durand@eldo.test", advisor=True)
    quote = quotes.quote_submit(
        channel=QuoteChannel.API,
        kind=QuoteKind.QUOTE,
        category="facade",
        description="Ravalement de la façade nord, environ 60 m².",
        postcode="31000",
        first_name="Inès",
        email="ines@exemple.fr",
        phone="06 22 33 44 55",
        consent=True,
        pro=pros["uninsured"].slug,
    ).quote
    quotes.quote_claim(quote_id=quote.pk, actor=advisor.actor)
    quotes.quote_qualify(
        quote_id=quote.pk,
        actor=advisor.actor,
        changes={"budget_range": "5k_15k", "timeline": "3_months"},
    )
    with pytest.raises(ValidationError) as refused:
        quotes.quote_dispatch(
            quote_id=quote.pk, actor=advisor.actor, pro_slugs=[pros["uninsured"].slug]
        )
    assert "assurance décennale" in str(refused.value.message_dict["pros"])
    quote.refresh_from_db()
    assert quote.status == "qualified"
