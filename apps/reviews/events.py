"""Events the reviews context publishes (through the core outbox).

Public ones, for other contexts (stats): ReviewPublished, ReviewUnpublished,
ReviewRequestSent. The others drive this context's own e-mails after commit.
"""

from dataclasses import dataclass

from apps.core.events import DomainEvent, register_event


@register_event
@dataclass(frozen=True)
class ProRatingChanged(DomainEvent):
    """A pro's aggregates were recomputed: the directory stores them for its cards, profile
    and ranking (``computed_at`` orders two refreshes delivered out of order)."""

    name = "reviews.ProRatingChanged"
    pro_id: int
    average: float
    count: int
    histogram: dict[str, int]
    criteria: dict[str, float]
    score: float
    computed_at: str  # ISO 8601


@register_event
@dataclass(frozen=True)
class ReviewPublished(DomainEvent):
    """A review became public: the pro's aggregates change."""

    name = "reviews.ReviewPublished"
    review_id: int
    pro_id: int
    rating: int
    source: str  # invited | spontaneous | imported
    published_at: str  # ISO 8601


@register_event
@dataclass(frozen=True)
class ReviewUnpublished(DomainEvent):
    """A public review was withdrawn (rejected after publication)."""

    name = "reviews.ReviewUnpublished"
    review_id: int
    pro_id: int


@register_event
@dataclass(frozen=True)
class ReviewRequestCreated(DomainEvent):
    name = "reviews.ReviewRequestCreated"
    invitation_id: int
    pro_id: int


@register_event
@dataclass(frozen=True)
class ReviewRequestSent(DomainEvent):
    """The invitation e-mail left: the funnel's first step (stats: collection rate)."""

    name = "reviews.ReviewRequestSent"
    invitation_id: int
    pro_id: int
    sent_at: str  # ISO 8601


@register_event
@dataclass(frozen=True)
class ReviewReminderDue(DomainEvent):
    name = "reviews.ReviewReminderDue"
    invitation_id: int
    number: int  # 1 (after 7 days by default) or 2 (after 14)
    # When the previous reminder was queued (ISO 8601, "" for the first): a reminder put
    # back because the sending hours closed before it was delivered gets it back.
    previous_reminded_at: str = ""


@register_event
@dataclass(frozen=True)
class ReviewSubmitted(DomainEvent):
    name = "reviews.ReviewSubmitted"
    review_id: int
    pro_id: int
    source: str
    status: str


@register_event
@dataclass(frozen=True)
class ReviewModerated(DomainEvent):
    """A moderator decided: the reviewer is told the decision and its reason."""

    name = "reviews.ReviewModerated"
    review_id: int
    decision: str  # publish | reject
    reason: str
    # Who decided, from which status, when: the staff audit log (defaults: older payloads).
    moderator_id: int | None = None
    from_status: str = ""
    moderated_at: str = ""


@register_event
@dataclass(frozen=True)
class ReviewReplied(DomainEvent):
    name = "reviews.ReviewReplied"
    review_id: int
    pro_id: int


@register_event
@dataclass(frozen=True)
class ReviewLabelChanged(DomainEvent):
    """A moderator accepted a proof of experience: the review became "avis vérifié" (the
    score weighs it more when it is public)."""

    name = "reviews.ReviewLabelChanged"
    review_id: int
    pro_id: int
    label: str  # verified | collected | spontaneous
    is_public: bool


@register_event
@dataclass(frozen=True)
class InvitationsPaused(DomainEvent):
    """An organization's bounce or complaint rate passed its threshold: its invitations are
    paused until staff resume them (the handler alerts staff)."""

    name = "reviews.InvitationsPaused"
    organization_id: int
    pro_id: int
    sent: int
    bounces: int
    complaints: int
    reason: str
    paused_at: str  # ISO 8601
