"""A review's transaction holds no slow work: the photos' originals are written before it
opens (and removed when it fails), and no other context is asked while it is open."""

from __future__ import annotations

import functools
import inspect
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage, storages
from django.db import connection
from django.utils import timezone

from apps.accounts import api as accounts_api
from apps.directory import api as directory_api
from apps.reviews import services
from apps.reviews.models import PendingReviewPhoto, Review, ReviewPhoto
from apps.reviews.photos import ORIGINALS
from apps.reviews.tests.support import invite, jpeg, review_payload, upload


def _photo_files() -> set[str]:
    found = set()
    for folder in ("reviews/photos", "reviews/thumbs"):
        if default_storage.exists(folder):
            found |= {f"{folder}/{name}" for name in default_storage.listdir(folder)[1]}
    return found


def _original_files() -> set[str]:
    private = storages["private"]
    if not private.exists(ORIGINALS):
        return set()
    return {f"{ORIGINALS}/{name}" for name in private.listdir(ORIGINALS)[1]}


def _payload(**overrides):
    return review_payload(work_date=timezone.localdate() - timedelta(days=30), **overrides)


def _invited_payload(pro, **overrides):
    _invitation, token = invite(pro, email="martine@exemple.fr")
    data = _payload(**overrides)
    data.pop("author_email")
    return token, data


@pytest.mark.django_db
def test_a_review_is_recorded_with_its_photos_kept_privately_until_they_are_processed(
    pro, committed
):
    public_before, originals_before = _photo_files(), _original_files()
    token, data = _invited_payload(pro)
    review = services.review_submit(
        invitation_token=token, photos=[upload(jpeg((120, 90))), upload(jpeg((90, 120)))], **data
    )
    # Answered: the originals are stored privately, nothing public yet.
    pending = list(PendingReviewPhoto.objects.filter(review=review))
    assert [p.position for p in pending] == [0, 1]
    assert _original_files() - originals_before == {p.file_name for p in pending}
    assert _photo_files() == public_before
    assert not ReviewPhoto.objects.exists()

    from apps.core import outbox
    from apps.core.models import OutboxEvent

    with committed():
        outbox.deliver(OutboxEvent.objects.get(name="reviews.ReviewSubmitted").id)

    photos = list(ReviewPhoto.objects.filter(review=review).order_by("position"))
    assert [(p.width, p.height) for p in photos] == [(120, 90), (90, 120)]
    written = _photo_files() - public_before
    assert written == {p.image.name for p in photos} | {p.thumbnail.name for p in photos}
    assert not PendingReviewPhoto.objects.exists()
    assert _original_files() == originals_before  # the originals are gone


@pytest.mark.django_db
def test_a_submission_refused_inside_its_transaction_leaves_no_photo_file(pro, monkeypatch):
    """The link was used by a concurrent submission between the checks and the lock: the
    review is refused, and the originals already written for its photos are removed."""
    token, data = _invited_payload(pro)
    record = services._review_record

    def concurrent_first(draft, *, invitation_token):
        other = dict(data, title="Un autre avis", body=data["body"] + " Encore.")
        monkeypatch.setattr(services, "_review_record", record)
        services.review_submit(invitation_token=invitation_token, **other)
        return record(draft, invitation_token=invitation_token)

    monkeypatch.setattr(services, "_review_record", concurrent_first)
    before, originals = _photo_files(), _original_files()
    with pytest.raises(ValidationError) as refused:
        services.review_submit(invitation_token=token, photos=[upload(jpeg())], **data)
    assert "déjà donné votre avis" in str(refused.value.message_dict["invitation_token"])
    assert _photo_files() == before
    assert _original_files() == originals
    assert not Review.objects.filter(title=data["title"]).exists()
    assert not ReviewPhoto.objects.exists()
    assert not PendingReviewPhoto.objects.exists()


def _facade_functions(module):
    return [
        name
        for name, value in vars(module).items()
        if inspect.isfunction(value)
        and value.__module__ == module.__name__
        and not name.startswith("_")
    ]


@pytest.mark.django_db(transaction=True)
def test_no_other_context_is_asked_while_the_review_transaction_is_open(pro, monkeypatch):
    """Every public function of directory's and accounts' facades fails the test if it is
    called inside an open transaction during a submission (spontaneous, invited, collected,
    with a signed-in author): a carved-out reviews service calls them over HTTP."""
    called: list[str] = []

    def guarded(module, name):
        original = getattr(module, name)

        @functools.wraps(original)
        def call(*args, **kwargs):
            # The events' handlers, run after the commit by the relay, are not the
            # submission's: only its own calls are checked here.
            if not any(f.filename.endswith("core/outbox.py") for f in inspect.stack()[1:]):
                assert not connection.in_atomic_block, f"{module.__name__}.{name} in atomic"
                called.append(name)
            return original(*args, **kwargs)

        return call

    for module in (directory_api, accounts_api):
        for name in _facade_functions(module):
            monkeypatch.setattr(module, name, guarded(module, name))

    token, data = _invited_payload(pro)
    services.review_submit(invitation_token=token, photos=[upload(jpeg())], **data)
    services.review_submit(
        pro_slug=pro.slug,
        permanent_link=True,
        **_payload(author_email="paul@exemple.fr", title="Avis par le lien"),
    )
    services.review_submit(
        pro_slug=pro.slug, **_payload(author_email="lea@exemple.fr", title="Spontané")
    )
    assert Review.objects.filter(pro_id=pro.id).count() == 3
    # The guard saw the calls: the facades were really asked, outside the transaction.
    assert {"pros_by_ids", "pros_by_slugs", "categories"} <= set(called)
    assert "member_sign_in_matches" in called
