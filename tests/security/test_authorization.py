"""The authorization matrix (tests/security/matrix.py) enforced: every URL the resolver knows
has a row, every row answers each role with its expected status, another organization's
object is a 404, and no list, filter, export or count reveals another organization's data."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.cache import cache
from django.db import transaction

from tests.security.matrix import BODIES, MATRIX, ROLES, render_markdown
from tests.security.routes import concrete, routes

DOCS = Path(__file__).resolve().parents[2] / "docs" / "authorization.md"


def test_every_url_has_a_row_and_every_row_a_url():
    rows = {row.pattern for row in MATRIX}
    known = set(routes())

    assert sorted(known - rows) == [], "URLs without a row in tests/security/matrix.py"
    assert sorted(rows - known - {"admin/"}) == [], "rows for URLs that no longer exist"


def test_docs_show_the_current_matrix():
    assert DOCS.read_text() == render_markdown(), (
        "docs/authorization.md is stale: python -m tests.security.matrix > docs/authorization.md"
    )


def _request(client_as, row, role: str, ids: dict) -> int:
    """One request in a savepoint rolled back after it, with fresh throttle counters."""
    cache.clear()
    client = client_as(role, api=row.api)
    url = concrete(row.route, ids)
    with transaction.atomic():
        if row.method == "GET":
            response = client.get(url)
        else:
            send = getattr(client, row.method.lower())
            body = BODIES[row.body] if row.body else {}
            response = send(url, body, format="json") if row.api else send(url, body)
        transaction.set_rollback(True)
    return response.status_code


@pytest.mark.parametrize("row", MATRIX, ids=lambda row: f"{row.method} /{row.route}")
def test_each_role_gets_the_expected_status(client_as, world, row):
    got = {role: _request(client_as, row, role, world.ids) for role in ROLES}

    wrong = {
        role: f"{got[role]} (expected {row.expect(role)})"
        for role in ROLES
        if got[role] != row.expect(role)
    }
    assert wrong == {}


# Objects owned by an organization, named in URLs. A public review is not one of them for
# reporting: anyone signed in may report it (it stays online until a moderator decides).
ORGANIZATION_PARAMS = ("review_id", "lead_id", "invitation_id", "organization_id", "user_id")
PUBLIC_OBJECT_ROWS = {
    ("POST", "api/v1/reviews/<id:review_id>/report/"),
    ("POST", "espace-pro/avis/<id:review_id>/signaler/"),
}


def _owned_object_rows():
    for row in MATRIX:
        named = any(f":{param}>" in row.route for param in ORGANIZATION_PARAMS)
        stats = row.route.startswith("api/v1/stats/pros/")
        public = (row.method, row.route) in PUBLIC_OBJECT_ROWS
        if (named or stats) and not public and row.expect("pro_owner") not in (401, 403, 404):
            yield row


@pytest.mark.parametrize(
    "row", list(_owned_object_rows()), ids=lambda row: f"{row.method} /{row.route}"
)
def test_another_organizations_object_is_404(client_as, world, row):
    """The owner of Façades du Midi asks for the same kind of object of another company."""
    assert _request(client_as, row, "pro_owner", world.other_ids) == 404


def _private_markers(world) -> list[str]:
    return [
        "devis.midi@exemple.fr",  # the homeowner behind the company's lead
        "invite.midi@exemple.fr",  # the customer the company invited to review
        "recrue.midi@exemple.fr",  # the company's pending team invitation
        "pro_sales_rep@facades-du-midi.fr",  # a member of the company
        world.ids["reference"],
    ]


LISTS = [
    ("api/v1/leads/", True),
    ("api/v1/leads/?pro=facades-du-midi", True),
    ("api/v1/leads/?status=sent", True),
    ("api/v1/leads/?q=Luce", True),
    ("api/v1/review-requests/", True),
    ("api/v1/review-requests/?pro=facades-du-midi", True),
    ("api/v1/review-requests/funnel/?pro=facades-du-midi", True),
    ("api/v1/organizations/{other_org}/members/", True),
    ("api/v1/stats/pros/toitures-occitanes/team/", True),
    ("api/v1/me/data-export/", True),
    ("espace-pro/", False),
    ("espace-pro/demandes/", False),
    ("espace-pro/demandes/?q=Luce", False),
    ("espace-pro/demandes/?statut=sent", False),
    ("espace-pro/invitations/", False),
    ("espace-pro/invitations/?q=invite", False),
    ("espace-pro/equipe/", False),
    ("espace-pro/statistiques/", False),
    ("espace-pro/statistiques/export.csv", False),
    ("mon-compte/donnees/telecharger/", False),
]


@pytest.mark.parametrize(("url", "api"), LISTS, ids=[url for url, _api in LISTS])
def test_lists_filters_exports_and_counts_reveal_nothing_of_another_company(
    client_as, world, url, api
):
    client = client_as("other_pro", api=api)
    response = client.get("/" + url.format(other_org=world.other_ids["organization_id"]))

    # A filter naming the other company may refuse outright; nothing else may.
    assert response.status_code in ((200, 404) if "facades-du-midi" in url else (200,))
    body = b"".join(response.streaming_content) if response.streaming else response.content
    text = body.decode()
    leaked = [marker for marker in _private_markers(world) if marker in text]
    assert leaked == []


def test_lead_counts_are_per_company(client_as, world):
    other = client_as("other_pro", api=True).get("/api/v1/leads/").json()
    homeowner = client_as("homeowner", api=True).get("/api/v1/leads/").json()

    assert (other["count"], [lead["id"] for lead in other["results"]]) == (
        1,
        [world.other_ids["lead_id"]],
    )
    assert homeowner["count"] == 0
