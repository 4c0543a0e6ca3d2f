"""The demo data shows every state of a check; the named demo companies are fully verified
(scenarios dispatch leads to them)."""

from io import StringIO

import pytest
from django.core.management import call_command

from apps.accounts import api as accounts
from apps.directory import demo
from apps.directory.models import CheckKind, CheckStatus, ProCheck
from apps.directory.verification import checks

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("directory_data")]


def test_demo_pros_show_every_state_and_the_named_ones_are_insured():
    call_command("load_geography", departments="82", stdout=StringIO())  # Façades du Midi's
    names = demo.demo_company_names(scale="small")
    organizations = accounts.organizations_bulk_ensure(
        [(slug, name, "company") for slug, name in names]
    )
    ids = demo.demo_pros_ensure(
        organizations={slug: (organizations[slug], name) for slug, name in names}
    )
    states = set(ProCheck.objects.values_list("status", flat=True))
    assert states == set(CheckStatus.values)
    insured = checks.insured_pro_ids(pro_ids=list(ids.values()))
    assert {ids["facades-du-midi"], ids["toitures-occitanes"]} <= insured
    assert len(insured) >= 0.75 * len(ids)  # most demo pros can receive leads
    verified_identity = ProCheck.objects.filter(
        kind=CheckKind.IDENTITY, status=CheckStatus.VERIFIED
    ).count()
    assert verified_identity >= 0.6 * len(ids)
