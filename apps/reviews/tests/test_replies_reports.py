"""A pro never edits nor deletes a review: it replies (members of its organization only)
or reports it (free; the review stays online "en cours de vérification")."""

from __future__ import annotations

import pytest

from apps.reviews.models import ReviewReport
from apps.reviews.tests.support import submit_invited

pytestmark = pytest.mark.django_db


def _reply(client, review_id, body="Merci pour votre confiance, ce fut un plaisir !"):
    return client.post(f"/api/v1/reviews/{review_id}/reply/", {"body": body}, format="json")


def _report(client, review_id, reason="not_a_customer", details=""):
    return client.post(
        f"/api/v1/reviews/{review_id}/report/",
        {"reason": reason, "details": details},
        format="json",
    )


@pytest.fixture
def review(pro):
    return submit_invited(pro, email="jeanne@exemple.fr")


# --- Replies ---------------------------------------------------------------------------------


@pytest.mark.parametrize("member", ["owner", "sales_rep"])
def test_a_member_replies_once_and_the_author_is_told(
    request, api, as_user, review, pro, committed, mailoutbox, member
):
    with committed():
        response = _reply(as_user(request.getfixturevalue(member)), review.pk)
    assert response.status_code == 201, response.content
    assert response.json()["review"] == review.pk
    (mail,) = mailoutbox
    assert mail.to == ["jeanne@exemple.fr"]
    assert mail.subject == "Façades du Midi a répondu à votre avis"
    assert "Merci pour votre confiance" in mail.body
    listed = api.get(f"/api/v1/pros/{pro.slug}/reviews/").json()["results"][0]
    assert listed["reply"]["body"] == "Merci pour votre confiance, ce fut un plaisir !"

    second = _reply(as_user(request.getfixturevalue(member)), review.pk, body="Encore merci")
    assert second.status_code == 409


@pytest.mark.parametrize("who", ["other_owner", "homeowner", "moderator", "staff", "advisor"])
def test_anyone_else_gets_404(request, as_user, review, who):
    assert _reply(as_user(request.getfixturevalue(who)), review.pk).status_code == 404


def test_anonymous_must_authenticate_to_reply(api, review):
    assert _reply(api, review.pk).status_code == 401


def test_unknown_or_unpublished_reviews_answer_404(as_user, owner, pro):
    held = submit_invited(pro, email="autre@exemple.fr", title="Des escrocs")
    assert _reply(as_user(owner), 999_999).status_code == 404
    assert _reply(as_user(owner), held.pk).status_code == 404


def test_an_empty_reply_is_refused(as_user, owner, review):
    response = _reply(as_user(owner), review.pk, body=" ")
    assert response.status_code == 400
    assert "body" in response.json()


# --- Reports ---------------------------------------------------------------------------------


def test_a_reported_review_stays_online_under_review_until_a_moderator_decides(
    api, as_user, owner, moderator, review, pro, committed
):
    response = _report(as_user(owner), review.pk, details="Inconnu de nos dossiers")
    assert response.status_code == 201, response.content
    assert response.json()["review_status"] == "in_dispute"
    assert ReviewReport.objects.get().organization_id == pro.organization_id

    listed = api.get(f"/api/v1/pros/{pro.slug}/reviews/").json()
    assert listed["count"] == 1
    assert listed["results"][0]["under_review"] is True
    page = api.get(f"/pro/{pro.slug}/").content.decode()
    assert "En cours de vérification" in page

    queue = as_user(moderator).get("/api/v1/moderation/reviews/", {"status": "in_dispute"}).json()
    assert queue["results"][0]["reports"][0]["reason"] == "not_a_customer"
    assert queue["results"][0]["reports"][0]["from_pro"] is True

    with committed():
        decided = as_user(moderator).post(
            f"/api/v1/moderation/reviews/{review.pk}/decision/",
            {"decision": "publish", "reason": "report_unfounded"},
            format="json",
        )
    assert decided.json()["status"] == "published"
    assert (
        api.get(f"/api/v1/pros/{pro.slug}/reviews/").json()["results"][0]["under_review"] is False
    )
    assert ReviewReport.objects.get().resolved_at is not None


def test_a_signed_in_homeowner_may_report_too_but_once(as_user, homeowner, review):
    assert _report(as_user(homeowner), review.pk, reason="abusive").status_code == 201
    assert _report(as_user(homeowner), review.pk, reason="abusive").status_code == 409


def test_reporting_needs_an_account_a_known_reason_and_a_public_review(
    api, as_user, owner, pro, review
):
    assert _report(api, review.pk).status_code == 401
    assert _report(as_user(owner), review.pk, reason="je-n-aime-pas").status_code == 400
    other = _report(as_user(owner), review.pk, reason="other")
    assert other.status_code == 400 and "details" in other.json()
    held = submit_invited(pro, email="autre@exemple.fr", title="Des escrocs")
    assert _report(as_user(owner), held.pk).status_code == 404
    assert _report(as_user(owner), 999_999).status_code == 404


def test_reports_are_throttled(as_user, homeowner, pro, low_rates):
    reviews = [
        submit_invited(pro, email=f"c{n}@exemple.fr", body=f"Avis {n} " * 8) for n in range(3)
    ]
    client = as_user(homeowner)
    statuses = [_report(client, r.pk).status_code for r in reviews]
    assert statuses == [201, 201, 429]
