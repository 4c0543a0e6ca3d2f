"""Reads of the quotes context: the advisors' queue, a request's file, the status page."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db.models import Count, F, Prefetch, Q, QuerySet

from apps.accounts import api as accounts
from apps.core.business_hours import business_deadline, business_seconds_between
from apps.directory import api as directory
from apps.directory.contracts import ProMatch
from apps.quotes import validators
from apps.quotes.contracts import (
    DispatchedPro,
    HomeownerContact,
    QualificationSummary,
    QuoteRequestInfo,
)
from apps.quotes.models import (
    QuoteCall,
    QuoteDispatchChoice,
    QuoteNote,
    QuoteRequest,
    QuoteStatus,
    QuoteTransition,
)
from apps.quotes.services import MATCH_LIMIT, OPEN_STATUSES

STATUS_TOKEN_SALT = "eldo.quotes.status"


@dataclass(frozen=True)
class Advisor:
    """Who holds a request, logged a call or moved it: an accounts user, by id and name."""

    id: int
    name: str


def advisors_attach(quotes: Iterable[Any]) -> None:
    """Give each request its ``assigned_to`` (and, when prefetched, each call its
    ``advisor`` and each transition its ``actor``) as an ``Advisor`` or None: the names
    come from accounts in one call for all of them."""
    quotes = list(quotes)
    calls = [c for q in quotes if _prefetched(q, "calls") for c in q.calls.all()]
    moves = [t for q in quotes if _prefetched(q, "transitions") for t in q.transitions.all()]
    ids = {q.assigned_to_id for q in quotes} | {c.advisor_id for c in calls}
    ids |= {t.actor_id for t in moves}
    ids.discard(None)
    names = accounts.user_names_by_ids(sorted(ids)) if ids else {}

    def advisor(user_id: int | None) -> Advisor | None:
        return None if user_id is None else Advisor(id=user_id, name=names.get(user_id, ""))

    for quote in quotes:
        quote.assigned_to = advisor(quote.assigned_to_id)
    for call in calls:
        call.advisor = advisor(call.advisor_id)
    for move in moves:
        move.actor = advisor(move.actor_id)


def _prefetched(quote: QuoteRequest, name: str) -> bool:
    return name in getattr(quote, "_prefetched_objects_cache", {})


def quote_queue(
    *,
    statuses: list[str] | tuple[str, ...] = OPEN_STATUSES,
    category_slug: str = "",
    department_code: str = "",
    assigned_to_id: int | None = None,
    q: str = "",
) -> QuerySet[QuoteRequest]:
    """Requests for the advisors, the most urgent first.

    Urgency is the moment the homeowner should be called: at submission, the start of the
    callback slot they chose (so, for two requests of the same slot, the older first);
    after a failed call, the retry time; once qualified, right away (dispatch is due).
    Closed requests have no such moment and come last.
    """
    queryset = QuoteRequest.objects.select_related("possible_duplicate_of")
    if statuses:
        queryset = queryset.filter(status__in=statuses)
    if category_slug:
        queryset = queryset.filter(category_slug=category_slug)
    if department_code:
        queryset = queryset.filter(department_code=department_code)
    if assigned_to_id is not None:
        queryset = queryset.filter(assigned_to_id=assigned_to_id)
    if q:
        queryset = queryset.filter(_search(q))
    return queryset.order_by(F("next_call_at").asc(nulls_last=True), "created_at", "pk")


def _search(q: str) -> Q:
    q = q.strip()
    if q.upper().startswith("ELD-"):
        return Q(reference__iexact=q)
    if "@" in q:
        return Q(email__iexact=q)
    try:
        return Q(phone=validators.phone_normalise(q))
    except ValidationError:
        pass
    return Q(last_name__icontains=q) | Q(first_name__icontains=q) | Q(reference__icontains=q)


def quote_file(*, reference: str) -> QuoteRequest | None:
    """A request with its calls, audit trail and chosen pros, the advisors named (a
    fixed number of queries)."""
    quote = (
        QuoteRequest.objects.filter(reference=reference)
        .select_related("possible_duplicate_of", "attached_to")
        .prefetch_related(
            Prefetch("calls", queryset=QuoteCall.objects.all()),
            Prefetch("notes", queryset=QuoteNote.objects.all()),
            Prefetch("transitions", queryset=QuoteTransition.objects.all()),
            Prefetch("dispatches", queryset=QuoteDispatchChoice.objects.all()),
        )
        .first()
    )
    if quote is not None:
        advisors_attach([quote])
    return quote


def quote_id_by_reference(reference: str) -> int | None:
    return QuoteRequest.objects.filter(reference=reference).values_list("pk", flat=True).first()


def quote_status_token(quote_id: int) -> str:
    """The signed, unguessable token of a request's public status page."""
    return signing.dumps({"q": quote_id}, salt=STATUS_TOKEN_SALT)


def quote_for_status_token(token: str) -> QuoteRequest | None:
    try:
        data = signing.loads(token, salt=STATUS_TOKEN_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("q"), int):
        return None
    return (
        QuoteRequest.objects.filter(pk=data["q"])
        .prefetch_related(Prefetch("dispatches", queryset=QuoteDispatchChoice.objects.all()))
        .first()
    )


def public_status(quote: QuoteRequest) -> str:
    """The status the submitter sees. A receipt (a resubmission attached to an earlier
    request) shows as received, exactly like a new request: telling its sender that it
    was attached would tell them that someone asked before with that e-mail and phone."""
    return QuoteStatus.NEW if quote.attached_to_id else quote.status


def category_names() -> dict[str, str]:
    """slug → French name of every active category (one query)."""
    return {c.slug: c.name for c in directory.categories()}


@dataclass(frozen=True)
class Suggestion:
    """A pro the directory suggests for a request, as the advisor sees it."""

    match: ProMatch
    requested_by_homeowner: bool
    chosen: bool


def quote_suggestions(quote: QuoteRequest) -> list[Suggestion]:
    """The directory's matching pros for the project, best first, with their reasons.

    Capacity and fairness (who was served least recently) belong to the leads context,
    which applies them when it creates the leads; until then the monthly cap is shown as
    information only.
    """
    if not quote.category_slug or not quote.postcode:
        return []
    chosen = {d.pro_slug for d in quote.dispatches.all()}
    matches = directory.pros_matching(
        category_slug=quote.category_slug, postcode=quote.postcode, limit=MATCH_LIMIT
    )
    suggestions = [
        Suggestion(
            match=m,
            requested_by_homeowner=m.pro.slug == quote.target_pro_slug,
            chosen=m.pro.slug in chosen,
        )
        for m in matches
    ]
    # The pro the homeowner asked for comes first.
    suggestions.sort(key=lambda s: not s.requested_by_homeowner)
    return suggestions


def quote_info(quote: QuoteRequest) -> QuoteRequestInfo:
    return QuoteRequestInfo(
        id=quote.pk,
        reference=quote.reference or "",
        kind=quote.kind,
        status=quote.status,
        category_slug=quote.category_slug,
        description=quote.description,
        postcode=quote.postcode,
        commune_insee=quote.commune_insee,
        commune_name=quote.commune_name,
        department_code=quote.department_code,
        address=quote.address,
        budget_range=quote.budget_range,
        timeline=quote.timeline,
        property_type=quote.property_type,
        target_pro_id=quote.target_pro_id,
        target_pro_slug=quote.target_pro_slug,
        contact=HomeownerContact(
            first_name=quote.first_name,
            last_name=quote.last_name,
            email=quote.email,
            phone=quote.phone,
            callback_slot=quote.callback_slot,
        ),
        created_at=quote.created_at,
        qualified_at=quote.qualified_at,
        dispatched_at=quote.dispatched_at,
        advisor_id=quote.assigned_to_id,
        dispatched_pros=tuple(
            DispatchedPro(pro_id=d.pro_id, pro_slug=d.pro_slug, pro_name=d.pro_name)
            for d in quote.dispatches.all()
        ),
        anonymised=quote.anonymised_at is not None,
        homeowner_outcome=quote.homeowner_outcome,
        homeowner_outcome_pro_id=quote.homeowner_outcome_pro_id,
        homeowner_closed_at=quote.homeowner_closed_at,
        brand_organization_id=quote.brand_organization_id,
    )


SUMMARY_FIELDS = (
    "id",
    "reference",
    "property_type",
    "budget_range",
    "timeline",
    "callback_slot",
    "postcode",
    "commune_name",
    "department_code",
    "address",
    "pro_note",
    "qualified_at",
)


def qualification_summaries(ids: list[int]) -> dict[int, QualificationSummary]:
    if not ids:
        return {}
    return {
        q.pk: QualificationSummary(
            quote_id=q.pk,
            reference=q.reference or "",
            property_type=q.property_type,
            property_type_label=str(q.get_property_type_display()) if q.property_type else "",
            budget_range=q.budget_range,
            budget_range_label=str(q.get_budget_range_display()) if q.budget_range else "",
            timeline=q.timeline,
            timeline_label=str(q.get_timeline_display()) if q.timeline else "",
            callback_slot=q.callback_slot,
            callback_slot_label=str(q.get_callback_slot_display()) if q.callback_slot else "",
            postcode=q.postcode,
            commune_name=q.commune_name,
            department_code=q.department_code,
            address=q.address,
            pro_note=q.pro_note,
            qualified_at=q.qualified_at,
        )
        for q in QuoteRequest.objects.filter(pk__in=ids).only(*SUMMARY_FIELDS)
    }


def quotes_info_by_ids(ids: list[int]) -> dict[int, QuoteRequestInfo]:
    quotes = QuoteRequest.objects.filter(pk__in=ids).prefetch_related(
        Prefetch("dispatches", queryset=QuoteDispatchChoice.objects.all())
    )
    return {q.pk: quote_info(q) for q in quotes}


STATUS_STEPS = (
    (QuoteStatus.NEW, "Demande reçue"),
    (QuoteStatus.IN_QUALIFICATION, "En qualification"),
    (QuoteStatus.QUALIFIED, "Projet qualifié"),
    (QuoteStatus.DISPATCHED, "Transmise aux artisans"),
)


def quote_ids_for_contact(email: str) -> list[int]:
    """Requests made with this e-mail address (normalised as at submission), oldest first."""
    email = (email or "").strip().lower()
    if not email:
        return []
    return list(
        QuoteRequest.objects.filter(email=email).order_by("pk").values_list("pk", flat=True)
    )


def quotes_for_homeowner(email: str) -> list[QuoteRequestInfo]:
    """The requests made with this (verified) address, newest first, with their chosen
    pros: two queries. Resubmissions attached to a request are part of it, not listed."""
    email = (email or "").strip().lower()
    if not email:
        return []
    quotes = (
        QuoteRequest.objects.filter(email=email, attached_to__isnull=True)
        .order_by("-created_at", "-id")
        .prefetch_related(Prefetch("dispatches", queryset=QuoteDispatchChoice.objects.all()))
    )
    return [quote_info(q) for q in quotes]


def qualified_budget_counts(
    *, category_slugs: list[str], department_codes: list[str], budget_ranges: list[str]
) -> dict[str, int]:
    """{budget range: number of requests} among those an advisor qualified (qualified or
    dispatched since) in these trades and départements, for the given ranges (one query)."""
    rows = (
        QuoteRequest.objects.filter(
            status__in=(QuoteStatus.QUALIFIED, QuoteStatus.DISPATCHED),
            qualified_at__isnull=False,
            category_slug__in=category_slugs,
            department_code__in=department_codes,
            budget_range__in=budget_ranges,
        )
        .order_by()
        .values("budget_range")
        .annotate(n=Count("pk"))
    )
    return {row["budget_range"]: row["n"] for row in rows}


def homeowners_helped_count() -> int:
    """Requests an advisor handed over to pros (dispatched), whatever happened since."""
    return QuoteRequest.objects.filter(dispatched_at__isnull=False).count()


# --- The callback promise ("rappel sous 4 h ouvrées") ----------------------------------------

AWAITING_FIRST_CALL = (QuoteStatus.NEW, QuoteStatus.IN_QUALIFICATION)


@dataclass(frozen=True)
class CallbackPromise:
    """Where a request not called yet stands against the promise: ``state`` "breached"
    (deadline passed), "due_soon" (less than QUOTES_CALLBACK_WARNING_MINUTES of business
    time left) or "on_time"."""

    deadline: datetime
    state: str
    minutes_left: int  # business minutes (0 once breached)


def callback_promise_hours() -> float:
    return settings.QUOTES_CALLBACK_PROMISE_HOURS


def callback_promise(quote: QuoteRequest, *, now: datetime) -> CallbackPromise | None:
    """None once the homeowner was called, or when nobody has to call any more."""
    if quote.first_call_at is not None or quote.status not in AWAITING_FIRST_CALL:
        return None
    deadline = business_deadline(quote.created_at, callback_promise_hours())
    if now >= deadline:
        return CallbackPromise(deadline=deadline, state="breached", minutes_left=0)
    left = int(business_seconds_between(now, deadline) // 60)
    warning = settings.QUOTES_CALLBACK_WARNING_MINUTES
    return CallbackPromise(
        deadline=deadline, state="due_soon" if left < warning else "on_time", minutes_left=left
    )


def quote_dispatches(*, channel: str) -> list[dict]:
    """Every dispatch of the requests of ``channel``, as plain rows: one per (request,
    chosen pro), in request then choice order."""
    return [
        {
            "quote_id": row["quote_id"],
            "pro_id": row["pro_id"],
            "dispatched_at": row["created_at"].isoformat(),
            "reference": row["quote__reference"],
            "category_slug": row["quote__category_slug"],
            "postcode": row["quote__postcode"],
            "department_code": row["quote__department_code"],
            "description": row["quote__description"],
            "advisor_id": row["quote__assigned_to_id"],
        }
        for row in QuoteDispatchChoice.objects.filter(quote__channel=channel)
        .order_by("quote_id", "position")
        .values(
            "quote_id",
            "pro_id",
            "created_at",
            "quote__reference",
            "quote__category_slug",
            "quote__postcode",
            "quote__department_code",
            "quote__description",
            "quote__assigned_to_id",
        )
    ]
