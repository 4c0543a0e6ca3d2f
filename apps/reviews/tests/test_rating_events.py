"""A pro's rating reaches the directory through reviews' ``ProRatingChanged`` event."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.core.events import publish
from apps.directory import api as directory
from apps.reviews.events import ProRatingChanged

pytestmark = pytest.mark.django_db


def _event(pro, *, average: float, count: int, at) -> ProRatingChanged:
    return ProRatingChanged(
        pro_id=pro.pk,
        average=average,
        count=count,
        histogram={"5": count},
        criteria={},
        score=average - 0.2,
        computed_at=at.isoformat(),
    )


def test_the_rating_is_stored_after_the_commit_and_an_older_one_never_wins(
    pro, django_capture_on_commit_callbacks
):
    now = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        publish(_event(pro, average=4.6, count=5, at=now))
        assert directory.pro_profile(pro.slug)["rating"]["count"] == 0  # not before commit
    assert directory.pro_profile(pro.slug)["rating"]["count"] == 5

    # A refresh computed earlier but delivered later (redelivery, a slow consumer).
    with django_capture_on_commit_callbacks(execute=True):
        publish(_event(pro, average=3.0, count=2, at=now - timedelta(seconds=5)))
    rating = directory.pro_profile(pro.slug)["rating"]
    assert (rating["average"], rating["count"]) == (4.6, 5)
