"""Reads of the reviews context. Lists run a fixed number of queries whatever their size:
one for the rows (reply joined), one for the photos, one batched call to the directory."""

from __future__ import annotations

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Exists, OuterRef, Prefetch, Q

from apps.core.facade_ports import facade
from apps.directory.contracts import DirectoryFacade, ProRef
from apps.reviews.contracts import ReviewCard, ReviewPhotoRef, ReviewReplyRef
from apps.reviews.invitations import with_opt_out
from apps.reviews.models import (
    EMAIL_CONFIRMED_SOURCES,
    PUBLIC_STATUSES,
    ProofStatus,
    Review,
    ReviewInvitation,
    ReviewLabel,
    ReviewProof,
    ReviewReport,
    ReviewStatus,
)
from apps.reviews.rules import CRITERIA

directory: DirectoryFacade = facade("directory")

ORDERINGS = {
    "recent": ("-published_at", "-id"),
    "oldest": ("published_at", "id"),
    "best": ("-rating", "-published_at", "-id"),
    "worst": ("rating", "-published_at", "-id"),
}
ORDERING_LABELS = {
    "recent": "Les plus récents d'abord",
    "oldest": "Les plus anciens d'abord",
    "best": "Les mieux notés d'abord",
    "worst": "Les moins bien notés d'abord",
}
DEFAULT_ORDERING = "recent"


def public_reviews():
    return Review.objects.filter(status__in=PUBLIC_STATUSES)


def _with_display_relations(queryset):
    return queryset.select_related("reply").prefetch_related("photos")


def review_list_for_pro(*, pro_id: int, ordering: str = DEFAULT_ORDERING):
    order = ORDERINGS.get(ordering, ORDERINGS[DEFAULT_ORDERING])
    return _with_display_relations(public_reviews().filter(pro_id=pro_id)).order_by(*order)


def review_list_latest():
    return _with_display_relations(public_reviews()).order_by("-published_at", "-id")


def moderation_queue(*, status: str | None = None):
    """What waits for a moderator, oldest first: held reviews (spontaneous ones once their
    author confirmed the address), reported ones, and those with a proof of experience to
    examine."""
    waiting = Q(status=ReviewStatus.PENDING) & (
        ~Q(source__in=EMAIL_CONFIRMED_SOURCES) | Q(email_confirmed_at__isnull=False)
    )
    proof_to_examine = Exists(
        ReviewProof.objects.filter(review=OuterRef("pk"), status=ProofStatus.PENDING)
    )
    # A competitor's report leaves the review published: it waits here all the same.
    reported = Exists(ReviewReport.objects.filter(review=OuterRef("pk"), resolved_at__isnull=True))
    queryset = Review.objects.filter(
        (Q(status=ReviewStatus.PUBLISHED) & reported)
        | waiting
        | Q(status=ReviewStatus.IN_DISPUTE)
        | (proof_to_examine & ~Q(status=ReviewStatus.REJECTED))
    )
    if status:
        queryset = queryset.filter(status=status)
    open_reports = ReviewReport.objects.filter(resolved_at__isnull=True).order_by("created_at")
    return (
        queryset.select_related("reply")
        .prefetch_related("photos", "proofs", Prefetch("reports", queryset=open_reports))
        .order_by("created_at", "id")
    )


def review_for_moderation(*, review_id: int) -> Review | None:
    return (
        Review.objects.filter(pk=review_id)
        .select_related("reply")
        .prefetch_related("photos", "reports", "decisions", "proofs")
        .first()
    )


def proof_for_moderation(*, review_id: int, proof_id: int) -> ReviewProof | None:
    return ReviewProof.objects.filter(pk=proof_id, review_id=review_id).first()


def review_list_for_organization_pros(*, pro_ids: list[int]):
    return _with_display_relations(public_reviews().filter(pro_id__in=pro_ids)).order_by(
        "-published_at", "-id"
    )


def invitation_list(*, pro_ids: list[int] | None = None):
    queryset = ReviewInvitation.objects.all()
    if pro_ids is not None:
        queryset = queryset.filter(pro_id__in=pro_ids)
    return with_opt_out(queryset).order_by("-created_at", "-id")


def review_card(review: Review, *, pro: ProRef | None) -> ReviewCard:
    try:
        reply = review.reply  # joined by select_related: no query
    except ObjectDoesNotExist:
        reply = None
    return ReviewCard(
        id=review.pk,
        pro_id=review.pro_id,
        pro_slug=pro.slug if pro else "",
        pro_name=pro.name if pro else "",
        rating=review.rating,
        criteria={
            name: getattr(review, model_field)
            for name, (model_field, _label) in CRITERIA.items()
            if getattr(review, model_field) is not None
        },
        title=review.title,
        body=review.body,
        author_name=review.author_name,
        author_commune=review.author_commune,
        author_postcode=review.author_postcode,
        work_category=review.work_category_slug,
        work_category_name=review.work_category_name,
        work_date=review.work_date,
        published_at=review.published_at or review.created_at,
        source=review.source,
        label=review.label,
        is_verified=review.label == ReviewLabel.VERIFIED,
        under_review=review.status == ReviewStatus.IN_DISPUTE,
        photos=tuple(
            ReviewPhotoRef(
                url=photo.image.url,
                thumbnail_url=photo.thumbnail.url,
                width=photo.width,
                height=photo.height,
            )
            for photo in review.photos.all()
        ),
        reply=ReviewReplyRef(body=reply.body, created_at=reply.created_at) if reply else None,
    )


def review_cards(reviews) -> list[ReviewCard]:
    """Cards for a page of reviews, their pros named in one batched directory call."""
    reviews = list(reviews)
    pros = directory.pros_by_ids(sorted({r.pro_id for r in reviews})) if reviews else {}
    return [review_card(review, pro=pros.get(review.pro_id)) for review in reviews]
