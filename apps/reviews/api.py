"""The reviews context's public interface: plain data in, plain data out.

The composition root (home page, pro profile) and later the stats context call
only these functions; each list runs a bounded number of queries whatever its size.
"""

from __future__ import annotations

from datetime import date, datetime

from django.core.cache import cache
from django.db.models import Sum

from apps.reviews import selectors
from apps.reviews.contracts import InvitationFunnel, ReviewCard, ReviewOrdering, ReviewPage
from apps.reviews.invitations import invitation_funnel
from apps.reviews.models import ProReviewStats

PLATFORM_FIGURES_CACHE_KEY = "reviews:platform-figures"


def latest_reviews(*, limit: int = 6) -> list[ReviewCard]:
    """The most recently published reviews, every pro (home page feed)."""
    return selectors.review_cards(selectors.review_list_latest()[: max(0, min(limit, 50))])


def latest_reviews_of_pros(*, pro_ids: list[int], limit: int = 5) -> list[ReviewCard]:
    """The most recently published reviews of these pros (a landing page's "derniers avis
    près de chez vous"): published and not reported, never held, rejected, withdrawn or in
    dispute. Three queries whatever the number of pros or reviews."""
    from django.db.models import Exists, OuterRef

    from apps.reviews.models import Review, ReviewReport, ReviewStatus

    if not pro_ids:
        return []
    reported = ReviewReport.objects.filter(review=OuterRef("pk"), resolved_at__isnull=True)
    queryset = (
        Review.objects.filter(status=ReviewStatus.PUBLISHED, pro_id__in=list(pro_ids))
        .exclude(Exists(reported))
        .select_related("reply")
        .prefetch_related("photos")
        .order_by("-published_at", "-id")
    )
    return selectors.review_cards(queryset[: max(0, min(limit, 20))])


def review_orderings() -> list[ReviewOrdering]:
    """The sort options of a pro's reviews (chronological first, as the law asks)."""
    return [ReviewOrdering(code=c, label=label) for c, label in selectors.ORDERING_LABELS.items()]


def pro_reviews(
    *, pro_id: int, page: int = 1, page_size: int = 10, ordering: str = "recent"
) -> ReviewPage | None:
    """One page of a pro's public reviews; None when ``page`` is beyond the last page."""
    if ordering not in selectors.ORDERINGS:
        ordering = selectors.DEFAULT_ORDERING
    page_size = max(1, min(page_size, 50))
    queryset = selectors.review_list_for_pro(pro_id=pro_id, ordering=ordering)
    count = queryset.count()
    last_page = max(1, -(-count // page_size))
    if page < 1 or page > last_page:
        return None
    start = (page - 1) * page_size
    items = selectors.review_cards(queryset[start : start + page_size]) if count else []
    return ReviewPage(
        items=tuple(items), count=count, page=page, page_size=page_size, ordering=ordering
    )


def legacy_reviews_import(rows: list[tuple[int, dict]], *, pro_ids: dict[str, int]):
    """Import reviews exported from the PHP monolith: ``(line, row)`` pairs and the pros'
    legacy ids → an ImportResult (created, unchanged, replies, rejected). Format:
    docs/legacy-import.md. Run it inside the caller's transaction."""
    from apps.reviews.legacy import legacy_reviews_import as run

    return run(rows, pro_ids=pro_ids)


def latest_cache_generations() -> tuple[str, ...]:
    """The generations (apps.core.pagecache) of the latest-reviews feed."""
    from apps.reviews.caching import latest_generations

    return latest_generations()


def pro_reviews_cache_generations(pro_id: int) -> tuple[str, ...]:
    """The generation of a pro's public reviews: bumped when one is published, withdrawn,
    answered, reported or moderated, or when authors are erased (GDPR)."""
    from apps.reviews.caching import pro_generations

    return pro_generations(pro_id)


def platform_figures() -> dict[str, int]:
    """Live figures for the home page: {"reviews": number of public reviews}."""
    figures = cache.get(PLATFORM_FIGURES_CACHE_KEY)
    if figures is None:
        total = ProReviewStats.objects.aggregate(n=Sum("count"))["n"] or 0
        figures = {"reviews": total}
        cache.set(PLATFORM_FIGURES_CACHE_KEY, figures, 300)
    return figures


def collection_funnel(*, pro_id: int) -> InvitationFunnel:
    """sent → opened → written for a pro, and its collection rate."""
    return InvitationFunnel(**invitation_funnel(pro_ids=[pro_id]))


def aggregates_rebuild(*, pro_ids: list[int] | None = None) -> int:
    from apps.reviews.aggregates import aggregates_rebuild as rebuild

    return rebuild(pro_ids=pro_ids)


def eldo_review_request_create(
    *,
    pro_id: int,
    organization_id: int,
    customer_name: str,
    customer_email: str,
    work_description: str,
    work_date: date,
    lead_id: int | None = None,
) -> int:
    """Eldo itself invites the customer of a job it dispatched (a lead's homeowner): the
    review written through that link is labelled "avis vérifié". Returns the invitation id;
    raises ValidationError (French, per field) like any invitation. With ``lead_id`` the
    invitation is tied to that lead, once: asking again returns the same invitation."""
    from apps.reviews.invitations import review_request_create
    from apps.reviews.models import InvitationSource, ReviewInvitation

    if lead_id is not None:
        existing = ReviewInvitation.objects.filter(lead_id=lead_id).values_list("pk", flat=True)
        if existing:
            return existing[0]

    invitation = review_request_create(
        pro_id=pro_id,
        organization_id=organization_id,
        created_by_id=None,
        customer_name=customer_name,
        customer_email=customer_email,
        work_description=work_description,
        work_date=work_date,
        source=InvitationSource.ELDO,
    )
    if lead_id is not None:
        ReviewInvitation.objects.filter(pk=invitation.pk).update(lead_id=lead_id)
    return invitation.pk


def eldo_review_invitation_schedule(
    *,
    lead_id: int,
    pro_id: int,
    organization_id: int,
    customer_name: str,
    customer_email: str,
    work_description: str,
    won_at: datetime,
    work_end_date: date | None = None,
) -> None:
    """A lead Eldo dispatched was marked won: Eldo's "avis vérifié" invitation leaves after
    the pro's delay (3 days after ``work_end_date`` when given, else 14 days after
    ``won_at``; docs/reviews.md). Once per lead; the call is idempotent."""
    from apps.reviews.automatic import invitation_schedule

    invitation_schedule(
        lead_id=lead_id,
        pro_id=pro_id,
        organization_id=organization_id,
        customer_name=customer_name,
        customer_email=customer_email,
        work_description=work_description,
        won_at=won_at,
        work_end_date=work_end_date,
    )


def eldo_review_invitation_work_end(*, lead_id: int, work_end_date: date) -> bool:
    """The pro gave the end-of-work date of a won lead: Eldo's invitation still waiting
    moves to the pro's delay after that date (3 days by default). True when it moved;
    False when none waits (already sent, skipped, or no invitation for this lead)."""
    from apps.reviews.automatic import invitation_work_end

    return invitation_work_end(lead_id=lead_id, work_end_date=work_end_date)
