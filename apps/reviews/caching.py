"""Generations (apps.core.pagecache) guarding the cached pages that show public reviews.

Bumped by this context's event handlers (ReviewPublished, ReviewUnpublished,
ReviewReplied, ReviewModerated) and on the commit of a report (which marks a review
"en cours de vérification"): every cached page or list built on the old token misses."""

from __future__ import annotations

from django.db import transaction

from apps.core.pagecache import generations_bump

LATEST_GENERATION = "reviews:latest"
# Every page showing reviews also depends on this one: bumped when authors are erased
# (GDPR), which may touch any pro's reviews.
AUTHORS_GENERATION = "reviews:authors"


def pro_generation(pro_id: int) -> str:
    return f"reviews:pro:{pro_id}"


def public_reviews_changed(*, pro_id: int) -> None:
    """A pro's public reviews changed: its review lists and the latest feed rebuild."""
    generations_bump([pro_generation(pro_id), LATEST_GENERATION])


def pro_generations(pro_id: int) -> tuple[str, ...]:
    """What a page showing a pro's public reviews depends on."""
    return (pro_generation(pro_id), AUTHORS_GENERATION)


def latest_generations() -> tuple[str, ...]:
    """What a page showing the latest reviews (every pro) depends on."""
    return (LATEST_GENERATION, AUTHORS_GENERATION)


def authors_erased_on_commit() -> None:
    """Reviews' authors were anonymised: every page showing reviews rebuilds, once the
    erasure committed (before, a rebuild could store the old names under the new token)."""
    transaction.on_commit(lambda: generations_bump([AUTHORS_GENERATION]))


def public_reviews_changed_on_commit(*, pro_id: int) -> None:
    transaction.on_commit(lambda: public_reviews_changed(pro_id=pro_id))


def public_reviews_changed_many(*, pro_ids: list[int]) -> None:
    """Many pros at once (legacy import): one round trip."""
    generations_bump([*(pro_generation(pro_id) for pro_id in pro_ids), LATEST_GENERATION])
