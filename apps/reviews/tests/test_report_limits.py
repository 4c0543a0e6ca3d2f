"""Reports: at most 5 open ones per reporting organization on one pro's reviews; a
competing pro's members report to the moderators only (no "en cours de vérification")."""

from __future__ import annotations

import pytest

from apps.accounts.models import MemberRole, OrganizationKind
from apps.accounts.tests.factories import MembershipFactory, OrganizationFactory, UserFactory
from apps.directory import api as directory
from apps.directory.tests.factories import make_pro
from apps.reviews.models import Review, ReviewReport
from apps.reviews.tests.support import submit_invited

pytestmark = pytest.mark.django_db

REPORT = {"reason": "not_a_customer", "details": "Aucun chantier à ce nom."}


@pytest.fixture
def competitor_member(pro):
    """A member of a pro of the same trade in the same département as Façades du Midi."""
    rival = make_pro("Ravalements Toulousains", departments=("31",), trades=("facade",))
    user = UserFactory(email="rival@ravalements-toulousains.fr")
    MembershipFactory(user=user, organization=rival.organization, role=MemberRole.SALES_REP)
    return user


@pytest.fixture
def network_manager(db):
    network = OrganizationFactory(
        name="Réseau Confort", slug="reseau", kind=OrganizationKind.NETWORK
    )
    user = UserFactory(email="nadia@reseau-confort.fr")
    MembershipFactory(user=user, organization=network, role=MemberRole.MANAGER)
    return user


@pytest.fixture
def reviews(pro, committed):
    with committed():
        return [
            submit_invited(
                pro,
                email=f"client{i}@orange.fr",
                body=f"Avis numéro {i} : ravalement soigné, équipe ponctuelle, chantier propre.",
            )
            for i in range(7)
        ]


def _report(client, review):
    return client.post(f"/api/v1/reviews/{review.pk}/report/", REPORT, format="json")


def test_a_competitors_report_goes_to_moderation_without_touching_the_public_review(
    as_user, api, competitor_member, moderator, reviews, pro
):
    response = _report(as_user(competitor_member), reviews[0])
    assert response.status_code == 201, response.content
    assert response.json()["review_status"] == "published"
    assert Review.objects.get(pk=reviews[0].pk).status == "published"
    listed = {r["id"]: r for r in api.get(f"/api/v1/pros/{pro.slug}/reviews/").json()["results"]}
    assert listed[reviews[0].pk]["under_review"] is False
    queue = as_user(moderator).get("/api/v1/moderation/reviews/").json()["results"]
    (waiting,) = [r for r in queue if r["id"] == reviews[0].pk]
    assert waiting["status"] == "published"
    assert waiting["reports"][0]["from_competitor"] is True


def test_the_moderator_settles_a_competitors_report(as_user, competitor_member, moderator, reviews):
    _report(as_user(competitor_member), reviews[0])
    decided = as_user(moderator).post(
        f"/api/v1/moderation/reviews/{reviews[0].pk}/decision/",
        {"decision": "publish", "reason": "report_unfounded"},
        format="json",
    )
    assert decided.status_code == 200, decided.content
    assert ReviewReport.objects.get().resolved_at is not None
    # With nothing left to settle, publishing a published review is refused.
    again = as_user(moderator).post(
        f"/api/v1/moderation/reviews/{reviews[0].pk}/decision/",
        {"decision": "publish", "reason": "compliant"},
        format="json",
    )
    assert again.status_code == 409


@pytest.mark.parametrize("who", ["network_manager", "competitor_member"])
def test_at_most_five_open_reports_per_organization_on_one_pro(
    request, as_user, moderator, reviews, who
):
    client = as_user(request.getfixturevalue(who))
    assert [_report(client, review).status_code for review in reviews[:5]] == [201] * 5
    refused = _report(client, reviews[5])
    assert refused.status_code == 409
    assert "5 signalements en cours" in refused.json()["detail"]
    assert ReviewReport.objects.count() == 5
    # A colleague of the same organization is held to the same limit.
    member = request.getfixturevalue(who)
    colleague = UserFactory(email=f"collegue.{member.email}")
    MembershipFactory(
        user=colleague, organization=member.memberships.get().organization, role=MemberRole.OWNER
    )
    assert _report(as_user(colleague), reviews[6]).status_code == 409
    # Once a moderator decided on one, there is room again.
    as_user(moderator).post(
        f"/api/v1/moderation/reviews/{reviews[0].pk}/decision/",
        {"decision": "publish", "reason": "report_unfounded"},
        format="json",
    )
    assert _report(client, reviews[5]).status_code == 201


def test_a_network_managers_report_still_marks_the_review(as_user, network_manager, reviews):
    response = _report(as_user(network_manager), reviews[0])
    assert response.json()["review_status"] == "in_dispute"


def test_competition_means_same_trade_and_overlapping_area(pro, directory_data):
    same = make_pro("Ravalements Toulousains", departments=("31",), trades=("facade",))
    other_trade = make_pro("Toitures du 31", departments=("31",), trades=("toiture",))
    elsewhere = make_pro("Façades Girondines", departments=("33",), trades=("facade",))
    found = directory.pros_competing(
        pro_id=pro.id, other_pro_ids=[same.id, other_trade.id, elsewhere.id, pro.id]
    )
    assert found == {same.id}
