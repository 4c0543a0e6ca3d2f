"""Fixtures of the quotes tests: geography and trades (once per module), named people,
pros to suggest, and a request built through the real submission service. ``advisor``,
``staff``, ``moderator`` and ``api_as`` come from the suite's plugin (tests/plugins/users.py)."""

from __future__ import annotations

import pytest

from apps.accounts.tests.factories import UserFactory
from apps.directory.tests.conftest import directory_data  # noqa: F401  (module-scoped fixture)
from apps.directory.tests.factories import make_pro
from apps.quotes import services
from apps.quotes.models import QuoteChannel, QuoteKind, QuoteRequest


@pytest.fixture
def other_advisor(db):
    return UserFactory(
        email="hugo.petit@eldo.test", first_name="Hugo", last_name="Petit", advisor=True
    )


@pytest.fixture
def homeowner(db):
    return UserFactory(email="luce.moreau@exemple.fr", first_name="Luce")


@pytest.fixture
def payload():
    """A valid public submission, as POST /api/v1/quotes/ names the fields."""
    return {
        "category": "facade",
        "description": "Ravalement complet de la façade d'une maison de 120 m², enduit à refaire.",
        "postcode": "31000",
        "first_name": "Luce",
        "last_name": "Moreau",
        "email": "luce.moreau@exemple.fr",
        "phone": "06 12 34 56 78",
        "consent": True,
        "budget_range": "5k_15k",
        "timeline": "3_months",
    }


@pytest.fixture
def make_quote(directory_data, payload):  # noqa: F811
    """A request submitted through the service; keyword arguments override the payload."""
    counter = {"n": 0}

    def make(**overrides) -> QuoteRequest:
        counter["n"] += 1
        # Another person each time (e-mail, and phone after the first), unless the test
        # says otherwise: no request is then flagged as a possible duplicate by accident.
        n = counter["n"]
        phone = payload["phone"] if n == 1 else f"06 12 34 {n // 100:02d} {n % 100:02d}"
        data = {**payload, "email": f"particulier{n}@exemple.fr", "phone": phone, **overrides}
        data.setdefault("kind", QuoteKind.QUOTE)
        return services.quote_submit(channel=QuoteChannel.API, **data).quote

    return make


@pytest.fixture
def facade_pros(directory_data):  # noqa: F811
    """Three façade pros covering Toulouse (31000), one covering only Gironde."""
    return {
        "midi": make_pro("Façades du Midi", departments=("31",), rating=(4.8, 40)),
        "garonne": make_pro("Enduits de Garonne", departments=("31",), rating=(4.5, 12)),
        "rose": make_pro("Ville Rose Façades", radius_km=40, rating=(4.2, 5)),
        "lauragais": make_pro("Façades du Lauragais", departments=("31",)),
        "bordeaux": make_pro("Façades Bordelaises", commune="33063", departments=("33",)),
    }


def qualify_changes() -> dict:
    return {"budget_range": "5k_15k", "timeline": "3_months", "property_type": "house"}
