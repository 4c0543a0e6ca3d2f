"""Fixtures of the reviews tests: a geography subset and trades (the directory's fixture),
pros built like the directory builds them, and the pro's team. ``advisor``, ``moderator``,
``staff``, ``api_client`` and ``api_as`` come from the suite's plugin (tests/plugins/users.py)."""

import pytest

from apps.accounts.models import MemberRole
from apps.accounts.tests.factories import MembershipFactory, UserFactory
from apps.directory.tests.conftest import directory_data  # noqa: F401 (module-scoped fixture)
from apps.directory.tests.factories import make_pro


@pytest.fixture
def pro(directory_data, db):  # noqa: F811
    """Façades du Midi, in Toulouse: the reviewed pro."""
    return make_pro("Façades du Midi", departments=("31",), trades=("facade", "peinture"))


@pytest.fixture
def other_pro(directory_data, db):  # noqa: F811
    return make_pro("Toitures Occitanes", departments=("31",), trades=("toiture",))


@pytest.fixture
def owner(pro):
    user = UserFactory(email="philippe@facades-du-midi.fr", first_name="Philippe")
    MembershipFactory(user=user, organization=pro.organization, role=MemberRole.OWNER)
    return user


@pytest.fixture
def sales_rep(pro):
    user = UserFactory(email="sophie@facades-du-midi.fr", first_name="Sophie")
    MembershipFactory(user=user, organization=pro.organization, role=MemberRole.SALES_REP)
    return user


@pytest.fixture
def other_owner(other_pro):
    user = UserFactory(email="julien@toitures-occitanes.fr", first_name="Julien")
    MembershipFactory(user=user, organization=other_pro.organization, role=MemberRole.OWNER)
    return user


@pytest.fixture
def homeowner(db):
    return UserFactory(email="luce@exemple.fr", first_name="Luce")


@pytest.fixture
def api(api_client):
    """The older name of the suite's ``api_client``, kept for tests being written."""
    return api_client


@pytest.fixture
def as_user(api_as):
    """The older name of the suite's ``api_as``, kept for tests being written."""
    return api_as


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run the on-commit work (outbox delivery, handlers) of what happens in the block."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def low_rates(settings):
    """Throttle rates low enough to reach in a test: review_submit 3/hour, review_report 2/hour."""
    rates = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**rates, "review_submit": "3/hour", "review_report": "2/hour"},
    }
    from rest_framework.throttling import SimpleRateThrottle

    # DRF reads the rates once, at import: point the class attribute at the new ones.
    saved = SimpleRateThrottle.THROTTLE_RATES
    SimpleRateThrottle.THROTTLE_RATES = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    yield
    SimpleRateThrottle.THROTTLE_RATES = saved
