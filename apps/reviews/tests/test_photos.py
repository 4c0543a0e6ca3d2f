"""A review's photos are re-encoded after the answer: shown only once clean, never twice,
never lost while the relay is late, and a lost original costs the photo, not the review."""

from __future__ import annotations

import pytest
from django.core.files.storage import storages

from apps.core import outbox
from apps.core.models import OutboxEvent
from apps.reviews import photos
from apps.reviews.models import InvitationSource, PendingReviewPhoto, Review, ReviewPhoto
from apps.reviews.tests.support import invite, jpeg, review_payload, upload

pytestmark = pytest.mark.django_db

URL = "/api/v1/reviews/"


def _submitted(api, pro, *pictures) -> Review:
    _invitation, token = invite(pro, source=InvitationSource.ELDO)
    data = review_payload(invitation_token=token)
    data["photos"] = [upload(picture) for picture in pictures]
    response = api.post(URL, data, format="multipart")
    assert response.status_code == 201, response.content
    return Review.objects.get(pk=response.json()["id"])


def _listed_photos(api, pro) -> list[dict]:
    return api.get(f"/api/v1/pros/{pro.slug}/reviews/").json()["results"][0]["photos"]


def _event_id() -> str:
    return str(OutboxEvent.objects.get(name="reviews.ReviewSubmitted").id)


def test_a_published_review_shows_its_photo_once_the_relay_processed_it(api, pro, committed):
    # The relay has not run (broker or worker down): the review is public, its photo not
    # yet, and the original waits privately.
    review = _submitted(api, pro, jpeg((640, 480)))
    assert review.is_public
    assert _listed_photos(api, pro) == []
    assert PendingReviewPhoto.objects.filter(review=review).count() == 1

    with committed():
        outbox.deliver(_event_id())

    listed = _listed_photos(api, pro)  # the cached list was rebuilt
    assert len(listed) == 1
    assert listed[0]["url"].endswith(".jpg")
    assert not PendingReviewPhoto.objects.exists()


def test_a_second_run_shows_nothing_twice_and_removes_the_files_it_prepared(api, pro, committed):
    review = _submitted(api, pro, jpeg((320, 240)))
    late = photos.photos_prepare(review_id=review.pk)  # a redelivery, prepared meanwhile
    with committed():
        outbox.deliver(_event_id())
    with committed():
        assert photos.photos_publish(review_id=review.pk, ready=late) == 0

    assert ReviewPhoto.objects.filter(review=review).count() == 1
    extra = late[0].photo
    assert not extra.image.storage.exists(extra.image.name)
    assert not extra.thumbnail.storage.exists(extra.thumbnail.name)


def test_a_lost_original_costs_the_photo_not_the_review(api, pro, committed):
    review = _submitted(api, pro, jpeg((320, 240)), jpeg((240, 320)))
    lost = PendingReviewPhoto.objects.filter(review=review).order_by("position").first()
    storages["private"].delete(lost.file_name)

    with committed():
        outbox.deliver(_event_id())

    assert [(p.width, p.height) for p in ReviewPhoto.objects.filter(review=review)] == [(240, 320)]
    assert not PendingReviewPhoto.objects.exists()
    assert Review.objects.get(pk=review.pk).is_public
    assert OutboxEvent.objects.get(id=_event_id()).delivered_at is not None
