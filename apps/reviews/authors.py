"""The author's side of their reviews ("Mes avis"): list them, withdraw one (NF Z74-501).

An author is the signed-in account that wrote the review, or the holder of its address
once they proved they read it (accounts: verified e-mail). Withdrawing takes the review
off every public page and out of the aggregates (the ReviewUnpublished handlers), and is
logged in the moderation journal; it cannot be undone by the author.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from apps.accounts.contracts import AccountsFacade
from apps.core.errors import NotFound
from apps.core.events import publish
from apps.core.facade_ports import facade
from apps.directory.contracts import DirectoryFacade
from apps.reviews.events import ReviewUnpublished
from apps.reviews.models import (
    PUBLIC_STATUSES,
    ModerationAction,
    ModerationDecision,
    Review,
    ReviewLabel,
    ReviewStatus,
)

directory: DirectoryFacade = facade("directory")
accounts: AccountsFacade = facade("accounts")


@dataclass(frozen=True)
class AuthorReview:
    id: int
    pro_id: int
    pro_name: str
    pro_slug: str
    rating: int
    title: str
    body: str
    work_date: date
    status: str
    status_label: str
    label: str
    label_name: str
    created_at: datetime
    published_at: datetime | None
    is_public: bool
    can_withdraw: bool


def _author_filter(user_id: int) -> Q | None:
    email = accounts.verified_email_for_user_id(user_id)
    condition = Q(author_user_id=user_id)
    if email:
        condition |= Q(author_email__iexact=email)
    return condition


def author_reviews(*, user_id: int) -> list[AuthorReview]:
    """The reviews this person wrote, newest first (two queries: reviews, pros)."""
    reviews = list(Review.objects.filter(_author_filter(user_id)).order_by("-created_at", "-id"))
    pros = directory.pros_by_ids(list({r.pro_id for r in reviews})) if reviews else {}
    rows = []
    for review in reviews:
        pro = pros.get(review.pro_id)
        rows.append(
            AuthorReview(
                id=review.pk,
                pro_id=review.pro_id,
                pro_name=pro.name if pro else "",
                pro_slug=pro.slug if pro else "",
                rating=review.rating,
                title=review.title,
                body=review.body,
                work_date=review.work_date,
                status=review.status,
                status_label=str(ReviewStatus(review.status).label),
                label=review.label,
                label_name=str(ReviewLabel(review.label).label),
                created_at=review.created_at,
                published_at=review.published_at,
                is_public=review.status in PUBLIC_STATUSES,
                can_withdraw=review.status != ReviewStatus.WITHDRAWN,
            )
        )
    return rows


class AuthorReviewNotFound(NotFound):
    """Not this person's review (→ 404)."""


@transaction.atomic
def review_withdraw_by_author(*, review_id: int, user_id: int) -> Review:
    """Withdraw the review; idempotent (a second call changes nothing)."""
    review = (
        Review.objects.select_for_update().filter(_author_filter(user_id), pk=review_id).first()
    )
    if review is None:
        raise AuthorReviewNotFound
    if review.status == ReviewStatus.WITHDRAWN:
        return review
    previous = review.status
    now = timezone.now()
    review.status = ReviewStatus.WITHDRAWN
    review.save(update_fields=["status", "updated_at"])
    ModerationDecision.objects.create(
        review=review,
        moderator_id=None,
        action=ModerationAction.AUTHOR_WITHDRAWAL,
        reason="author",
        from_status=previous,
        to_status=review.status,
        created_at=now,
    )
    if previous in PUBLIC_STATUSES:
        publish(ReviewUnpublished(review_id=review.pk, pro_id=review.pro_id))
    return review
