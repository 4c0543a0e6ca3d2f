"""Fixtures of the stats tests: the leads fixtures (geography, façade pros, Façades du Midi's
team, a network, a dispatch through the real services), a network manager of another
network, and a year of demo statistics."""

from __future__ import annotations

import pytest

from apps.accounts.tests.factories import MembershipFactory, OrganizationFactory, UserFactory
from apps.leads.tests.conftest import (  # noqa: F401  (fixtures)
    directory_data,
    dispatch,
    facade_pros,
    garonne_owner,
    homeowner,
    make_quote,
    midi_team,
    network,
    other_advisor,
    payload,
)
from apps.stats import demo as stats


@pytest.fixture
def other_network(db):
    org = OrganizationFactory(name="Réseau Isolation Plus", slug="isolation-plus", kind="network")
    manager = UserFactory(email="paul@isolation-plus.fr", first_name="Paul")
    MembershipFactory(user=manager, organization=org, role="owner")
    return {"org": org, "manager": manager}


@pytest.fixture
def year_of_stats(facade_pros, midi_team, network):  # noqa: F811
    """Twelve months of demo statistics for Façades du Midi and the network's installers."""
    rows = stats.demo_seed(
        company_slug=facade_pros["midi"].slug,
        member_user_ids=[midi_team["rep"].pk, midi_team["owner"].pk],
        network_id=network["org"].pk,
        installer_slugs=[facade_pros["garonne"].slug, facade_pros["rose"].slug],
    )
    assert rows > 300
    return rows
