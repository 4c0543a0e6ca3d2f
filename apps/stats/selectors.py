"""Reads of the stats context, and who may read them.

- a pro company's owner or manager: its company's figures and its whole team;
- a sales rep: only its own line of the team figures (the company's figures are 403);
- a network or manufacturer owner or manager: the leads it routed and how each installer
  handled them;
- Eldo staff (superuser, advisors, moderators): everything, and the platform KPIs.
Anything else — an unknown slug or id, another organization's — is "not found".

Every read is a bounded number of queries: the period's daily rows in one query, the
response times in one, names in one batched call to the owning context.
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import (
    Count,
    DateField,
    DecimalField,
    DurationField,
    ExpressionWrapper,
    F,
    Q,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, Trunc
from django.http import Http404
from django.utils import timezone

from apps.accounts import api as accounts
from apps.accounts.contracts import MemberRef
from apps.core.actor import MANAGING_ROLES, PARTNER_KINDS, Actor, MemberRole
from apps.core.business_hours import business_seconds_between
from apps.directory import api as directory
from apps.quotes import api as quotes_api
from apps.stats.models import LeadFact, PlatformDay, ProDay, QuoteFact
from apps.stats.services import day_bounds

MAX_PERIOD_DAYS = 731  # two years
EARLIEST = date(2015, 1, 1)
PRESETS = [("30 j", 30), ("90 j", 90), ("12 mois", 365)]
DAY_FIELDS = [
    "profile_views",
    "search_impressions",
    "contact_clicks",
    "quote_requests",
    "leads_received",
    "leads_viewed",
    "leads_contacted",
    "leads_quote_sent",
    "leads_won",
    "leads_lost",
    "invitations_sent",
    "reviews_collected",
    "reviews_published",
    "stars_1",
    "stars_2",
    "stars_3",
    "stars_4",
    "stars_5",
]
FUNNEL = [
    ("leads_received", "Reçues"),
    ("leads_viewed", "Consultées"),
    ("leads_contacted", "Client contacté"),
    ("leads_quote_sent", "Devis envoyé"),
    ("leads_won", "Gagnées"),
    ("leads_lost", "Perdues"),
]
MONTHS = [
    "janv.",
    "févr.",
    "mars",
    "avr.",
    "mai",
    "juin",
    "juil.",
    "août",
    "sept.",
    "oct.",
    "nov.",
    "déc.",
]


# --- Period ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def bucket(self) -> str:
        """Time series granularity: a day up to ~6 weeks, a week up to ~6 months, a month."""
        return "day" if self.days <= 45 else "week" if self.days <= 190 else "month"

    def dates(self) -> list[date]:
        return [self.start + timedelta(days=i) for i in range(self.days)]


def _parse_date(value: str, name: str, errors: dict) -> date | None:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        errors[name] = ["Date invalide : utilisez le format AAAA-MM-JJ."]
        return None


def period_from_params(params, *, today: date | None = None) -> Period:
    """``from`` and ``to`` (ISO dates, both optional: the last 30 days by default).
    Raises ValidationError with French messages per field for bad or absurd ranges."""
    today = today or timezone.localdate()
    errors: dict[str, list[str]] = {}
    raw_from, raw_to = params.get("from", "") or "", params.get("to", "") or ""
    end = _parse_date(raw_to, "to", errors) if raw_to else today
    start = _parse_date(raw_from, "from", errors) if raw_from else None
    if errors:
        raise ValidationError(errors)
    if start is None:
        start = end - timedelta(days=29)
    if end > today:
        errors["to"] = ["La date de fin ne peut pas être dans le futur."]
    if start < EARLIEST:
        errors["from"] = [f"La date de début ne peut précéder le {EARLIEST:%d/%m/%Y}."]
    if start > end:
        errors["to"] = ["La date de fin doit suivre la date de début."]
    elif (end - start).days + 1 > MAX_PERIOD_DAYS:
        errors["from"] = [f"La période ne peut dépasser {MAX_PERIOD_DAYS} jours."]
    if errors:
        raise ValidationError(errors)
    return Period(start=start, end=end)


def presets(*, today: date | None = None) -> list[dict]:
    today = today or timezone.localdate()
    return [
        {"label": label, "from": today - timedelta(days=n - 1), "to": today, "days": n}
        for label, n in PRESETS
    ]


# --- Who may see what -----------------------------------------------------------------------


@dataclass(frozen=True)
class ProAccess:
    pro: object  # directory ProRef
    sees_company: bool  # False: a sales rep, limited to its own line


def pro_for_actor(*, actor: Actor, slug: str) -> ProAccess:
    pro = directory.pros_by_slugs([slug]).get(slug) if slug else None
    if pro is None:
        raise Http404
    if actor.is_eldo_staff:
        return ProAccess(pro=pro, sees_company=True)
    if pro.organization_id not in actor.company_ids():
        raise Http404  # another organization's pro: not found, never its figures
    return ProAccess(pro=pro, sees_company=actor.role_in(pro.organization_id) in MANAGING_ROLES)


def require_company_view(access: ProAccess) -> None:
    if not access.sees_company:
        raise PermissionDenied(
            "Les statistiques de l'entreprise sont réservées au gérant et aux responsables."
        )


def network_for_actor(*, actor: Actor, network_id: int):
    if not 0 < network_id < 2**63:  # a database integer, or certainly nobody's
        raise Http404
    network = accounts.organizations_by_ids([network_id]).get(network_id)
    if network is None or network.kind not in PARTNER_KINDS:
        raise Http404
    if actor.is_eldo_staff:
        return network
    if network_id not in actor.network_ids():
        raise Http404
    return network


# --- Figures --------------------------------------------------------------------------------


def _hours(seconds: list[float]) -> dict:
    """Median and p90 (nearest rank) in hours, one decimal; None without data."""
    if not seconds:
        return {"count": 0, "median_hours": None, "p90_hours": None}
    ordered = sorted(seconds)
    p90 = ordered[max(math.ceil(0.9 * len(ordered)) - 1, 0)]
    return {
        "count": len(ordered),
        "median_hours": round(statistics.median(ordered) / 3600, 1),
        "p90_hours": round(p90 / 3600, 1),
    }


def _rate(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def bucket_start(day: date, bucket: str) -> date:
    if bucket == "week":
        return day - timedelta(days=day.weekday())
    if bucket == "month":
        return day.replace(day=1)
    return day


def bucket_label(day: date, bucket: str) -> str:
    if bucket == "month":
        return f"{MONTHS[day.month - 1]} {day.year}"
    if bucket == "week":
        return f"sem. du {day:%d/%m}"
    return f"{day:%d/%m}"


def _series(rows: dict[date, dict], period: Period, names: list[str]) -> list[dict]:
    """Daily values summed into the period's buckets, every bucket present (zeros)."""
    buckets: dict[date, dict] = {}
    for day in period.dates():
        key = bucket_start(day, period.bucket)
        entry = buckets.setdefault(key, {"start": key, **dict.fromkeys(names, 0)})
        for name in names:
            entry[name] += rows.get(day, {}).get(name, 0)
    for entry in buckets.values():
        entry["label"] = bucket_label(entry["start"], period.bucket)
    return list(buckets.values())


def _daily_rows(qs, period: Period) -> dict[date, dict]:
    rows: dict[date, dict] = defaultdict(lambda: dict.fromkeys(DAY_FIELDS, 0))
    for row in qs.filter(day__gte=period.start, day__lte=period.end).values("day", *DAY_FIELDS):
        day = row.pop("day")
        for name, value in row.items():
            rows[day][name] += value
    return rows


def _totals(rows: dict[date, dict]) -> dict[str, int]:
    return {name: sum(r[name] for r in rows.values()) for name in DAY_FIELDS}


def _rating_figures(rows: dict[date, dict], totals: dict) -> dict:
    stars = {str(n): totals[f"stars_{n}"] for n in range(1, 6)}
    count = sum(stars.values())
    months: dict[date, list[int]] = {}
    for day in sorted(rows):
        key = day.replace(day=1)
        acc = months.setdefault(key, [0, 0])
        for n in range(1, 6):
            acc[0] += n * rows[day][f"stars_{n}"]
            acc[1] += rows[day][f"stars_{n}"]
    return {
        "histogram": stars,
        "average": round(sum(int(k) * v for k, v in stars.items()) / count, 2) if count else None,
        "trend": [
            {
                "month": f"{m:%Y-%m}",
                "label": bucket_label(m, "month"),
                "average": round(total / n, 2),
                "count": n,
            }
            for m, (total, n) in sorted(months.items())
            if n
        ],
    }


RESPONSE_DELAY = ExpressionWrapper(
    F("first_response_at") - F("dispatched_at"), output_field=DurationField()
)


def _response_seconds(qs, period: Period) -> list[float]:
    low, high = day_bounds(period.start, period.end)
    # The delay computed by the database: one interval a lead to read, not two datetimes.
    delays = (
        qs.filter(dispatched_at__gte=low, dispatched_at__lt=high, first_response_at__isnull=False)
        .annotate(delay=RESPONSE_DELAY)
        .values_list("delay", flat=True)
    )
    return [max(delay.total_seconds(), 0) for delay in delays]


# --- Lead value (euros) ---------------------------------------------------------------------

ZERO = Decimal("0.00")


def _value_line() -> dict:
    return {
        "quotes_sent": 0,
        "quotes_sent_amount": ZERO,
        "pipeline": 0,
        "pipeline_amount": ZERO,
        "won": 0,
        "won_amount": ZERO,
        "lost": 0,
        "lost_amount": ZERO,
    }


def _value_rates(line: dict) -> dict:
    closed = line["won_amount"] + line["lost_amount"]
    line["win_rate"] = _rate(line["won"], line["won"] + line["lost"])
    line["win_rate_amount"] = round(float(100 * line["won_amount"] / closed), 1) if closed else None
    return line


def value_figures(facts, period: Period) -> dict:
    """What the leads are worth over the period, from the amounts the pros entered:

    - quotes sent: leads whose quote left in the period, and their quote amounts;
    - pipeline: those of them still awaiting the customer's answer (status quote_sent);
    - won: leads won in the period (closed), and the amounts they were won for (revenue);
    - lost: leads lost in the period, and their quote amounts;
    - win rate: won / (won + lost) in count and in euros (won € / (won € + lost quotes €)).

    ``facts`` is a LeadFact queryset (a pro's, a company's); one grouped query (by assignee
    and the buckets of the quote's and the closing's days), so its cost does not grow with
    the number of leads. Returns {"totals": line, "by_user": {user id: line}, "series": per
    bucket}."""
    low, high = day_bounds(period.start, period.end)
    sent = Q(quote_sent_at__gte=low, quote_sent_at__lt=high)
    closed = Q(closed_at__gte=low, closed_at__lt=high)
    won, lost = closed & Q(status="won"), closed & Q(status="lost")
    pipeline = sent & Q(status="quote_sent")
    money = DecimalField(max_digits=14, decimal_places=2)
    quote_amount = Coalesce("quote_amount", Value(ZERO), output_field=money)
    won_amount = Coalesce("won_amount", Value(ZERO), output_field=money)
    tz = timezone.get_current_timezone()
    kind = {"week": "week", "month": "month"}.get(period.bucket, "day")
    rows = (
        facts.filter(sent | won | lost)
        .annotate(
            sent_bucket=Trunc("quote_sent_at", kind, output_field=DateField(), tzinfo=tz),
            closed_bucket=Trunc("closed_at", kind, output_field=DateField(), tzinfo=tz),
        )
        .values("assigned_to_id", "sent_bucket", "closed_bucket")
        .annotate(
            quotes_sent=Count("pk", filter=sent),
            quotes_sent_amount=Sum(quote_amount, filter=sent),
            pipeline=Count("pk", filter=pipeline),
            pipeline_amount=Sum(quote_amount, filter=pipeline),
            won=Count("pk", filter=won),
            won_amount=Sum(won_amount, filter=won),
            lost=Count("pk", filter=lost),
            lost_amount=Sum(quote_amount, filter=lost),
        )
        .order_by()
    )
    totals = _value_line()
    by_user: dict[int, dict] = defaultdict(_value_line)
    buckets: dict[date, dict] = {}
    for day in period.dates():
        key = bucket_start(day, period.bucket)
        buckets.setdefault(key, {"start": key, "quotes_sent_amount": ZERO, "won_amount": ZERO})
    for row in rows:
        user_id = row["assigned_to_id"]
        lines = [totals] + ([by_user[user_id]] if user_id is not None else [])
        for name in totals:
            value = row[name] or (ZERO if name.endswith("_amount") else 0)
            for line in lines:
                line[name] += value
        if row["quotes_sent"]:
            buckets[row["sent_bucket"]]["quotes_sent_amount"] += row["quotes_sent_amount"]
        if row["won"]:
            buckets[row["closed_bucket"]]["won_amount"] += row["won_amount"]
    for entry in buckets.values():
        entry["label"] = bucket_label(entry["start"], period.bucket)
    return {
        "totals": _value_rates(totals),
        "by_user": {user_id: _value_rates(line) for user_id, line in by_user.items()},
        "series": list(buckets.values()),
    }


def pro_summary(*, pro_id: int, period: Period) -> dict:
    """A pro's figures over the period: totals, funnel, time series, ratings, response."""
    rows = _daily_rows(ProDay.objects.filter(pro_id=pro_id), period)
    totals = _totals(rows)
    totals["collection_rate"] = _rate(totals["reviews_collected"], totals["invitations_sent"])
    totals["contact_rate"] = _rate(totals["contact_clicks"], totals["profile_views"])
    return {
        "totals": totals,
        "funnel": [{"step": k, "label": label, "count": totals[k]} for k, label in FUNNEL],
        "first_response": _hours(_response_seconds(LeadFact.objects.filter(pro_id=pro_id), period)),
        "contact_confirmation": contact_confirmation(period=period, pro_id=pro_id),
        "rating": _rating_figures(rows, totals),
        "value": value_figures(LeadFact.objects.filter(pro_id=pro_id), period),
        "bucket": period.bucket,
        "series": _series(rows, period, DAY_FIELDS[:13]),
        "daily": [
            {"date": day, **rows.get(day, dict.fromkeys(DAY_FIELDS, 0))} for day in period.dates()
        ],
    }


def team_summary(
    *,
    organization_id: int,
    period: Period,
    only_user_id: int | None = None,
    members: list[MemberRef] | None = None,
):
    """Per member: leads assigned in the period, contacted within 24 h, won, median first
    response, and the value of its leads (``value_figures`` by assignee). Members without
    leads are listed (zeros); ``only_user_id`` keeps one line. ``members``: the
    organization's (``accounts.organization_members``), when the caller has read them."""
    low, high = day_bounds(period.start, period.end)
    facts = LeadFact.objects.filter(
        organization_id=organization_id,
        assigned_to_id__isnull=False,
        dispatched_at__gte=low,
        dispatched_at__lt=high,
    )
    if only_user_id is not None:
        facts = facts.filter(assigned_to_id=only_user_id)
    per_user: dict[int, dict] = defaultdict(
        lambda: {"assigned": 0, "within_24h": 0, "won": 0, "seconds": []}
    )
    for user_id, delay, status in facts.annotate(delay=RESPONSE_DELAY).values_list(
        "assigned_to_id", "delay", "status"
    ):
        line = per_user[user_id]
        line["assigned"] += 1
        line["won"] += status == "won"
        if delay is not None:
            seconds = max(delay.total_seconds(), 0)
            line["seconds"].append(seconds)
            line["within_24h"] += seconds <= 24 * 3600
    value = value_figures(LeadFact.objects.filter(organization_id=organization_id), period)
    if members is None:
        members = accounts.organization_members(organization_id)
    by_id = {m.user_id: m for m in members}
    user_ids = (
        set(per_user)
        | set(value["by_user"])
        | {uid for uid, m in by_id.items() if m.role == MemberRole.SALES_REP}
    )
    if only_user_id is not None:
        user_ids = {only_user_id}
    lines = []
    for user_id in user_ids:
        member = by_id.get(user_id)
        line = per_user.get(user_id, {"assigned": 0, "within_24h": 0, "won": 0, "seconds": []})
        response = _hours(line["seconds"])
        lines.append(
            {
                "user_id": user_id,
                "full_name": (member.full_name or member.email) if member else "Ancien membre",
                "role": member.role if member else "",
                "leads_assigned": line["assigned"],
                "contacted_within_24h": line["within_24h"],
                "contacted_within_24h_rate": _rate(line["within_24h"], line["assigned"]),
                "won": line["won"],
                "median_response_hours": response["median_hours"],
                "value": value["by_user"].get(user_id) or _value_rates(_value_line()),
            }
        )
    return sorted(lines, key=lambda r: (-r["leads_assigned"], r["full_name"]))


def network_summary(*, network_id: int, period: Period) -> dict:
    """The leads a network routed in the period, per installer and over time."""
    low, high = day_bounds(period.start, period.end)
    facts = LeadFact.objects.filter(
        network_id=network_id, dispatched_at__gte=low, dispatched_at__lt=high
    ).values_list("pro_id", "dispatched_at", "first_response_at", "contacted_at", "status")
    per_pro: dict[int, dict] = {}
    daily: dict[date, dict] = defaultdict(lambda: {"leads_received": 0, "leads_won": 0})
    all_seconds: list[float] = []
    for pro_id, sent, answered, contacted, status in facts:
        line = per_pro.setdefault(
            pro_id,
            {"received": 0, "contacted": 0, "within_24h": 0, "won": 0, "lost": 0, "seconds": []},
        )
        line["received"] += 1
        line["contacted"] += contacted is not None or status in {"quote_sent", "won"}
        line["won"] += status == "won"
        line["lost"] += status == "lost"
        if answered is not None:
            seconds = max((answered - sent).total_seconds(), 0)
            line["seconds"].append(seconds)
            all_seconds.append(seconds)
            line["within_24h"] += seconds <= 24 * 3600
        day = timezone.localtime(sent).date()
        daily[day]["leads_received"] += 1
        daily[day]["leads_won"] += status == "won"
    # Every installer that shows the network on its profile has a line, with or without
    # leads in the period (a silent installer is what a network manager looks for).
    members = directory.pros_in_network(network_id)
    for member in members:
        per_pro.setdefault(
            member.id,
            {"received": 0, "contacted": 0, "within_24h": 0, "won": 0, "lost": 0, "seconds": []},
        )
    pros = {member.id: member for member in members}
    missing = [pro_id for pro_id in per_pro if pro_id not in pros]
    if missing:
        pros.update(directory.pros_by_ids(missing))
    installers = []
    for pro_id, line in per_pro.items():
        pro = pros.get(pro_id)
        response = _hours(line["seconds"])
        installers.append(
            {
                "pro": {
                    "id": pro_id,
                    "slug": pro.slug if pro else "",
                    "name": pro.name if pro else "Installateur retiré",
                },
                "leads_received": line["received"],
                "leads_contacted": line["contacted"],
                "contacted_within_24h": line["within_24h"],
                "contacted_within_24h_rate": _rate(line["within_24h"], line["received"]),
                "leads_won": line["won"],
                "leads_lost": line["lost"],
                "conversion_rate": _rate(line["won"], line["received"]),
                "median_response_hours": response["median_hours"],
            }
        )
    confirmations = contact_confirmation_by_pro(period=period, network_id=network_id)
    for line in installers:
        line["contact_confirmed_rate"] = confirmations.get(line["pro"]["id"], {}).get(
            "confirmed_rate"
        )
    installers.sort(key=lambda r: (-r["leads_received"], r["pro"]["name"]))
    totals = {
        "leads_received": sum(i["leads_received"] for i in installers),
        "leads_contacted": sum(i["leads_contacted"] for i in installers),
        "leads_won": sum(i["leads_won"] for i in installers),
        "leads_lost": sum(i["leads_lost"] for i in installers),
        "installers": sum(1 for i in installers if i["leads_received"]),  # "sollicités"
    }
    return {
        "totals": totals,
        "first_response": _hours(all_seconds),
        "contact_confirmation": contact_confirmation(period=period, network_id=network_id),
        "installers": installers,
        "bucket": period.bucket,
        "series": _series(daily, period, ["leads_received", "leads_won"]),
    }


def brand_summary(*, brand_organization_id: int, period: Period) -> dict:
    """A brand's own figures besides its installers' leads: views of its public page and
    the quote requests asked from it (and how many went straight to an installer), per
    day and in total. Two queries."""
    from apps.stats.models import BrandCounterDay

    low, high = day_bounds(period.start, period.end)
    daily: dict[date, dict] = defaultdict(
        lambda: {"page_views": 0, "quote_requests": 0, "quotes_routed": 0}
    )
    views = BrandCounterDay.objects.filter(
        brand_organization_id=brand_organization_id, day__gte=period.start, day__lte=period.end
    ).values_list("day", "page_views")
    for day, n in views:
        daily[day]["page_views"] += n
    requests = QuoteFact.objects.filter(
        brand_organization_id=brand_organization_id, submitted_at__gte=low, submitted_at__lt=high
    ).values_list("submitted_at", "dispatched_at")
    for submitted, dispatched in requests:
        day = timezone.localtime(submitted).date()
        daily[day]["quote_requests"] += 1
        daily[day]["quotes_routed"] += dispatched is not None
    totals = {
        name: sum(row[name] for row in daily.values())
        for name in ("page_views", "quote_requests", "quotes_routed")
    }
    totals["request_rate"] = _rate(totals["quote_requests"], totals["page_views"])
    return {
        "totals": totals,
        "daily": [
            {
                "date": day.isoformat(),
                **daily.get(day, {"page_views": 0, "quote_requests": 0, "quotes_routed": 0}),
            }
            for day in period.dates()
        ],
        "series": _series(daily, period, ["page_views", "quote_requests"]),
    }


def platform_summary(*, period: Period) -> dict:
    """Eldo staff KPIs: reviews, invitations, requests per day, qualification and dispatch,
    new pros."""
    quotes = {
        row["day"]: row
        for row in PlatformDay.objects.filter(day__gte=period.start, day__lte=period.end).values()
    }
    pros = {
        row["day"]: row
        for row in ProDay.objects.filter(day__gte=period.start, day__lte=period.end)
        .values("day")
        .annotate(
            reviews_published=Sum("reviews_published"),
            invitations_sent=Sum("invitations_sent"),
            reviews_collected=Sum("reviews_collected"),
            leads_received=Sum("leads_received"),
        )
        .order_by()
    }
    names_q = [
        "quote_requests",
        "quotes_qualified",
        "quotes_rejected",
        "quotes_dispatched",
        "pros_created",
    ]
    names_p = ["reviews_published", "invitations_sent", "reviews_collected", "leads_received"]
    rows = {
        day: {
            **{n: (quotes.get(day) or {}).get(n, 0) for n in names_q},
            **{n: (pros.get(day) or {}).get(n, 0) or 0 for n in names_p},
        }
        for day in set(quotes) | set(pros)
    }
    totals = {n: sum(r[n] for r in rows.values()) for n in names_q + names_p}
    decided = totals["quotes_qualified"] + totals["quotes_rejected"]
    totals["qualification_rate"] = _rate(totals["quotes_qualified"], decided)
    totals["collection_rate"] = _rate(totals["reviews_collected"], totals["invitations_sent"])
    low, high = day_bounds(period.start, period.end)
    qualified = QuoteFact.objects.filter(qualified_at__gte=low, qualified_at__lt=high)
    qualify_seconds, dispatch_seconds = [], []
    for submitted, qualified_at, dispatched in qualified.values_list(
        "submitted_at", "qualified_at", "dispatched_at"
    ):
        qualify_seconds.append(max((qualified_at - submitted).total_seconds(), 0))
        if dispatched is not None:
            dispatch_seconds.append(max((dispatched - qualified_at).total_seconds(), 0))
    return {
        "totals": totals,
        "qualification_time": _hours(qualify_seconds),
        "dispatch_time": _hours(dispatch_seconds),
        "contact_confirmation": contact_confirmation(period=period),
        "first_call": first_call_figures(period=period),
        "bucket": period.bucket,
        "series": _series(rows, period, names_q + names_p),
        "daily": [
            {"date": day, **rows.get(day, dict.fromkeys(names_q + names_p, 0))}
            for day in period.dates()
        ],
    }


# --- Homeowner confirmation ("L'artisan vous a-t-il contacté ?") ------------------------------

CONTACT_ANSWERS = [
    ("yes", "Oui, l'artisan a appelé"),
    ("no", "Non, pas d'appel"),
    ("", "Sans réponse"),
]


def _contact_counts(rows) -> dict:
    counts = {answer: 0 for answer, _label in CONTACT_ANSWERS}
    for answer, n in rows:
        counts[answer if answer in counts else ""] += n
    asked = sum(counts.values())
    return {
        "asked": asked,
        "confirmed": counts["yes"],
        "not_confirmed": counts["no"],
        "unanswered": counts[""],
        "confirmed_rate": _rate(counts["yes"], asked),
        "breakdown": [
            {"answer": answer, "label": label, "value": counts[answer]}
            for answer, label in CONTACT_ANSWERS
        ],
    }


def _contact_facts(period: Period, **scope):
    low, high = day_bounds(period.start, period.end)
    return LeadFact.objects.filter(
        dispatched_at__gte=low, dispatched_at__lt=high, contact_asked_at__isnull=False, **scope
    )


def contact_confirmation(*, period: Period, **scope) -> dict:
    """The homeowners' answers for the leads dispatched in the period whose homeowner was
    asked, 48 h after dispatch, whether the pro called: ``confirmed_rate`` = "oui" / asked
    (the confirmed-contact rate within 48 h). ``scope``: pro_id=, network_id= or nothing
    (the platform). One grouped query."""
    rows = (
        _contact_facts(period, **scope)
        .values_list("contact_answer")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return _contact_counts(rows)


def contact_confirmation_by_pro(*, period: Period, network_id: int) -> dict[int, dict]:
    """The same per installer of a network, by pro id (one grouped query)."""
    per_pro: dict[int, list] = defaultdict(list)
    rows = (
        _contact_facts(period, network_id=network_id)
        .values_list("pro_id", "contact_answer")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for pro_id, answer, n in rows:
        per_pro[pro_id].append((answer, n))
    return {pro_id: _contact_counts(rows) for pro_id, rows in per_pro.items()}


# --- The advisors' callback promise ("rappel sous 4 h ouvrées") -------------------------------


def first_call_figures(*, period: Period, now: datetime | None = None) -> dict:
    """Time from a request to the advisor's first call, in business hours, for the requests
    submitted in the period, against the promise (``quotes.api.callback_promise_hours``).

    Called: measured. Not called, still waiting (neither qualified, rejected nor dispatched)
    and past the deadline: a broken promise. Still within it: pending, not counted yet.
    Rejected or worked without a call logged (spam, older data): not counted.
    ``within_rate`` = called within the promise / (called + broken while waiting)."""
    now = now or timezone.now()
    promise = quotes_api.callback_promise_hours()
    low, high = day_bounds(period.start, period.end)
    rows = QuoteFact.objects.filter(submitted_at__gte=low, submitted_at__lt=high).values_list(
        "submitted_at", "first_call_at", "qualified_at", "rejected_at", "dispatched_at"
    )
    seconds: list[float] = []
    within = late_waiting = pending = 0
    for submitted, called, qualified, rejected, dispatched in rows:
        if called is not None:
            elapsed = business_seconds_between(submitted, called)
            seconds.append(elapsed)
            within += elapsed <= promise * 3600
        elif qualified is None and rejected is None and dispatched is None:
            if business_seconds_between(submitted, now) > promise * 3600:
                late_waiting += 1
            else:
                pending += 1
    hours = _hours(seconds)
    return {
        "promise_hours": promise,
        "called": len(seconds),
        "median_business_hours": hours["median_hours"],
        "p90_business_hours": hours["p90_hours"],
        "within_promise": within,
        "late_not_called": late_waiting,
        "pending": pending,
        "within_rate": _rate(within, len(seconds) + late_waiting),
    }
