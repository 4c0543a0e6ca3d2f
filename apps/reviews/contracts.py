"""Plain data that crosses the reviews boundary (no Django imports)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Protocol

# The optional criteria of a review, by API name.
CRITERIA_LABELS = {
    "quality": "Qualité du travail",
    "timeliness": "Respect des délais",
    "cleanliness": "Propreté du chantier",
    "value": "Rapport qualité/prix",
}


# The three public labels of a review (docs/reviews.md, /avis/comment-ca-marche/).
LABEL_NAMES = {
    "verified": "Avis vérifié",
    "collected": "Avis collecté par l'entreprise",
    "spontaneous": "Avis spontané",
}
LABEL_EXPLANATIONS = {
    "verified": "Eldo a relié cet avis à un vrai chantier : invitation envoyée par Eldo "
    "après une demande qu'il a transmise, ou facture ou devis contrôlé par un modérateur.",
    "collected": "L'entreprise a invité son client à déposer cet avis ; Eldo le contrôle "
    "(contrôles automatiques et modération par échantillon).",
    "spontaneous": "Déposé par un particulier depuis la fiche de l'entreprise, adresse "
    "e-mail confirmée, relu par un modérateur avant publication.",
}


@dataclass(frozen=True)
class ReviewPhotoRef:
    url: str
    thumbnail_url: str
    width: int
    height: int


@dataclass(frozen=True)
class ReviewReplyRef:
    body: str
    created_at: datetime


@dataclass(frozen=True)
class ReviewCard:
    """A public review as every page and API shows it: never the author's e-mail nor
    full name, only the first name, commune and postcode."""

    id: int
    pro_id: int
    pro_slug: str
    pro_name: str
    rating: int
    criteria: dict[str, int]  # {"quality": 5, …}, only the criteria the author rated
    title: str
    body: str
    author_name: str
    author_commune: str
    author_postcode: str
    work_category: str  # slug
    work_category_name: str
    work_date: date  # the date of the experience
    published_at: datetime
    source: str  # invited | spontaneous | imported: how it arrived
    label: str  # verified | collected | spontaneous: what the public is told (LABEL_NAMES)
    is_verified: bool  # tied to a real job by Eldo: "avis vérifié"
    under_review: bool  # reported: "en cours de vérification"
    photos: tuple[ReviewPhotoRef, ...] = field(default_factory=tuple)
    reply: ReviewReplyRef | None = None

    @property
    def pro_url(self) -> str:
        return f"/pro/{self.pro_slug}/"

    @property
    def url(self) -> str:
        return f"/pro/{self.pro_slug}/#avis-{self.id}"

    @property
    def criteria_items(self) -> list[tuple[str, int]]:
        return [(CRITERIA_LABELS[k], v) for k, v in self.criteria.items() if k in CRITERIA_LABELS]

    @property
    def label_name(self) -> str:
        return LABEL_NAMES.get(self.label, LABEL_NAMES["spontaneous"])

    @property
    def label_explanation(self) -> str:
        return LABEL_EXPLANATIONS.get(self.label, "")

    @property
    def commune(self) -> str:
        return f"{self.author_commune} ({self.author_postcode})"


@dataclass(frozen=True)
class ReviewPage:
    items: tuple[ReviewCard, ...]
    count: int
    page: int
    page_size: int
    ordering: str


@dataclass(frozen=True)
class ReviewOrdering:
    code: str
    label: str


@dataclass(frozen=True)
class InvitationFunnel:
    invited: int
    sent: int
    opened: int
    written: int
    collection_rate: float  # reviews collected / invitations sent, 0..1


class ReviewsFacade(Protocol):
    """What the monolith calls on reviews (``facade("reviews")``), in-process or over HTTP
    when reviews runs as its own service (apps.core.remote_facades): the signatures of
    ``apps.reviews.api``'s functions."""

    def latest_reviews(self, *, limit: int = 6) -> list[ReviewCard]: ...

    def latest_reviews_of_pros(self, *, pro_ids: list[int], limit: int = 5) -> list[ReviewCard]: ...

    def review_orderings(self) -> list[ReviewOrdering]: ...

    def pro_reviews(
        self, *, pro_id: int, page: int = 1, page_size: int = 10, ordering: str = "recent"
    ) -> ReviewPage | None: ...

    def latest_cache_generations(self) -> tuple[str, ...]: ...

    def pro_reviews_cache_generations(self, pro_id: int) -> tuple[str, ...]: ...

    def platform_figures(self) -> dict[str, int]: ...

    def eldo_review_request_create(
        self,
        *,
        pro_id: int,
        organization_id: int,
        customer_name: str,
        customer_email: str,
        work_description: str,
        work_date: date,
        lead_id: int | None = None,
    ) -> int: ...

    def eldo_review_invitation_schedule(
        self,
        *,
        lead_id: int,
        pro_id: int,
        organization_id: int,
        customer_name: str,
        customer_email: str,
        work_description: str,
        won_at: datetime,
        work_end_date: date | None = None,
    ) -> None: ...

    def eldo_review_invitation_work_end(self, *, lead_id: int, work_end_date: date) -> bool: ...
