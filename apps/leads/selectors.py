"""Reads of the leads context. Authorization lives here: an actor
(``apps.core.actor.Actor``) sees only its leads.

- a sales rep: the leads of its company assigned to it;
- an owner or manager of a company: all the leads of that company;
- an owner or manager of a network or manufacturer: the leads it routed to its installers
  (read-only);
- Eldo advisors and staff: every lead (advisors follow up and reassign).
Anything else is "not found".
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Count, DurationField, ExpressionWrapper, F, Q, QuerySet
from django.http import Http404

from apps.accounts import api as accounts
from apps.accounts.contracts import UserRef
from apps.core.actor import Actor
from apps.directory import api as directory
from apps.leads.models import Lead, LeadSource, NetworkInstaller, UnroutedLead
from apps.quotes import api as quotes


def leads_visible(actor: Actor) -> QuerySet[Lead]:
    qs = Lead.objects.all()
    if actor.user_id is None:
        return qs.none()
    if actor.is_advisor:
        return qs
    scope = (
        Q(organization_id__in=actor.managed_company_ids())
        | Q(organization_id__in=actor.company_ids(), assigned_to_id=actor.user_id)
        | Q(network_id__in=actor.network_ids())
    )
    return qs.filter(scope)


def lead_list(
    *,
    actor: Actor,
    status: str = "",
    assigned_to: int | None = None,
    unassigned: bool = False,
    organization_id: int | None = None,
    network_id: int | None = None,
    pro_id: int | None = None,
) -> QuerySet[Lead]:
    qs = leads_visible(actor)
    if organization_id is not None:
        qs = qs.filter(organization_id=organization_id)
    if network_id is not None:
        qs = qs.filter(network_id=network_id)
    if pro_id is not None:
        qs = qs.filter(pro_id=pro_id)
    if status:
        qs = qs.filter(status=status)
    if unassigned:
        qs = qs.filter(assigned_to_id__isnull=True)
    elif assigned_to is not None:
        qs = qs.filter(assigned_to_id=assigned_to)
    return qs.order_by("-created_at", "-id")


def lead_get(*, actor: Actor, lead_id: int) -> Lead:
    lead = leads_visible(actor).filter(pk=lead_id).first()
    if lead is None:
        raise Http404
    return lead


def contact_visible(actor: Actor, lead: Lead) -> bool:
    """The homeowner's contact is for the receiving organization (and Eldo staff) only."""
    return actor.is_platform_staff or actor.is_member_of(lead.organization_id)


def lead_contact(lead: Lead) -> dict | None:
    """The homeowner's contact: from quotes for an Eldo request, else stored on the lead."""
    if lead.source == LeadSource.QUOTE and lead.quote_id:
        quote = quotes.quote_by_id(lead.quote_id)
        if quote is None:
            return None
        c = quote.contact
        return {
            "first_name": c.first_name,
            "last_name": c.last_name,
            "email": c.email,
            "phone": c.phone,
            "commune": quote.commune_name,
            "address": quote.address,
            "callback_slot": c.callback_slot,
        }
    return {
        "first_name": lead.first_name,
        "last_name": lead.last_name,
        "email": lead.email,
        "phone": lead.phone,
        "commune": "",
        "address": "",
        "callback_slot": "",
    }


def _summary_of(lead: Lead, qualification) -> dict:
    """The hand-off: the advisor's qualification (quotes) or, for a network's lead, what the
    lead itself carries (the place)."""
    if qualification is None:
        return {
            "property_type": "",
            "property_type_label": "",
            "budget_range": "",
            "budget_range_label": "",
            "timeline": "",
            "timeline_label": "",
            "callback_slot": "",
            "callback_slot_label": "",
            "postcode": lead.postcode,
            "commune": lead.commune_name,
            "department": lead.department_code,
            "address": "",
            "pro_note": "",
        }
    q = qualification
    return {
        "property_type": q.property_type,
        "property_type_label": q.property_type_label,
        "budget_range": q.budget_range,
        "budget_range_label": q.budget_range_label,
        "timeline": q.timeline,
        "timeline_label": q.timeline_label,
        "callback_slot": q.callback_slot,
        "callback_slot_label": q.callback_slot_label,
        "postcode": q.postcode,
        "commune": q.commune_name,
        "department": q.department_code,
        "address": q.address,
        "pro_note": q.pro_note,
    }


def lead_summaries(leads: list[Lead], *, actor: Actor | None) -> dict[int, dict]:
    """The qualification summary of each lead, by lead id, in one call to quotes.

    The street address is personal data: it goes to the receiving company (and staff) only;
    ``actor=None`` means the receiving company itself (its new-lead e-mail). A network's or
    an advisor's view never gets it, nor the homeowner's contact (``lead_contact``)."""
    quote_ids = sorted({lead.quote_id for lead in leads if lead.quote_id})
    qualifications = quotes.qualification_summaries(quote_ids) if quote_ids else {}
    summaries = {}
    for lead in leads:
        summary = _summary_of(lead, qualifications.get(lead.quote_id))
        if actor is not None and not contact_visible(actor, lead):
            summary["address"] = ""
        summaries[lead.pk] = summary
    return summaries


def lead_summary(lead: Lead, *, actor: Actor | None) -> dict:
    return lead_summaries([lead], actor=actor)[lead.pk]


def _waiting(*, actor: Actor, organization_id: int) -> QuerySet[Lead]:
    return lead_list(actor=actor, organization_id=organization_id).filter(
        status__in=("sent", "viewed")
    )


def to_contact(*, actor: Actor, organization_id: int, limit: int = 10) -> list[Lead]:
    """The company's leads still waiting for a first contact (new or opened), the overdue
    and oldest first: what the pro's dashboard opens on. A sales rep: its own."""
    qs = _waiting(actor=actor, organization_id=organization_id)
    return list(qs.order_by("created_at", "id")[:limit])


def to_contact_counts(*, actor: Actor, organization_id: int, overdue_before) -> dict:
    """How many leads wait for a first contact, and how many of them are late (one query)."""
    return _waiting(actor=actor, organization_id=organization_id).aggregate(
        total=Count("id"), overdue=Count("id", filter=Q(created_at__lte=overdue_before))
    )


def lead_people(leads: list[Lead]) -> dict[int, dict]:
    """For the inbox and its CSV: the homeowner's name and the commune of each lead, by
    lead id (one call to quotes for the page). Callers show them to the receiving company
    only; an anonymised request has no name any more."""
    quote_ids = sorted({lead.quote_id for lead in leads if lead.quote_id})
    quote_infos = quotes.quotes_by_ids(quote_ids) if quote_ids else {}
    people = {}
    for lead in leads:
        request = quote_infos.get(lead.quote_id) if lead.quote_id else None
        if request is not None:
            first, last, commune = (
                request.contact.first_name,
                request.contact.last_name,
                request.commune_name,
            )
        else:
            first, last, commune = lead.first_name, lead.last_name, lead.commune_name
        people[lead.pk] = {"name": f"{first} {last}".strip(), "commune": commune}
    return people


def people_by_ids(user_ids: Iterable[int | None]) -> dict[int, UserRef]:
    """The members a page of leads names (assignees, note authors, actors) by user id: one
    call to accounts, none when nobody is named. An erased account has no name."""
    ids = sorted({user_id for user_id in user_ids if user_id})
    return accounts.users_by_ids(ids) if ids else {}


def category_names() -> dict[str, str]:
    """Trade names by slug (one directory call, whatever the number of leads shown)."""
    return {c.slug: c.name for c in directory.categories()}


def pros_for_leads(leads: list[Lead]) -> dict[int, object]:
    """ProRef by id for a page of leads (one batched call)."""
    return directory.pros_by_ids(sorted({lead.pro_id for lead in leads}))


def pros_for_leads_ids(pro_ids: list[int]) -> dict[int, object]:
    return directory.pros_by_ids(sorted(set(pro_ids)))


def reassign_candidates(lead: Lead, *, limit: int = 50) -> list:
    """The pros (ProRef) that could take over a request's lead, best first: the directory's
    matches with capacity left, except the pros that already had a lead for this request."""
    if lead.quote_id is None:
        return []
    taken = set(Lead.objects.filter(quote_id=lead.quote_id).values_list("pro_id", flat=True))
    return [
        m.pro
        for m in directory.pros_matching(
            category_slug=lead.category_slug, postcode=lead.postcode, limit=limit
        )
        if m.pro.id not in taken
    ]


def declined_to_replace(*, actor: Actor, limit: int = 10) -> list[Lead]:
    """Eldo requests' leads a pro refused and nobody took over yet, latest refusal first."""
    return list(
        leads_visible(actor)
        .filter(status="declined", source=LeadSource.QUOTE, replaced_by__isnull=True)
        .order_by("-closed_at", "-id")[:limit]
    )


def network_installers(*, network_id: int) -> list[NetworkInstaller]:
    return list(NetworkInstaller.objects.filter(network_id=network_id).order_by("id"))


OPEN_STATUSES = ("sent", "viewed", "contacted", "appointment", "quote_sent")

# A pro's typical response time is shown once this many of its leads of the last year have
# had a first contact: fewer would make one lucky or unlucky day the pro's public figure.
RESPONSE_TIME_MIN_LEADS = 3
RESPONSE_TIME_WINDOW_DAYS = 365


def pro_response_minutes(*, pro_id: int, now: datetime | None = None) -> int | None:
    """The median time from a lead's dispatch to its first contact, in minutes, over the
    pro's leads of the last year; None below RESPONSE_TIME_MIN_LEADS of them. One query."""
    from django.utils import timezone

    since = (now or timezone.now()) - timedelta(days=RESPONSE_TIME_WINDOW_DAYS)
    spans = sorted(
        contacted - created
        for created, contacted in Lead.objects.filter(
            pro_id=pro_id, contacted_at__isnull=False, created_at__gte=since
        ).values_list("created_at", "contacted_at")
        if contacted is not None
    )
    if len(spans) < RESPONSE_TIME_MIN_LEADS:
        return None
    middle = len(spans) // 2
    median = spans[middle] if len(spans) % 2 else (spans[middle - 1] + spans[middle]) / 2
    return max(0, round(median.total_seconds() / 60))


def network_dashboard(
    *, network_id: int, overdue_before: datetime, page: str | int | None = None, per_page: int = 50
) -> dict[str, Any]:
    """The network's dashboard: the totals over its installers, and one page of installers,
    the most urgent first (overdue, then open leads, then name), each with the leads routed
    to it — open, overdue (still waiting for a first contact after the delay), won out of
    the closed ones (conversion) — and its median first-response time.

    Sorting needs every installer's counts (one grouped query) and name (one light
    directory call); everything else is read for the page's installers only, so the cost
    grows with the page, not with the network (500 installers at the largest)."""
    installers = list(
        NetworkInstaller.objects.filter(network_id=network_id).values_list("pro_id", flat=True)
    )
    leads = Lead.objects.filter(network_id=network_id)
    counts: dict[int, Any] = {
        row["pro_id"]: row
        for row in leads.values("pro_id").annotate(
            total=Count("id"),
            open=Count("id", filter=Q(status__in=OPEN_STATUSES)),
            overdue=Count(
                "id", filter=Q(status__in=("sent", "viewed"), created_at__lte=overdue_before)
            ),
            won=Count("id", filter=Q(status="won")),
            closed=Count("id", filter=Q(status__in=("won", "lost", "declined", "expired"))),
        )
    }
    pro_ids = set(installers) | set(counts)
    names = directory.pro_names(sorted(pro_ids)) if pro_ids else {}
    empty = {"total": 0, "open": 0, "overdue": 0, "won": 0, "closed": 0}
    ordered = sorted(
        pro_ids,
        key=lambda i: (
            -counts.get(i, empty)["overdue"],
            -counts.get(i, empty)["open"],
            names.get(i, str(i)),
            i,
        ),
    )
    shown: Page[Any] = Paginator(ordered, per_page).get_page(page)
    shown.object_list = _installer_rows(
        network_id=network_id, pro_ids=list(shown.object_list), counts=counts, names=names
    )
    return {
        "installers": shown,
        "installer_count": len(ordered),
        "open": sum(c["open"] for c in counts.values()),
        "overdue": sum(c["overdue"] for c in counts.values()),
        "total": sum(c["total"] for c in counts.values()),
    }


def _installer_rows(
    *, network_id: int, pro_ids: list[int], counts: dict[int, Any], names: dict[int, str]
) -> list[dict[str, Any]]:
    """The dashboard's rows for these installers, in this order: their rules and their
    first-contact delays (computed by the database: one interval a lead) — two queries."""
    rules = {
        rule.pro_id: rule
        for rule in NetworkInstaller.objects.filter(network_id=network_id, pro_id__in=pro_ids)
    }
    delays: dict[int, list[timedelta]] = {}
    first_contact = ExpressionWrapper(
        F("contacted_at") - F("created_at"), output_field=DurationField()
    )
    for pro_id, delay in (
        Lead.objects.filter(network_id=network_id, pro_id__in=pro_ids, contacted_at__isnull=False)
        .annotate(delay=first_contact)
        .values_list("pro_id", "delay")
    ):
        delays.setdefault(pro_id, []).append(delay)
    rows: list[dict[str, Any]] = []
    for pro_id in pro_ids:
        c = counts.get(pro_id, {})
        spans = sorted(delays.get(pro_id, []))
        median = spans[len(spans) // 2] if spans else None
        closed = c.get("closed", 0)
        rows.append(
            {
                "pro_id": pro_id,
                "name": names.get(pro_id, str(pro_id)),
                "rule": rules.get(pro_id),
                "total": c.get("total", 0),
                "open": c.get("open", 0),
                "overdue": c.get("overdue", 0),
                "won": c.get("won", 0),
                "closed": closed,
                "conversion": round(100 * c.get("won", 0) / closed) if closed else None,
                "first_response_hours": (
                    round(median.total_seconds() / 3600, 1) if median is not None else None
                ),
            }
        )
    return rows


def network_route_choices(*, network_id: int, category_slug: str) -> list[tuple[int, str]]:
    """The installers a lead of the "à router" queue may go to, as (rule id, name) by name:
    those of the network practising the trade (and insured for it, when that is required);
    the routing service checks the same again. Four queries at most."""
    rules = dict(NetworkInstaller.objects.filter(network_id=network_id).values_list("pro_id", "pk"))
    able = directory.pros_practising(pro_ids=list(rules), category_slug=category_slug)
    able = directory.pros_insured(pro_ids=sorted(able), category_slug=category_slug)
    names = directory.pro_names(sorted(able)) if able else {}
    return sorted(
        ((rules[pro_id], names.get(pro_id, str(pro_id))) for pro_id in able),
        key=lambda choice: (choice[1], choice[0]),
    )


def unrouted_get(*, network_id: int, unrouted_id: int) -> UnroutedLead:
    """One lead of the network's "à router" queue (routed or not), else 404."""
    unrouted = UnroutedLead.objects.filter(pk=unrouted_id, network_id=network_id).first()
    if unrouted is None:
        raise Http404
    return unrouted


def assignable_members(*, organization_id: int):
    return accounts.organization_members(organization_id)


def unrouted_queue(*, network_id: int, limit: int = 50) -> list[UnroutedLead]:
    """The network's "à router" queue: inbound leads no installer could take, oldest first."""
    return list(
        UnroutedLead.objects.filter(network_id=network_id, lead__isnull=True).order_by(
            "created_at", "id"
        )[:limit]
    )
