"""Named users and clients for every test, like Zulip's ``example_user("hamlet")``.

The names are seed_demo's accounts (the ones a newcomer signs in with on the demo site):
``example_user("advisor")`` is Camille Durand, conseiller@eldo.test, an advisor, with the
demo's name, role and organization. A user is created on first use in the test's database;
an organization of the demo (facades-du-midi...) is reused when the test already built it,
e.g. with ``make_pro("Façades du Midi")``.

Fixtures defined once here, for every context: ``example_user``, ``advisor``,
``moderator``, ``staff`` (the superuser), ``api_client`` (anonymous) and ``api_as(user)``
(an API client authenticated as ``user``). A conftest of a context may still define a user
of its own under another name (``other_advisor``, ``homeowner`` with the e-mail its
requests use...).
"""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

# name -> e-mail of seed_demo's account; the rest of each account comes from the demo table.
EXAMPLE_USERS = {
    "admin": "admin@eldo.test",
    "advisor": "conseiller@eldo.test",
    "moderator": "moderateur@eldo.test",
    "pro": "pro@eldo.test",
    "sales_rep": "commercial@eldo.test",
    "other_pro": "autrepro@eldo.test",
    "network_manager": "reseau@eldo.test",
    "brand_manager": "marque@eldo.test",
    "homeowner": "particulier@eldo.test",
}


def demo_tables() -> tuple[list, list]:
    """seed_demo's (DEMO_ACCOUNTS, DEMO_ORGANIZATIONS)."""
    from apps.accounts.demo import DEMO_ACCOUNTS, DEMO_ORGANIZATIONS

    return DEMO_ACCOUNTS, DEMO_ORGANIZATIONS


def example_user_create(name: str):
    """The demo account called ``name``, created in the current database if needed."""
    from apps.accounts.models import StaffRole, User
    from apps.accounts.tests.factories import (
        MembershipFactory,
        OrganizationFactory,
        UserFactory,
    )

    try:
        email = EXAMPLE_USERS[name]
    except KeyError:
        raise LookupError(f"no example user {name!r}: one of {sorted(EXAMPLE_USERS)}") from None
    existing = User.objects.filter(email=email).first()
    if existing is not None:
        return existing
    accounts, organizations = demo_tables()
    _email, first, last, superuser, staff_role, membership = next(
        row for row in accounts if row[0] == email
    )
    user = UserFactory(
        email=email,
        first_name=first,
        last_name=last,
        is_superuser=superuser,
        is_staff=bool(superuser or staff_role),
        staff_role=staff_role or StaffRole.NONE,
    )
    if membership:
        slug, role = membership
        org_name, kind = next((n, k) for s, n, k in organizations if s == slug)
        organization = OrganizationFactory(slug=slug, name=org_name, kind=kind)
        MembershipFactory(user=user, organization=organization, role=role)
    return user


@pytest.fixture
def example_user(db):
    """``example_user("advisor")``: one of seed_demo's accounts (see ``EXAMPLE_USERS``)."""
    return example_user_create


@pytest.fixture
def advisor(example_user):
    """Camille Durand, conseiller@eldo.test: an advisor (staff role)."""
    return example_user("advisor")


@pytest.fixture
def moderator(example_user):
    """Mathieu Roux, moderateur@eldo.test: a moderator (staff role)."""
    return example_user("moderator")


@pytest.fixture
def staff(example_user):
    """Alice Martin, admin@eldo.test: the superuser."""
    return example_user("admin")


@pytest.fixture
def api_client() -> APIClient:
    """An anonymous API client."""
    return APIClient()


@pytest.fixture
def api_as():
    """``api_as(user)``: an API client authenticated as ``user`` (``None``: anonymous).

    Authentication is forced: the JWT flow itself is tested in accounts."""

    def make(user=None) -> APIClient:
        client = APIClient()
        if user is not None:
            client.force_authenticate(user)
        return client

    return make
