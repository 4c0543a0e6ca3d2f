"""Twelve months of believable statistics for the demo company and network (seed_demo).

The backfill writes *facts* — as the handlers would have from a year of events — with
negative ids (never a real lead's, review's, request's or pro's), then rolls the days up with the
same ``services.rollup`` as production. Deterministic (seeded random), bulk inserts, and
idempotent: when the demo facts are there, nothing is added.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone

from apps.core.business_hours import business_deadline
from apps.directory import api as directory
from apps.stats import services
from apps.stats.models import (
    CounterDay,
    InvitationFact,
    LeadFact,
    ProDay,
    ProFact,
    QuoteFact,
    ReviewFact,
)

RATINGS = [1, 2, 3, 4, 5]
RATING_WEIGHTS = [2, 3, 8, 27, 60]


@dataclass
class _Ids:
    """Negative ids, one sequence per kind of fact."""

    next: dict[str, int] = field(default_factory=dict)

    def take(self, kind: str) -> int:
        self.next[kind] = self.next.get(kind, 0) - 1
        return self.next[kind]


def _poisson(rng: random.Random, mean: float) -> int:
    # Knuth: fine for the small means used here.
    limit, k, p = math.exp(-mean), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def _moment(day: date, rng: random.Random, *, start_hour=8, end_hour=19) -> datetime:
    minutes = rng.randrange(start_hour * 60, end_hour * 60)
    return datetime.combine(
        day, time(minutes // 60, minutes % 60), tzinfo=timezone.get_current_timezone()
    )


def _activity(day: date, first: date, days: int) -> float:
    """Slow growth over the year, quieter weekends, a summer dip in August."""
    growth = 0.7 + 0.6 * (day - first).days / max(days, 1)
    weekday = 0.55 if day.weekday() >= 5 else 1.0
    season = 0.75 if day.month == 8 else 1.0
    return growth * weekday * season


def _first_call(fact: QuoteFact, now: datetime) -> None:
    """The advisor's first call, 15 minutes to 6 business hours after the request (from the
    request's id: the other figures stay put), never after its qualification; one rejected
    request in three was refused without a call (spam)."""
    draw = abs(fact.quote_id) * 2_654_435_761 % 100
    if fact.rejected_at is not None and draw < 33:
        return
    called = business_deadline(fact.submitted_at, 0.25 + (draw % 60) / 10)
    decided = fact.qualified_at or fact.rejected_at
    if decided is not None:
        called = min(called, decided)
    if called <= now:
        fact.first_call_at = called


def _contact_check(fact: LeadFact, now: datetime) -> None:
    """The homeowner's answer to "L'artisan vous a-t-il contacté ?" 48 h after dispatch,
    drawn from the lead's id (not the generator: the other figures stay put): "oui" mostly
    when the pro answered within 48 h, "non" otherwise, one in seven never answers."""
    asked = fact.dispatched_at + timedelta(hours=48)
    if asked > now or fact.status in ("declined", "expired"):
        return
    fact.contact_asked_at = asked
    draw = abs(fact.lead_id) * 2_654_435_761 % 100
    if draw < 14:
        return
    answered = fact.first_response_at is not None and fact.first_response_at <= asked
    fact.contact_answer = "yes" if answered and draw >= 20 else "no"
    fact.contact_answered_at = min(now, asked + timedelta(hours=1 + draw % 12))


def _lead(
    rng: random.Random,
    ids: _Ids,
    *,
    pro,
    sent: datetime,
    now: datetime,
    network_id: int | None,
    assignees: list[int],
    quick: float,
) -> LeadFact:
    fact = LeadFact(
        lead_id=ids.take("lead"),
        pro_id=pro.id,
        organization_id=pro.organization_id,
        network_id=network_id,
        source="inbound" if network_id else "quote",
        dispatched_at=sent,
        status="sent",
        status_at=sent,
        assigned_to_id=rng.choice(assignees) if assignees and rng.random() < 0.85 else None,
    )

    def step(status: str, after: datetime, hours: float) -> datetime | None:
        moment = after + timedelta(hours=hours)
        if moment > now:
            return None
        fact.status, fact.status_at = status, moment
        return moment

    viewed = step("viewed", sent, rng.uniform(0.1, 6) / quick)
    if viewed is None:
        return fact
    fact.viewed_at = viewed
    if rng.random() < 0.06:
        fact.closed_at = step("declined", viewed, rng.uniform(0.2, 4))
        fact.first_response_at = fact.closed_at
        return fact
    if rng.random() > 0.85:
        if rng.random() < 0.5:
            fact.closed_at = step("expired", sent, 96)
        return fact
    contacted = step("contacted", viewed, rng.lognormvariate(1.2, 1.0) / quick)
    if contacted is None:
        return fact
    fact.contacted_at = fact.first_response_at = contacted
    if rng.random() < 0.3:
        if rng.random() < 0.5:
            fact.closed_at = step("lost", contacted, rng.uniform(24, 240))
        return fact
    quoted = step("quote_sent", contacted, rng.uniform(24, 24 * 8))
    if quoted is None:
        return fact
    fact.quote_sent_at = quoted
    # 3,000 to 40,000 €, from the id rather than the generator: the other figures stay put.
    fact.quote_amount = Decimal(3_000 + (abs(fact.lead_id) * 7_919) % 370 * 100)
    outcome = "won" if rng.random() < 0.55 else "lost"
    if rng.random() < 0.8:
        fact.closed_at = step(outcome, quoted, rng.uniform(24, 24 * 20))
        if fact.status == "won":
            fact.won_amount = fact.quote_amount
    return fact


def _visibility(rng, pro_id: int, day: date, level: float, scale: float) -> CounterDay:
    views = max(int(rng.gauss(38 * level * scale, 6 * scale)), 0)
    return CounterDay(
        pro_id=pro_id,
        day=day,
        profile_views=views,
        search_impressions=int(views * rng.uniform(6, 10)),
        contact_clicks=int(views * rng.uniform(0.03, 0.09)),
    )


@dataclass
class _Year:
    """The facts of the backfill as they are drawn, day after day (one random sequence, so
    the same figures each time)."""

    rng: random.Random
    now: datetime
    ids: _Ids = field(default_factory=_Ids)
    counters: list = field(default_factory=list)
    leads: list = field(default_factory=list)
    invitations: list = field(default_factory=list)
    reviews: list = field(default_factory=list)
    quotes: list = field(default_factory=list)
    new_pros: list = field(default_factory=list)

    def company_day(
        self, day: date, level: float, company, member_user_ids: list[int], leads: float
    ) -> None:
        """The demo company's visibility, leads (``leads`` a day on average), requests,
        invitations and reviews."""
        rng, now = self.rng, self.now
        self.counters.append(_visibility(rng, company.id, day, level, 1.0))
        for _ in range(_poisson(rng, leads * level)):
            sent = _moment(day, rng)
            if sent <= now:
                self.leads.append(
                    _lead(
                        rng,
                        self.ids,
                        pro=company,
                        sent=sent,
                        now=now,
                        network_id=None,
                        assignees=member_user_ids,
                        quick=1.0,
                    )
                )
        for _ in range(_poisson(rng, 0.35 * level)):
            submitted = _moment(day, rng, start_hour=7, end_hour=22)
            if submitted <= now:
                self.quotes.append(
                    QuoteFact(
                        quote_id=self.ids.take("quote"),
                        kind="quote",
                        target_pro_id=company.id,
                        submitted_at=submitted,
                    )
                )
        for _ in range(_poisson(rng, 1.2 * level)):
            sent = _moment(day, rng)
            if sent <= now:
                self._invitation(company.id, sent)

    def _invitation(self, pro_id: int, sent: datetime) -> None:
        rng = self.rng
        self.invitations.append(
            InvitationFact(invitation_id=self.ids.take("invitation"), pro_id=pro_id, sent_at=sent)
        )
        if rng.random() < 0.64:
            written = sent + timedelta(hours=rng.lognormvariate(3.2, 1.0))
            if written <= self.now:
                self.reviews.append(
                    ReviewFact(
                        review_id=self.ids.take("review"),
                        pro_id=pro_id,
                        source="invited",
                        rating=rng.choices(RATINGS, RATING_WEIGHTS)[0],
                        submitted_at=written,
                        published_at=written + timedelta(minutes=rng.randrange(1, 600)),
                    )
                )

    def installers_day(self, day: date, level: float, installers, network_id: int) -> None:
        """The network's installers: some answer fast, others slowly (the network sees it)."""
        rng = self.rng
        for index, installer in enumerate(installers):
            self.counters.append(
                _visibility(rng, installer.id, day, level, 0.4 + 0.1 * (index % 4))
            )
            for _ in range(_poisson(rng, 0.5 * level)):
                sent = _moment(day, rng)
                if sent <= self.now:
                    self.leads.append(
                        _lead(
                            rng,
                            self.ids,
                            pro=installer,
                            sent=sent,
                            now=self.now,
                            network_id=network_id,
                            assignees=[],
                            quick=[2.0, 1.0, 0.5, 0.25][index % 4],
                        )
                    )

    def platform_day(self, day: date, level: float) -> None:
        """The platform's requests: qualified or rejected, most qualified ones dispatched."""
        rng, now = self.rng, self.now
        for _ in range(_poisson(rng, 14 * level)):
            submitted = _moment(day, rng, start_hour=7, end_hour=22)
            if submitted > now:
                continue
            fact = QuoteFact(quote_id=self.ids.take("quote"), kind="quote", submitted_at=submitted)
            decided = submitted + timedelta(hours=rng.lognormvariate(1.0, 0.9))
            if decided <= now:
                if rng.random() < 0.78:
                    fact.qualified_at = decided
                    dispatched = decided + timedelta(minutes=rng.lognormvariate(3.5, 0.8))
                    if rng.random() < 0.92 and dispatched <= now:
                        fact.dispatched_at = dispatched
                else:
                    fact.rejected_at = decided
            self.quotes.append(fact)

    def pros_day(self, day: date, level: float, pros_rng: random.Random) -> None:
        """Pros joining the platform (their own sequence: the other figures stay the same)."""
        for _ in range(_poisson(pros_rng, 3 * level)):
            created = _moment(day, pros_rng)
            if created <= self.now:
                pro_id = self.ids.take("pro")
                self.new_pros.append(
                    ProFact(pro_id=pro_id, organization_id=pro_id, created_at=created)
                )

    def store(self) -> None:
        for fact in self.leads:
            _contact_check(fact, self.now)
        for fact in self.quotes:
            _first_call(fact, self.now)
        CounterDay.objects.bulk_create(self.counters, batch_size=1000, ignore_conflicts=True)
        LeadFact.objects.bulk_create(self.leads, batch_size=1000)
        InvitationFact.objects.bulk_create(self.invitations, batch_size=1000)
        ReviewFact.objects.bulk_create(self.reviews, batch_size=1000)
        QuoteFact.objects.bulk_create(self.quotes, batch_size=1000)
        ProFact.objects.bulk_create(self.new_pros, batch_size=1000)


def demo_seed(
    *,
    company_slug: str,
    member_user_ids: list[int],
    network_id: int,
    installer_slugs: list[str],
    days: int = 365,
    leads_per_day: float = 1.6,
) -> int:
    pros = directory.pros_by_slugs([company_slug, *installer_slugs])
    company = pros.get(company_slug)
    if company is None:
        return 0
    if LeadFact.objects.filter(pro_id=company.id, lead_id__lt=0).exists():
        return 0  # already backfilled
    year = _Year(rng=random.Random(f"eldo-stats-{company_slug}"), now=timezone.now())
    last = timezone.localdate()
    first = last - timedelta(days=days - 1)
    installers = [pros[s] for s in installer_slugs if s in pros]
    pros_rng = random.Random(f"eldo-stats-pros-{company_slug}")
    for offset in range(days):
        day = first + timedelta(days=offset)
        level = _activity(day, first, days)
        year.company_day(day, level, company, member_user_ids, leads_per_day)
        year.installers_day(day, level, installers, network_id)
        year.platform_day(day, level)
        year.pros_day(day, level, pros_rng)
    with transaction.atomic():
        year.store()
        written = services.rollup(
            start=first, end=last, pro_ids=[company.id, *(i.id for i in installers)]
        )
        services.platform_rollup(start=first, end=last)
    return written


# Every other pro's year of visibility, from the 1x scale: one day in five with figures,
# as the daily counters would have stored them, and the daily rows rolled up from them.
COUNTER_COLUMNS = ("pro_id", "day", "profile_views", "search_impressions", "contact_clicks")


def visibility_seed(*, pro_ids: list[int], days: int = 365) -> int:
    """A year of sparse visibility counters and their ``ProDay`` rows for the pros among
    ``pro_ids`` that have no counter yet (idempotent). Bulk: COPY on PostgreSQL, one
    INSERT … SELECT for the roll-up (it only has counters to read: these pros have no
    facts in the backfill). Returns the number of daily rows written."""
    last = timezone.localdate()
    first = last - timedelta(days=days - 1)
    seeded = set(
        CounterDay.objects.filter(day__gte=first, pro_id__in=pro_ids)
        .values_list("pro_id", flat=True)
        .distinct()
    )
    todo = [pro_id for pro_id in pro_ids if pro_id not in seeded]
    if not todo:
        return 0
    rng = random.Random(f"eldo-stats-visibility-{len(pro_ids)}")
    sqlite = connection.vendor == "sqlite"
    rows = []
    for pro_id in todo:
        level = 0.2 + rng.random()
        for offset in range(pro_id % 5, days, 5):
            day = first + timedelta(days=offset)
            views = max(int(rng.gauss(10 * level, 3)), 1)
            rows.append((pro_id, str(day) if sqlite else day, views, views * 7, int(views * 0.05)))
    with transaction.atomic():
        _bulk_insert(CounterDay._meta.db_table, COUNTER_COLUMNS, rows)
        _proday_from_counters(pro_ids=todo, first=first, last=last)
    return len(rows)


def _bulk_insert(table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
    """COPY on PostgreSQL, plain multi-row inserts elsewhere (the ORM's per-value
    preparation costs more than the database at a million rows)."""
    ops = connection.ops
    names = ", ".join(ops.quote_name(c) for c in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {ops.quote_name(table)} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        placeholders = ", ".join(["%s"] * len(columns))
        # Our own model's table and columns, never input (ruff S608, bandit B608).
        sql = f"INSERT INTO {ops.quote_name(table)} ({names}) VALUES ({placeholders})"  # noqa: S608 # nosec B608
        cursor.executemany(sql, rows)


def _proday_from_counters(*, pro_ids: list[int], first: date, last: date) -> None:
    """What ``services.rollup`` writes for pros with counters and no facts, set-based."""
    ops = connection.ops
    counted = COUNTER_COLUMNS[2:]
    columns = [f.column for f in ProDay._meta.concrete_fields if not f.primary_key]
    zeros = [c for c in columns if c and c not in COUNTER_COLUMNS]
    names = ", ".join(ops.quote_name(c) for c in (*COUNTER_COLUMNS, *zeros))
    selected = ", ".join(
        [*(ops.quote_name(c) for c in ("pro_id", "day", *counted)), *(["0"] * len(zeros))]
    )
    with connection.cursor() as cursor:
        for start in range(0, len(pro_ids), 5_000):
            chunk = pro_ids[start : start + 5_000]
            # Names are our own models' tables and columns; values go through placeholders.
            cursor.execute(
                f"INSERT INTO {ops.quote_name(ProDay._meta.db_table)} ({names}) "  # noqa: S608 # nosec B608
                f"SELECT {selected} FROM {ops.quote_name(CounterDay._meta.db_table)} "
                f"WHERE day >= %s AND day <= %s "
                f"AND pro_id IN ({', '.join(['%s'] * len(chunk))})",
                [ops.adapt_datefield_value(first), ops.adapt_datefield_value(last), *chunk],
            )
