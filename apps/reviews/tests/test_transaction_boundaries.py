"""No call into another context runs inside one of reviews' transactions (see
tests/plugins/facade_calls.py): invitation, submission with its e-mail and the pro's
rating, reply, report and moderation, with the outbox's handlers run after commit (a
handler asks other contexts in its ``prepare`` step, before the inbox's transaction)."""

import pytest

from apps.reviews.services import review_moderate, review_reply_create, review_report_create
from apps.reviews.tests.support import invite, submit_invited

pytestmark = pytest.mark.django_db


def test_the_review_lifecycle_calls_other_contexts_outside_its_transactions(
    facade_calls, pro, owner, homeowner, moderator, committed
):
    with facade_calls() as calls:
        with committed():
            invite(pro, email="jeanne@exemple.fr", created_by=owner)
        with committed():
            review = submit_invited(pro, email="luc@exemple.fr")
        with committed():
            review_reply_create(
                review_id=review.pk, user_id=owner.pk, body="Merci pour votre avis !"
            )
        with committed():
            review_report_create(review_id=review.pk, user_id=homeowner.pk, reason="not_a_customer")
        with committed():
            review_moderate(
                review_id=review.pk,
                moderator_id=moderator.pk,
                decision="publish",
                reason="report_unfounded",
            )

    # The flow does reach other contexts (a recorder that saw nothing would prove nothing).
    assert any("-> directory." in crossing for crossing in calls.crossings())
    assert calls.inside_transactions() == set()


def test_the_aggregates_rebuild_stores_the_ratings_after_its_transaction(
    facade_calls, pro, committed
):
    from apps.reviews.aggregates import aggregates_rebuild

    with committed():
        submit_invited(pro, email="luc@exemple.fr")
    with facade_calls() as calls:
        assert aggregates_rebuild(pro_ids=[pro.id]) == 1

    assert "apps.reviews.aggregates -> directory.pro_ratings_store_many" in calls.crossings()
    assert calls.inside_transactions() == set()
