"""Fixtures of the leads tests: the quotes fixtures (geography, façade pros, a request built
through the real services), named members of the receiving companies, a dispatch helper."""

from __future__ import annotations

import pytest

from apps.accounts.tests.factories import MembershipFactory, OrganizationFactory, UserFactory
from apps.quotes import services as quote_services
from apps.quotes.tests.conftest import (  # noqa: F401  (fixtures)
    directory_data,
    facade_pros,
    homeowner,
    make_quote,
    other_advisor,
    payload,
)


@pytest.fixture
def midi_team(facade_pros):  # noqa: F811
    """Façades du Midi: Philippe (owner), Sophie and Karim (sales reps)."""
    org_id = facade_pros["midi"].organization_id
    owner = UserFactory(email="philippe@facades-du-midi.fr", first_name="Philippe")
    rep = UserFactory(email="sophie@facades-du-midi.fr", first_name="Sophie")
    other_rep = UserFactory(email="karim@facades-du-midi.fr", first_name="Karim")
    MembershipFactory(user=owner, organization_id=org_id, role="owner")
    MembershipFactory(user=rep, organization_id=org_id, role="sales_rep")
    MembershipFactory(user=other_rep, organization_id=org_id, role="sales_rep")
    return {"owner": owner, "rep": rep, "other_rep": other_rep, "org_id": org_id}


@pytest.fixture
def garonne_owner(facade_pros):  # noqa: F811
    user = UserFactory(email="marc@enduits-garonne.fr", first_name="Marc")
    MembershipFactory(
        user=user, organization_id=facade_pros["garonne"].organization_id, role="owner"
    )
    return user


@pytest.fixture
def network(db):
    org = OrganizationFactory(name="Réseau Confort Habitat", slug="reseau-confort", kind="network")
    manager = UserFactory(email="nadia@reseau-confort.fr", first_name="Nadia")
    MembershipFactory(user=manager, organization=org, role="manager")
    return {"org": org, "manager": manager}


@pytest.fixture
def dispatch(make_quote, advisor, django_capture_on_commit_callbacks):  # noqa: F811
    """Submit, claim, qualify and dispatch a request to ``slugs``; runs the outbox."""

    def run(slugs: list[str], **overrides):
        quote = make_quote(**overrides)
        with django_capture_on_commit_callbacks(execute=True):
            quote_services.quote_claim(quote_id=quote.pk, actor=advisor.actor)
            quote_services.quote_qualify(quote_id=quote.pk, actor=advisor.actor, changes={})
            quote_services.quote_dispatch(quote_id=quote.pk, actor=advisor.actor, pro_slugs=slugs)
        return quote

    return run
