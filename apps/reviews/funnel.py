"""The review-collection funnel of a pro, per channel, per sales rep and per period.

Stages, each stamped on the invitation (or its review) when it happens:
sent (``sent_at`` or ``sms_sent_at``) → delivered (``delivered_at``, the e-mail provider's
callback) → opened (``email_opened_at``, idem) → clicked (``opened_at``, the link opened)
→ started (``started_at``, the review form submitted) → written (``completed_at``) →
published (its review is published).

An invitation counts at every stage up to the furthest one recorded on it (an e-mail whose
opening the provider did not see but whose link was clicked was opened): each stage count
is the number of invitations that reached it, so the funnel never widens.

Channel of an invitation (one each): ``automatic`` (sent by Eldo after a job it
dispatched), ``api`` (the pro's own tool), ``sms`` (texted, and e-mailed), else ``email``.
Reviews through the permanent link or its QR code (``link``) have no invitation: only
their written and published stages exist.

Comparison with similar companies (same trade, same region, ``directory.pros_similar``):
the median collection rate of those with at least one invitation sent in the period,
shown only when there are at least ``SIMILAR_MIN`` of them; never their names.

Every figure takes a fixed number of queries whatever the number of invitations.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from statistics import median

from django.db.models import Case, CharField, Count, Q, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from apps.core.facade_ports import facade
from apps.directory.contracts import DirectoryFacade
from apps.reviews.models import (
    InvitationSource,
    Review,
    ReviewInvitation,
    ReviewSource,
    ReviewStatus,
)

directory: DirectoryFacade = facade("directory")

STAGES = (
    ("sent", "Envoyées"),
    ("delivered", "Délivrées"),
    ("opened", "E-mail ouvert"),
    ("clicked", "Lien cliqué"),
    ("started", "Avis commencé"),
    ("written", "Avis rédigé"),
    ("published", "Avis publié"),
)
STAGE_KEYS = tuple(key for key, _label in STAGES)
# The stamp of each stage, in order; "published" is the review's status.
_STAMPS = {
    "sent": ("sent_at", "sms_sent_at"),
    "delivered": ("delivered_at",),
    "opened": ("email_opened_at",),
    "clicked": ("opened_at",),
    "started": ("started_at",),
    "written": ("completed_at",),
}

CHANNELS = (
    ("email", "E-mail"),
    ("sms", "SMS (et e-mail)"),
    ("automatic", "Automatique (chantier terminé)"),
    ("api", "Logiciel de l'entreprise (API)"),
    ("link", "Lien permanent et QR code"),
)
CHANNEL_LABELS = dict(CHANNELS)

PERIODS: tuple[tuple[str, str, int], ...] = (
    ("30j", "30 derniers jours", 30),
    ("90j", "90 derniers jours", 90),
    ("12m", "12 derniers mois", 365),
)
PERIOD_DAYS = {key: days for key, _label, days in PERIODS}
PERIOD_LABELS = {key: label for key, label, _days in PERIODS}
DEFAULT_PERIOD = "90j"

SIMILAR_MIN = 10


def stage_reached(stage: str) -> Q:
    """The invitations that reached ``stage``: its stamp or a later one is recorded."""
    index = STAGE_KEYS.index(stage)
    condition = Q(review__status=ReviewStatus.PUBLISHED)
    for later in STAGE_KEYS[index:]:
        for stamp in _STAMPS.get(later, ()):
            condition |= Q(**{f"{stamp}__isnull": False})
    return condition


def channel_expression() -> Case:
    return Case(
        When(source=InvitationSource.ELDO, then=Value("automatic")),
        When(source=InvitationSource.API, then=Value("api")),
        When(sms_sent_at__isnull=False, then=Value("sms")),
        default=Value("email"),
        output_field=CharField(),
    )


@dataclass
class FunnelRow:
    """One line of the funnel: stage counts (None: not recorded for this channel)."""

    key: str
    label: str
    counts: dict[str, int | None] = field(default_factory=dict)
    delays: list[float] = field(default_factory=list)  # days from invitation to review

    def add(self, counts: dict[str, int]) -> None:
        for stage, value in counts.items():
            self.counts[stage] = (self.counts.get(stage) or 0) + value

    @property
    def collection_rate(self) -> float | None:
        """Reviews written / invitations sent (None when nothing was sent)."""
        sent = self.counts.get("sent")
        return round((self.counts.get("written") or 0) / sent, 4) if sent else None

    @property
    def median_days(self) -> float | None:
        return round(median(self.delays), 1) if self.delays else None

    def stage_list(self) -> list[tuple[str, str, int | None]]:
        return [(key, label, self.counts.get(key)) for key, label in STAGES]


@dataclass
class Similar:
    """The median of similar companies (same trade and region); ``shown`` False under
    ``SIMILAR_MIN`` of them."""

    shown: bool
    company_count: int = 0
    collection_rate: float | None = None


@dataclass
class Funnel:
    period: str
    since: datetime
    total: FunnelRow
    channels: list[FunnelRow]
    reps: list[FunnelRow]
    similar: Similar


def since_for(period: str, *, now: datetime | None = None) -> datetime:
    return (now or timezone.now()) - timedelta(days=PERIOD_DAYS[period])


def _counts_by_channel_and_rep(invitations) -> list[dict]:
    return list(
        invitations.annotate(channel=channel_expression())
        .values("channel", "created_by_id")
        .annotate(**{stage: Count("pk", filter=stage_reached(stage)) for stage in STAGE_KEYS})
        .order_by()
    )


def _delays(invitations) -> list[tuple[str, int | None, float]]:
    """(channel, rep, days from the invitation to its review) of each written one."""
    rows = (
        invitations.filter(completed_at__isnull=False)
        .annotate(channel=channel_expression(), start=Coalesce("sent_at", "created_at"))
        .values_list("channel", "created_by_id", "start", "completed_at")
    )
    return [
        (channel, rep, max((done - start).total_seconds(), 0) / 86400)
        for channel, rep, start, done in rows
    ]


def _link_row(*, pro_id: int, since: datetime) -> FunnelRow:
    """Reviews through the permanent link or QR code: written and published only."""
    counts = Review.objects.filter(
        pro_id=pro_id, source=ReviewSource.LINK, created_at__gte=since
    ).aggregate(written=Count("pk"), published=Count("pk", filter=Q(status=ReviewStatus.PUBLISHED)))
    row = FunnelRow(key="link", label=CHANNEL_LABELS["link"])
    row.counts = {stage: None for stage in STAGE_KEYS}
    row.counts.update(written=counts["written"], published=counts["published"])
    return row


def _rep_label(rep_id: int | None, names: dict[int, str]) -> str:
    if rep_id is None:
        return "Envoi automatique ou logiciel"
    return names.get(rep_id) or "Ancien membre de l'entreprise"


def collection_funnel(
    *, pro_id: int, period: str, member_names: dict[int, str], now: datetime | None = None
) -> Funnel:
    """The pro's funnel over the period (invitations created since its start).

    ``member_names``: user id → name of the organization's members (the sales reps)."""
    since = since_for(period, now=now)
    invitations = ReviewInvitation.objects.filter(pro_id=pro_id, created_at__gte=since)
    total = FunnelRow(key="total", label="Toutes les invitations")
    channels = {key: FunnelRow(key=key, label=label) for key, label in CHANNELS if key != "link"}
    reps: dict[int | None, FunnelRow] = {}
    for group in _counts_by_channel_and_rep(invitations):
        counts = {stage: group[stage] for stage in STAGE_KEYS}
        rep_id = group["created_by_id"]
        rep = reps.setdefault(
            rep_id, FunnelRow(key=str(rep_id or ""), label=_rep_label(rep_id, member_names))
        )
        for row in (total, channels[group["channel"]], rep):
            row.add(counts)
    for channel, rep_id, days in _delays(invitations):
        for row in (total, channels[channel], reps[rep_id]):
            row.delays.append(days)
    for row in (total, *channels.values(), *reps.values()):
        for stage in STAGE_KEYS:
            row.counts.setdefault(stage, 0)
    return Funnel(
        period=period,
        since=since,
        total=total,
        channels=[*channels.values(), _link_row(pro_id=pro_id, since=since)],
        reps=sorted(reps.values(), key=lambda row: (row.key == "", row.label)),
        similar=similar_companies(pro_id=pro_id, since=since),
    )


def similar_companies(*, pro_id: int, since: datetime) -> Similar:
    """The median collection rate of the similar companies that sent invitations in the
    period; hidden (``shown=False``) when fewer than ``SIMILAR_MIN`` did. Two queries."""
    similar_ids = directory.pros_similar(pro_id=pro_id)
    if len(similar_ids) < SIMILAR_MIN:
        return Similar(shown=False)
    rows = (
        ReviewInvitation.objects.filter(pro_id__in=similar_ids, created_at__gte=since)
        .values("pro_id")
        .annotate(sent=Count("pk", filter=stage_reached("sent")))
        .annotate(written=Count("pk", filter=stage_reached("written")))
        .filter(sent__gt=0)
        .order_by()
    )
    rates = [row["written"] / row["sent"] for row in rows]
    if len(rates) < SIMILAR_MIN:
        return Similar(shown=False, company_count=len(rates))
    return Similar(shown=True, company_count=len(rates), collection_rate=round(median(rates), 4))
