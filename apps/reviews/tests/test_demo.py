"""Demo reviews for seed_demo: 40+ per pro with replies, photos and every funnel step for
the showcase pros, aggregates stored once, idempotent."""

import pytest
from django.db.models import Count

from apps.directory import api as directory
from apps.directory.tests.factories import make_pro
from apps.reviews import api as reviews_api
from apps.reviews.invitations import invitation_status, with_opt_out
from apps.reviews.models import Review, ReviewInvitation, ReviewPhoto, ReviewReply
from apps.reviews.selectors import moderation_queue

pytestmark = pytest.mark.django_db


def test_demo_seed_fills_every_pro_and_is_idempotent(pro, other_pro):
    third = make_pro("Plomberie Roux", trades=("plomberie",))
    pros = {p.slug: p.id for p in (pro, other_pro, third)}

    result = reviews_api.demo_seed(pros=pros, scale="small", detailed=(pro.slug,))

    counts = dict(Review.objects.values_list("pro_id").annotate(n=Count("id")))
    assert all(counts[pro_id] >= 40 for pro_id in pros.values())
    assert result["pros"] == 3 and result["reviews"] >= 120
    assert ReviewReply.objects.count() > 20
    assert ReviewPhoto.objects.filter(review__pro_id=pro.id).count() >= 8
    assert not ReviewPhoto.objects.exclude(review__pro_id=pro.id).exists()
    statuses = {
        invitation_status(i, opted_out=i.opted_out)
        for i in with_opt_out(ReviewInvitation.objects.filter(pro_id=pro.id))
    }
    assert statuses == {"queued", "sent", "opened", "written", "expired", "opted_out"}
    assert set(ReviewInvitation.objects.values_list("reminders_sent", flat=True)) == {0, 1, 2}
    assert moderation_queue().filter(pro_id=pro.id).count() == 3
    for slug, pro_id in pros.items():
        public = Review.objects.filter(pro_id=pro_id, status__in=["published", "in_dispute"])
        assert directory.pro_profile(slug)["rating"]["count"] == public.count()
    assert reviews_api.collection_funnel(pro_id=pro.id).collection_rate > 0.5

    again = reviews_api.demo_seed(pros=pros, scale="small", detailed=(pro.slug,))
    assert again["reviews"] == 0
    assert Review.objects.count() == sum(counts.values())
