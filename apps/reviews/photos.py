"""A review's photos: checked while the author waits, re-encoded after the answer.

Re-encoding a phone's photo (decode 12 megapixels, resize to 2,560 px, JPEG and thumbnail)
takes hundreds of milliseconds of CPU; a review's request only checks each upload
(``image_check``: format, size, pixels decoded at 1/8 scale, so a file cut short is still
refused with its message) and keeps the original in the "private" storage, with a
``PendingReviewPhoto`` row written in the review's transaction. The ``ReviewSubmitted``
handler (the outbox relay: in process in embedded mode, a Celery worker with Redis) then
runs ``image_process`` on each and writes the public picture and thumbnail (its
``prepare`` step, outside any transaction), then swaps the pending rows for ``ReviewPhoto``
rows in its transaction. Public pages read ``ReviewPhoto``
only: a photo shows once it is clean (no metadata, no payload), usually within seconds.
With the broker or the worker down the event waits in the outbox and the originals wait
on disk: nothing the author sent is lost.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from functools import partial
from io import BytesIO

from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from apps.core.images import ImageRejected, image_check, image_process
from apps.reviews import caching
from apps.reviews.models import PendingReviewPhoto, Review, ReviewPhoto
from apps.reviews.rules import MAX_PHOTOS

logger = logging.getLogger(__name__)

ORIGINALS = "reviews/originals"


def photos_check(photos: Iterable[UploadedFile]) -> tuple[list[bytes], list[str]]:
    """The uploads' bytes, or the French messages of those refused ("Photo 2 : …")."""
    photos = list(photos or [])
    if len(photos) > MAX_PHOTOS:
        return [], [_("%(max)s photos au maximum.") % {"max": MAX_PHOTOS}]
    checked, errors = [], []
    for index, upload in enumerate(photos, start=1):
        try:
            checked.append(image_check(upload))
        except ImageRejected as exc:
            errors.append(
                _("Photo %(n)s : %(message)s") % {"n": index, "message": " ".join(exc.messages)}
            )
    return checked, errors


def originals_store(checked: list[bytes]) -> list[str]:
    """Write the originals, before the review's transaction (storage is never written
    while rows are locked); their names in the private storage, in order."""
    names: list[str] = []
    try:
        for content in checked:
            names.append(
                storages["private"].save(f"{ORIGINALS}/{uuid.uuid4().hex}", ContentFile(content))
            )
    except BaseException:
        originals_discard(names)
        raise
    return names


def originals_discard(names: Iterable[str]) -> None:
    storage = storages["private"]
    for name in names:
        storage.delete(name)


def pending_record(review: Review, names: list[str]) -> None:
    """Inside the review's transaction: one pending row per stored original."""
    PendingReviewPhoto.objects.bulk_create(
        PendingReviewPhoto(review=review, file_name=name, position=position)
        for position, name in enumerate(names)
    )


@dataclass(frozen=True)
class Ready:
    """A pending photo after its re-encoding: its public files written, its row not yet
    saved; ``photo`` None when the original could not be used."""

    pending_id: int
    photo: ReviewPhoto | None


def photos_prepare(*, review_id: int) -> list[Ready]:
    """Re-encode the review's pending photos and write their public files: the slow part,
    outside any transaction (the handler's ``prepare`` step). Runs again on a redelivery."""
    return [
        _prepare_one(pending) for pending in PendingReviewPhoto.objects.filter(review_id=review_id)
    ]


def _prepare_one(pending: PendingReviewPhoto) -> Ready:
    try:
        with storages["private"].open(pending.file_name, "rb") as original:
            processed = image_process(upload=BytesIO(original.read()))
    except (ImageRejected, FileNotFoundError) as exc:
        # Checked when received: only a file lost from the disk, or one Pillow decodes at
        # 1/8 scale but not whole, gets here. It cannot be shown; the review stays.
        logger.warning(
            "review photo dropped", extra={"review_id": pending.review_id, "error": str(exc)}
        )
        return Ready(pending_id=pending.pk, photo=None)
    photo = ReviewPhoto(
        review_id=pending.review_id,
        width=processed.width,
        height=processed.height,
        position=pending.position,
    )
    photo.image.save(str(processed.content.name), processed.content, save=False)
    photo.thumbnail.save(str(processed.thumbnail.name), processed.thumbnail, save=False)
    return Ready(pending_id=pending.pk, photo=photo)


def photos_publish(*, review_id: int, ready: list[Ready]) -> int:
    """In the handler's transaction: swap each pending row still there for its photo, once
    (under the row's lock); the originals, and files prepared for a row another run
    already swapped, go after the commit. How many photos became public."""
    shown = 0
    for item in ready:
        pending = PendingReviewPhoto.objects.select_for_update().filter(pk=item.pending_id).first()
        if pending is None:
            if item.photo is not None:
                _files_discard_on_commit(item.photo)
            continue
        if item.photo is not None:
            item.photo.save()
            shown += 1
        pending.delete()
        transaction.on_commit(partial(originals_discard, [pending.file_name]))
    if shown:
        review = Review.objects.only("pro_id", "status").get(pk=review_id)
        if review.is_public:
            caching.public_reviews_changed_on_commit(pro_id=review.pro_id)
    return shown


def _files_discard_on_commit(photo: ReviewPhoto) -> None:
    names = [name for name in (photo.image.name, photo.thumbnail.name) if name]
    storage = photo.image.storage

    def discard() -> None:
        for name in names:
            storage.delete(name)

    transaction.on_commit(discard)
