"""The suite's named users (tests/plugins/users.py) are seed_demo's accounts, built alike."""

import pytest

from apps.accounts.demo import DEMO_ACCOUNTS
from tests.plugins.users import EXAMPLE_USERS

pytestmark = pytest.mark.django_db


def test_every_demo_account_has_a_name_and_every_name_an_account():
    assert sorted(EXAMPLE_USERS.values()) == sorted(row[0] for row in DEMO_ACCOUNTS)


@pytest.mark.parametrize("name", sorted(EXAMPLE_USERS))
def test_an_example_user_is_its_demo_account(example_user, name):
    email, first, last, superuser, staff_role, membership = next(
        row for row in DEMO_ACCOUNTS if row[0] == EXAMPLE_USERS[name]
    )
    user = example_user(name)
    assert (user.email, user.first_name, user.last_name) == (email, first, last)
    assert (user.is_superuser, user.staff_role) == (superuser, staff_role)
    memberships = {(m.organization.slug, m.role) for m in user.memberships.all()}
    assert memberships == ({membership} if membership else set())
    assert example_user(name) == user  # asked again: the same user


def test_the_role_fixtures_are_the_named_users(advisor, moderator, staff):
    assert advisor.email == EXAMPLE_USERS["advisor"] and advisor.staff_role == "advisor"
    assert moderator.email == EXAMPLE_USERS["moderator"] and moderator.staff_role == "moderator"
    assert staff.email == EXAMPLE_USERS["admin"] and staff.is_superuser


def test_api_as_authenticates_the_user_and_none_is_anonymous(api_as, advisor):
    assert api_as(advisor).get("/api/v1/auth/me/").status_code == 200
    assert api_as().get("/api/v1/auth/me/").status_code == 401
