"""Writes of the stats context: facts from other contexts' events, and the daily roll-ups.

Each ``*_record`` function is called by a handler (apps.stats.handlers) inside the
outbox's delivery transaction, so it runs once per event; it is written to be harmless
when run twice anyway (upserts, earliest timestamp kept). It then refreshes the daily rows
of the day(s) it touched, so dashboards follow events within seconds; the beat task
``stats.rollup`` recomputes yesterday and today as a safety net.

``rollup`` and ``platform_rollup`` are idempotent: they delete the period's rows and
rebuild them from the facts, so re-running a day gives the same rows.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Count, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone

from apps.core.pagecache import generations_bump
from apps.directory import api as directory
from apps.stats.models import (
    BrandCounterDay,
    CounterDay,
    InvitationFact,
    LeadFact,
    PlatformDay,
    ProDay,
    ProFact,
    QuoteFact,
    ReviewFact,
)

# core.CountersFlushed counter name → CounterDay / ProDay field.
COUNTER_FIELDS = {
    "directory.ProProfileViewed": "profile_views",
    "directory.SearchImpression": "search_impressions",
    "directory.ContactRevealed": "contact_clicks",
}
RESPONSE_STATUSES = {"contacted", "appointment", "quote_sent", "won", "lost", "declined"}
CLOSING_STATUSES = {"won", "lost", "declined", "expired"}


def parse_moment(value: str | None) -> datetime | None:
    if not value:
        return None
    moment = datetime.fromisoformat(value)
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def local_day(moment: datetime) -> date:
    return timezone.localtime(moment).date()


def day_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """[start 00:00, end+1 00:00) in the site's time zone (Europe/Paris)."""
    tz = timezone.get_current_timezone()
    return (
        datetime.combine(start, time.min, tzinfo=tz),
        datetime.combine(end + timedelta(days=1), time.min, tzinfo=tz),
    )


# --- Roll-ups -------------------------------------------------------------------------------


def _counts(qs: QuerySet, field: str, start: date, end: date, *, by: str = "pro_id", extra=()):
    """{(by value, local day, *extra values): count} of the rows whose ``field`` is in the
    period — one grouped query."""
    low, high = day_bounds(start, end)
    rows = (
        qs.filter(**{f"{field}__gte": low, f"{field}__lt": high})
        .annotate(stat_day=TruncDate(field, tzinfo=timezone.get_current_timezone()))
        .values(by, "stat_day", *extra)
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {(r[by], r["stat_day"], *(r[e] for e in extra)): r["n"] for r in rows}


# The generations of the figures the back office shows, bumped once a write commits: a
# pro's (its days, its leads), a company's (its leads, by sales rep), and every pro's (a
# roll-up without a scope rewrites every day).
ALL_FIGURES_GENERATION = "stats:all"


def figures_generations(*, pro_id: int, organization_id: int) -> list[str]:
    """The generations a pro's and its company's figures are read under."""
    return [ALL_FIGURES_GENERATION, f"stats:pro:{pro_id}", f"stats:org:{organization_id}"]


def _figures_changed(
    *, pro_ids: Iterable[int] | None = None, organization_id: int | None = None
) -> None:
    names = [ALL_FIGURES_GENERATION] if pro_ids is None else [f"stats:pro:{i}" for i in pro_ids]
    if organization_id is not None:
        names.append(f"stats:org:{organization_id}")
    transaction.on_commit(lambda: generations_bump(names))


def rollup(*, start: date, end: date, pro_ids: Iterable[int] | None = None) -> int:
    """Rebuild the ``ProDay`` rows of [start, end] (of ``pro_ids``, or every pro) from the
    facts and counters. Returns the number of rows written."""
    ids = None if pro_ids is None else sorted(set(pro_ids))

    def scoped(qs: QuerySet, field: str = "pro_id") -> QuerySet:
        return qs if ids is None else qs.filter(**{f"{field}__in": ids})

    values: dict[tuple[int, date], dict[str, int]] = defaultdict(dict)

    def add(counts: dict, name: str) -> None:
        for (pro_id, day, *_rest), n in counts.items():
            if pro_id is not None and n:
                values[(pro_id, day)][name] = values[(pro_id, day)].get(name, 0) + n

    for row in scoped(CounterDay.objects.filter(day__gte=start, day__lte=end)).values():
        for name in COUNTER_FIELDS.values():
            if row[name]:
                values[(row["pro_id"], row["day"])][name] = row[name]
    add(
        _counts(
            scoped(QuoteFact.objects, "target_pro_id"),
            "submitted_at",
            start,
            end,
            by="target_pro_id",
        ),
        "quote_requests",
    )
    leads = scoped(LeadFact.objects)
    add(_counts(leads, "dispatched_at", start, end), "leads_received")
    add(_counts(leads, "viewed_at", start, end), "leads_viewed")
    add(_counts(leads, "contacted_at", start, end), "leads_contacted")
    add(_counts(leads, "quote_sent_at", start, end), "leads_quote_sent")
    add(_counts(leads.filter(status="won"), "closed_at", start, end), "leads_won")
    add(_counts(leads.filter(status="lost"), "closed_at", start, end), "leads_lost")
    add(_counts(scoped(InvitationFact.objects), "sent_at", start, end), "invitations_sent")
    reviews = scoped(ReviewFact.objects)
    add(_counts(reviews.filter(source="invited"), "submitted_at", start, end), "reviews_collected")
    published = _counts(
        reviews.filter(withdrawn=False, rating__isnull=False),
        "published_at",
        start,
        end,
        extra=("rating",),
    )
    add(published, "reviews_published")
    for (pro_id, day, rating), n in published.items():
        if 1 <= rating <= 5:
            values[(pro_id, day)][f"stars_{rating}"] = n

    with transaction.atomic():
        scoped(ProDay.objects.filter(day__gte=start, day__lte=end)).delete()
        ProDay.objects.bulk_create(
            [
                ProDay(pro_id=pro_id, day=day, **fields)
                for (pro_id, day), fields in sorted(values.items())
            ],
            batch_size=1000,
        )
        _figures_changed(pro_ids=ids)
    return len(values)


def platform_rollup(*, start: date, end: date) -> int:
    """Rebuild the ``PlatformDay`` rows of [start, end] from the quote and pro facts."""
    values: dict[date, dict[str, int]] = defaultdict(dict)
    for qs, field, by, name in (
        (QuoteFact.objects, "submitted_at", "kind", "quote_requests"),
        (QuoteFact.objects, "qualified_at", "kind", "quotes_qualified"),
        (QuoteFact.objects, "rejected_at", "kind", "quotes_rejected"),
        (QuoteFact.objects, "dispatched_at", "kind", "quotes_dispatched"),
        (ProFact.objects, "created_at", "organization_id", "pros_created"),
    ):
        for (_key, day), n in _counts(qs, field, start, end, by=by).items():
            values[day][name] = values[day].get(name, 0) + n
    with transaction.atomic():
        PlatformDay.objects.filter(day__gte=start, day__lte=end).delete()
        PlatformDay.objects.bulk_create(
            [PlatformDay(day=day, **fields) for day, fields in sorted(values.items())],
            batch_size=1000,
        )
    return len(values)


def rollup_recent(*, today: date | None = None) -> int:
    """Beat: yesterday and today, for every pro and the platform."""
    today = today or timezone.localdate()
    start = today - timedelta(days=1)
    written = rollup(start=start, end=today)
    platform_rollup(start=start, end=today)
    return written


def _refresh(pro_id: int | None, *moments: datetime | None) -> None:
    for day in sorted({local_day(m) for m in moments if m is not None}):
        if pro_id is not None:
            rollup(start=day, end=day, pro_ids=[pro_id])


# --- Counters -------------------------------------------------------------------------------


BRAND_VIEW_COUNTER = "directory.BrandPageViewed"


def brand_counters_record(*, day: str, counts: dict[str, int]) -> int:
    """Add a flush's brand page views (keyed by brand slug) to the brands' day."""
    brands = directory.brands_by_slugs(list(counts))
    amounts = {
        brands[slug].organization_id: int(n)
        for slug, n in counts.items()
        if slug in brands and int(n) > 0
    }
    the_day = date.fromisoformat(day)
    with transaction.atomic():
        for organization_id, n in amounts.items():
            row, _created = BrandCounterDay.objects.select_for_update().get_or_create(
                brand_organization_id=organization_id, day=the_day
            )
            row.page_views += n
            row.save(update_fields=["page_views"])
    return len(amounts)


def counters_record(*, counter: str, day: str, counts: dict[str, int]) -> int:
    """Add a flush's totals (keyed by pro slug) to the pros' day. Returns the pros counted."""
    if counter == BRAND_VIEW_COUNTER:
        return brand_counters_record(day=day, counts=counts)
    field = COUNTER_FIELDS.get(counter)
    if field is None or not counts:
        return 0
    pros = directory.pros_by_slugs(list(counts))
    amounts = {pros[slug].id: int(n) for slug, n in counts.items() if slug in pros and n > 0}
    if not amounts:
        return 0
    the_day = date.fromisoformat(day)
    with transaction.atomic():
        existing = {
            row.pro_id: row
            for row in CounterDay.objects.select_for_update().filter(
                day=the_day, pro_id__in=list(amounts)
            )
        }
        for row in existing.values():
            setattr(row, field, getattr(row, field) + amounts[row.pro_id])
        CounterDay.objects.bulk_update(existing.values(), [field])
        CounterDay.objects.bulk_create(
            [
                CounterDay(pro_id=pro_id, day=the_day, **{field: n})
                for pro_id, n in amounts.items()
                if pro_id not in existing
            ]
        )
        rollup(start=the_day, end=the_day, pro_ids=list(amounts))
    return len(amounts)


# --- Leads ----------------------------------------------------------------------------------


def _lead_fact(*, lead_id: int, pro_id: int, organization_id: int, dispatched_at: datetime):
    fact, _created = LeadFact.objects.select_for_update().get_or_create(
        lead_id=lead_id,
        defaults={
            "pro_id": pro_id,
            "organization_id": organization_id,
            "dispatched_at": dispatched_at,
            "status_at": dispatched_at,
        },
    )
    _figures_changed(pro_ids=[pro_id], organization_id=organization_id)
    return fact


def lead_dispatched_record(
    *,
    lead_id: int,
    pro_id: int,
    organization_id: int,
    network_id: int | None,
    source: str,
    dispatched_at: str,
) -> None:
    moment = parse_moment(dispatched_at)
    with transaction.atomic():
        fact = _lead_fact(
            lead_id=lead_id, pro_id=pro_id, organization_id=organization_id, dispatched_at=moment
        )
        fact.network_id = network_id
        fact.source = source
        fact.save(update_fields=["network_id", "source"])
        _refresh(pro_id, moment)


def _earliest(current: datetime | None, moment: datetime) -> datetime:
    return moment if current is None else min(current, moment)


def lead_status_record(
    *,
    lead_id: int,
    pro_id: int,
    organization_id: int,
    to_status: str,
    changed_at: str,
    dispatched_at: str,
    quote_amount: str | None = None,
    won_amount: str | None = None,
) -> None:
    """A transition: timestamps of the funnel, first response, the latest status (events
    may arrive out of order: the latest ``changed_at`` wins, the earliest timestamps stay),
    and the lead's amounts in euros as the event states them (the lead's after the change)."""
    moment = parse_moment(changed_at)
    with transaction.atomic():
        fact = _lead_fact(
            lead_id=lead_id,
            pro_id=pro_id,
            organization_id=organization_id,
            dispatched_at=parse_moment(dispatched_at),
        )
        if to_status in {"viewed", "contacted", "quote_sent"}:
            fact.viewed_at = _earliest(fact.viewed_at, moment)
        if to_status == "contacted":
            fact.contacted_at = _earliest(fact.contacted_at, moment)
        if to_status == "quote_sent":
            fact.quote_sent_at = _earliest(fact.quote_sent_at, moment)
        if to_status in RESPONSE_STATUSES:
            fact.first_response_at = _earliest(fact.first_response_at, moment)
        if fact.status_at is None or moment >= fact.status_at:
            fact.status, fact.status_at = to_status, moment
            if to_status in CLOSING_STATUSES:
                fact.closed_at = moment
        _amounts_set(fact, quote_amount=quote_amount, won_amount=won_amount)
        fact.save()
        _refresh(pro_id, moment)


def _amounts_set(fact: LeadFact, *, quote_amount: str | None, won_amount: str | None) -> None:
    """The lead's amounts after the change (None: none entered, or cleared)."""
    fact.quote_amount = None if quote_amount is None else Decimal(quote_amount)
    fact.won_amount = None if won_amount is None else Decimal(won_amount)


def lead_value_record(
    *,
    lead_id: int,
    pro_id: int,
    organization_id: int,
    dispatched_at: str,
    quote_amount: str | None,
    won_amount: str | None,
) -> None:
    """An amount corrected without a status change (leads.LeadValueChanged)."""
    with transaction.atomic():
        fact = _lead_fact(
            lead_id=lead_id,
            pro_id=pro_id,
            organization_id=organization_id,
            dispatched_at=parse_moment(dispatched_at),
        )
        _amounts_set(fact, quote_amount=quote_amount, won_amount=won_amount)
        fact.save()


def lead_assigned_record(
    *,
    lead_id: int,
    pro_id: int,
    organization_id: int,
    assigned_to_id: int | None,
    dispatched_at: str,
) -> None:
    with transaction.atomic():
        fact = _lead_fact(
            lead_id=lead_id,
            pro_id=pro_id,
            organization_id=organization_id,
            dispatched_at=parse_moment(dispatched_at),
        )
        fact.assigned_to_id = assigned_to_id
        fact.save(update_fields=["assigned_to_id"])


# --- Reviews --------------------------------------------------------------------------------


def invitation_sent_record(*, invitation_id: int, pro_id: int, sent_at: str) -> None:
    moment = parse_moment(sent_at)
    with transaction.atomic():
        InvitationFact.objects.get_or_create(
            invitation_id=invitation_id, defaults={"pro_id": pro_id, "sent_at": moment}
        )
        _refresh(pro_id, moment)


def review_submitted_record(
    *, review_id: int, pro_id: int, source: str, submitted_at: datetime | None = None
) -> None:
    moment = submitted_at or timezone.now()
    with transaction.atomic():
        fact, created = ReviewFact.objects.select_for_update().get_or_create(
            review_id=review_id,
            defaults={"pro_id": pro_id, "source": source, "submitted_at": moment},
        )
        if not created and fact.submitted_at is None:
            fact.submitted_at = moment
            fact.save(update_fields=["submitted_at"])
        _refresh(pro_id, fact.submitted_at)


def review_published_record(
    *, review_id: int, pro_id: int, rating: int, source: str, published_at: str
) -> None:
    moment = parse_moment(published_at)
    with transaction.atomic():
        fact, _created = ReviewFact.objects.select_for_update().get_or_create(
            review_id=review_id,
            defaults={"pro_id": pro_id, "source": source, "submitted_at": moment},
        )
        previous = fact.published_at
        fact.rating, fact.source, fact.published_at, fact.withdrawn = (
            rating,
            source,
            moment,
            False,
        )
        fact.save()
        _refresh(pro_id, moment, previous, fact.submitted_at)


def review_unpublished_record(*, review_id: int) -> None:
    with transaction.atomic():
        fact = ReviewFact.objects.select_for_update().filter(review_id=review_id).first()
        if fact is None:
            return
        fact.withdrawn = True
        fact.save(update_fields=["withdrawn"])
        _refresh(fact.pro_id, fact.published_at)


# --- Pros -----------------------------------------------------------------------------------


def pro_created_record(*, pro_id: int, organization_id: int, created_at: str) -> None:
    """A new pro (``directory.ProCreated``): one fact, then its day's platform row."""
    moment = parse_moment(created_at)
    with transaction.atomic():
        fact, _created = ProFact.objects.get_or_create(
            pro_id=pro_id, defaults={"organization_id": organization_id, "created_at": moment}
        )
        day = local_day(fact.created_at)
        platform_rollup(start=day, end=day)


# --- Quotes ---------------------------------------------------------------------------------


def _quote_fact(quote_id: int, moment: datetime) -> QuoteFact:
    fact, _created = QuoteFact.objects.select_for_update().get_or_create(
        quote_id=quote_id, defaults={"submitted_at": moment}
    )
    return fact


def quote_submitted_record(
    *,
    quote_id: int,
    kind: str,
    target_pro_id: int | None,
    submitted_at: datetime | None = None,
    brand_organization_id: int | None = None,
) -> None:
    moment = submitted_at or timezone.now()
    with transaction.atomic():
        fact = _quote_fact(quote_id, moment)
        fact.kind, fact.target_pro_id = kind, target_pro_id
        fact.brand_organization_id = brand_organization_id
        fact.submitted_at = min(fact.submitted_at, moment)
        fact.save()
        day = local_day(fact.submitted_at)
        platform_rollup(start=day, end=day)
        _refresh(target_pro_id, fact.submitted_at)


def quote_step_record(*, quote_id: int, step: str, at: str) -> None:
    """``step``: qualified | rejected | dispatched — the first time counts."""
    moment = parse_moment(at)
    field = f"{step}_at"
    with transaction.atomic():
        fact = _quote_fact(quote_id, moment)
        if getattr(fact, field) is None:
            setattr(fact, field, moment)
            fact.save(update_fields=[field])
        day = local_day(moment)
        platform_rollup(start=day, end=day)


# --- Homeowner confirmation ("L'artisan vous a-t-il contacté ?") ------------------------------


def lead_contact_check_record(
    *,
    lead_id: int,
    pro_id: int,
    organization_id: int,
    network_id: int | None,
    dispatched_at: str,
    asked_at: str,
    answer: str = "",
    answered_at: str | None = None,
) -> None:
    """The question asked (leads.LeadContactCheckSent) or answered (LeadContactConfirmed):
    the earliest asking time stays, the first answer stays (a lead is answered once)."""
    with transaction.atomic():
        fact = _lead_fact(
            lead_id=lead_id,
            pro_id=pro_id,
            organization_id=organization_id,
            dispatched_at=parse_moment(dispatched_at),
        )
        if fact.network_id is None:
            fact.network_id = network_id
        fact.contact_asked_at = _earliest(fact.contact_asked_at, parse_moment(asked_at))
        if answer and not fact.contact_answer:
            fact.contact_answer = answer
            fact.contact_answered_at = parse_moment(answered_at)
        fact.save(
            update_fields=[
                "network_id",
                "contact_asked_at",
                "contact_answer",
                "contact_answered_at",
            ]
        )


def quote_first_call_record(*, quote_id: int, called_at: str) -> None:
    """An advisor's call (quotes.QuoteCallLogged): the earliest one is the first call."""
    moment = parse_moment(called_at)
    with transaction.atomic():
        fact = _quote_fact(quote_id, moment)
        fact.first_call_at = _earliest(fact.first_call_at, moment)
        fact.save(update_fields=["first_call_at"])
