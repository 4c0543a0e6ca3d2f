"""Demo reviews for seed_demo: a long tail of reviews per pro (40 on average) with replies,
photos and every funnel step for the showcase pros, aggregates stored once, idempotent."""

import random

import pytest
from django.db.models import Count

from apps.directory import api as directory
from apps.directory.tests.factories import make_pro
from apps.reviews import api as reviews_api
from apps.reviews import demo as reviews_demo
from apps.reviews.invitations import invitation_status, with_opt_out
from apps.reviews.models import Review, ReviewInvitation, ReviewPhoto, ReviewProof, ReviewReply
from apps.reviews.selectors import moderation_queue

pytestmark = pytest.mark.django_db


def test_demo_seed_fills_every_pro_and_is_idempotent(pro, other_pro):
    third = make_pro("Plomberie Roux", trades=("plomberie",))
    pros = {p.slug: p.id for p in (pro, other_pro, third)}

    result = reviews_demo.demo_seed(pros=pros, scale="small", detailed=(pro.slug,))

    counts = dict(Review.objects.values_list("pro_id").annotate(n=Count("id")))
    published = dict(
        Review.objects.filter(status="published").values_list("pro_id").annotate(n=Count("id"))
    )
    # The promise: "seed_demo adds 40 reviews or more per demo pro", published ones (the
    # showcase pro also has reviews held for moderation and one reported).
    for slug, pro_id in pros.items():
        assert published.get(pro_id, 0) >= 40, slug
    assert result["pros"] == 3 and result["reviews"] >= 120
    assert ReviewReply.objects.count() > 20
    assert ReviewPhoto.objects.filter(review__pro_id=pro.id).count() >= 8
    assert not ReviewPhoto.objects.exclude(review__pro_id=pro.id).exists()
    statuses = {
        invitation_status(i, opted_out=i.opted_out)
        for i in with_opt_out(ReviewInvitation.objects.filter(pro_id=pro.id))
    }
    assert statuses == {
        "queued",
        "sent",
        "opened",
        "written",
        "expired",
        "opted_out",
        "undeliverable",
    }
    # The address in error is on the suppression list.
    from apps.reviews.models import EmailSuppression

    assert EmailSuppression.objects.filter(pro_id=pro.id, reason="bounce").count() == 1
    assert set(ReviewInvitation.objects.values_list("reminders_sent", flat=True)) == {0, 1, 2}
    # Two held reviews, a reported one and one with an invoice to examine.
    assert moderation_queue().filter(pro_id=pro.id).count() == 4
    assert ReviewProof.objects.filter(review__pro_id=pro.id, status="pending").count() == 1
    # Every label shows on the demo pros.
    labels = set(
        Review.objects.filter(pro_id=pro.id, status="published").values_list("label", flat=True)
    )
    assert labels == {"verified", "collected", "spontaneous"}
    for slug, pro_id in pros.items():
        public = Review.objects.filter(pro_id=pro_id, status__in=["published", "in_dispute"])
        assert directory.pro_profile(slug)["rating"]["count"] == public.count()
    assert reviews_api.collection_funnel(pro_id=pro.id).collection_rate > 0.5

    again = reviews_demo.demo_seed(pros=pros, scale="small", detailed=(pro.slug,))
    assert again["reviews"] == 0
    assert Review.objects.count() == sum(counts.values())


def test_at_benchmark_scale_only_the_named_companies_are_raised_to_40(pro, other_pro):
    from apps.reviews.demo import review_counts

    pros = {pro.slug: pro.id, other_pro.slug: other_pro.id}
    reviews_demo.demo_seed(pros=pros, scale="1x", detailed=(pro.slug,))

    assert Review.objects.filter(pro_id=pro.id, status="published").count() >= 40
    # The other pro keeps the count the long tail drew for it (non-named pros come first).
    drawn = review_counts(random.Random("reviews-1x"), 2)[0]
    assert Review.objects.filter(pro_id=other_pro.id).count() == drawn


def test_review_counts_have_a_long_tail_with_both_ends_the_benchmark_needs():
    from apps.reviews.demo import review_counts

    counts = review_counts(random.Random("test"), 2_500)

    assert 98_000 <= sum(counts) <= 102_000  # 1x: 100,000 reviews for 2,500 pros
    assert sum(1 for n in counts if n >= 1_000) >= 3
    assert sum(1 for n in counts if n == 3) >= 20
    assert sorted(counts)[len(counts) // 2] <= 25  # the median pro has a couple dozen at most


def test_a_large_load_builds_the_secondary_indexes_again_afterwards(pro):
    from django.db import connection, transaction

    from apps.reviews.demo import secondary_indexes_deferred
    from apps.reviews.tests.support import submit_invited

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only: SQLite keeps its indexes during a load")

    def indexes() -> set[str]:
        with connection.cursor() as cursor:
            cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'reviews_review'")
            return {row[0] for row in cursor.fetchall()}

    before = indexes()
    with transaction.atomic(), secondary_indexes_deferred("reviews_review", rows=1_000_000):
        during = indexes()
        # Rows with deferred foreign-key checks pending, as the seed leaves them.
        review = submit_invited(pro, body="Travaux soignés, équipe ponctuelle et chantier propre.")
        ReviewReply.objects.create(
            review=review, organization_id=pro.organization_id, body="Merci beaucoup !"
        )
    assert during < before and "review_pro_public_recent_idx" not in during
    assert "reviews_review_pkey" in during and "reviews_review_legacy_id_key" in during
    assert indexes() == before
