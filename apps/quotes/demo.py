"""French demo requests at every status, with their calls and audit trail.

Deterministic (seeded random) and idempotent: demo rows carry the ``demo`` channel and only
the missing ones are added. Inserted in bulk (8,000 at ``--scale 1x`` in seconds). Run
by ``manage.py seed_demo_quotes``, itself run by the composition root's ``seed_demo``.
"""

from __future__ import annotations

import random
import unicodedata
from collections import defaultdict
from datetime import timedelta

from django.db import transaction
from django.db.models import CharField, Value
from django.db.models.functions import Cast, Concat, ExtractYear, Greatest, Length, LPad
from django.utils import timezone

from apps.directory import api as directory
from apps.quotes.models import (
    BudgetRange,
    CallbackSlot,
    CallOutcome,
    PropertyType,
    QuoteCall,
    QuoteChannel,
    QuoteDispatchChoice,
    QuoteKind,
    QuoteNote,
    QuoteRequest,
    QuoteStatus,
    QuoteTransition,
    RejectionReason,
    Timeline,
)
from apps.quotes.services import CONSENT_TEXT, next_call_slot

SCALES = {"small": 120, "1x": 8_000, "10x": 80_000}
BATCH = 2_000

# Share of each status among the demo requests (most end up dispatched, as in real life).
STATUS_WEIGHTS = {
    QuoteStatus.NEW: 12,
    QuoteStatus.IN_QUALIFICATION: 10,
    QuoteStatus.QUALIFIED: 6,
    QuoteStatus.DISPATCHED: 55,
    QuoteStatus.REJECTED: 10,
    QuoteStatus.UNREACHABLE: 7,
}
FIRST_NAMES = [
    "Camille", "Léa", "Manon", "Chloé", "Inès", "Sarah", "Julie", "Emma", "Louise", "Claire",
    "Nicolas", "Thomas", "Julien", "Antoine", "Maxime", "Hugo", "Lucas", "Paul", "Pierre",
    "Jean", "Marie", "Sophie", "Isabelle", "Nathalie", "Philippe", "Alain", "Michel", "Eric",
]  # fmt: skip
LAST_NAMES = [
    "Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy",
    "Moreau", "Simon", "Laurent", "Lefebvre", "Michel", "Garcia", "David", "Bertrand", "Roux",
    "Vincent", "Fournier", "Morel", "Girard", "Mercier", "Dupont", "Lambert", "Bonnet", "Faure",
]  # fmt: skip
PROJECTS = [
    "Nous souhaitons refaire {what} de notre {where}, construite dans les années 80. "
    "Nous aimerions un devis détaillé avec plusieurs options de finition.",
    "Projet de {what} pour une {where} d'environ 110 m². Travaux à prévoir avant l'hiver, "
    "accès facile par la rue.",
    "Je cherche un professionnel sérieux pour {what} ({where} mitoyenne). "
    "Disponible en semaine pour une visite.",
    "Suite à l'achat de notre {where}, nous voulons programmer {what}. "
    "Budget à affiner avec l'artisan, aides de l'État à étudier.",
]
WHERE = ["maison", "maison de ville", "longère", "villa", "résidence secondaire"]
NOTES = [
    "Projet confirmé, le particulier attend des devis rapidement.",
    "Rappeler après 18 h, travaille en journée.",
    "Souhaite deux ou trois devis pour comparer.",
    "Budget précisé au téléphone, photos envoyées par e-mail.",
]

# The advisor's "note pour l'artisan" on qualified demo requests (the hand-off), chosen by
# position rather than by the generator, so the rest of the demo stays the same.
PRO_NOTES = [
    "Client joignable surtout en fin de journée ; il souhaite un devis détaillé par poste.",
    "Maison mitoyenne, accès au jardin par le portail côté rue (code 2468).",
    "Projet déjà chiffré par un autre artisan : le client compare, soyez précis sur les délais.",
    "Copropriété : le syndic doit valider, prévoir un devis à présenter en assemblée.",
    "",
]


def _ascii(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in folded if not unicodedata.combining(ch)).lower()


def demo_seed(*, scale: str, advisor_user_ids: list[int], pro_slugs: list[str]) -> int:
    target = SCALES[scale]
    existing = QuoteRequest.objects.filter(channel=QuoteChannel.DEMO).count()
    missing = target - existing
    if missing <= 0:
        return 0
    pros = []
    for start in range(0, len(pro_slugs), 5_000):
        pros.extend(directory.pros_by_slugs(pro_slugs[start : start + 5_000]).values())
    categories = [c for c in directory.categories()]
    if not pros or not categories or not advisor_user_ids:
        return 0
    pros.sort(key=lambda p: p.slug)
    by_department = defaultdict(list)
    for pro in pros:
        by_department[pro.department_code].append(pro)
    rng = random.Random(2026 + existing)
    now = timezone.now()
    created = 0
    while created < missing:
        size = min(BATCH, missing - created)
        plans = [
            _plan(
                rng,
                index=existing + created + i,
                now=now,
                pros=pros,
                by_department=by_department,
                categories=categories,
                advisors=advisor_user_ids,
            )
            for i in range(size)
        ]
        _insert(plans)
        created += size
    _duplicates_showcase(now=now)
    return created


def _duplicates_showcase(*, now) -> None:
    """Two of the newest demo requests as the advisor meets them: a homeowner who sent a
    second message (a note on the request) and another request with the same phone
    ("doublon possible")."""
    newest = list(
        QuoteRequest.objects.filter(channel=QuoteChannel.DEMO, status=QuoteStatus.NEW).order_by(
            "-created_at", "-pk"
        )[:2]
    )
    if len(newest) < 2 or QuoteNote.objects.filter(quote__channel=QuoteChannel.DEMO).exists():
        return
    first, second = newest
    QuoteNote.objects.create(
        quote=first,
        body="J'ajoute : la façade côté jardin est aussi à reprendre, environ 40 m².",
        created_at=first.created_at + timedelta(minutes=6),
    )
    QuoteRequest.objects.filter(pk=first.pk).update(merged_submissions=1)
    QuoteRequest.objects.filter(pk=second.pk).update(phone=first.phone, possible_duplicate_of=first)


def _plan(rng, *, index, now, pros, by_department, categories, advisors) -> dict:
    """One demo request and what happened to it (calls, steps, dispatch), unsaved."""
    status = rng.choices(list(STATUS_WEIGHTS), weights=list(STATUS_WEIGHTS.values()))[0]
    pro = pros[rng.randrange(len(pros))]
    quote = _request(rng, index=index, now=now, status=status, pro=pro, categories=categories)
    plan = {"quote": quote, "calls": [], "transitions": [], "dispatches": []}
    if status != QuoteStatus.NEW:
        _history(rng, plan, index=index, pro=pro, by_department=by_department, advisors=advisors)
    return plan


def _request(rng, *, index, now, status, pro, categories) -> QuoteRequest:
    """The request as the homeowner sent it, at a date that fits its status."""
    category = rng.choice(categories)
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    if index < 3:  # the demo homeowner's own requests
        first, last, email = "Luce", "Moreau", "particulier@eldo.test"
    else:
        email = f"{_ascii(first)}.{_ascii(last)}{index}@exemple.fr"
    open_status = status in (QuoteStatus.NEW, QuoteStatus.IN_QUALIFICATION, QuoteStatus.QUALIFIED)
    age = (
        timedelta(hours=rng.randint(1, 24 * 6))
        if open_status
        else timedelta(hours=rng.randint(24 * 7, 24 * 700))
    )
    created_at = now - age
    slot = rng.choice(CallbackSlot.values)
    kind = QuoteKind.CALLBACK if rng.random() < 0.15 else QuoteKind.QUOTE
    quote = QuoteRequest(
        kind=kind,
        channel=QuoteChannel.DEMO,
        status=status,
        category_slug=category.slug,
        description=rng.choice(PROJECTS).format(
            what=f"des travaux de {category.name.lower()}", where=rng.choice(WHERE)
        ),
        postcode=pro.postcode,
        commune_name=pro.commune_name,
        department_code=pro.department_code,
        budget_range=rng.choice(BudgetRange.values),
        timeline=rng.choice(Timeline.values),
        property_type=rng.choice(PropertyType.values),
        target_pro_id=pro.id if rng.random() < 0.2 else None,
        first_name=first,
        last_name=last,
        email=email,
        phone=f"+33{rng.choice('67')}{rng.randint(0, 99_999_999):08d}",
        callback_slot=slot,
        consent_text=CONSENT_TEXT,
        consent_at=created_at,
        created_at=created_at,
        last_activity_at=created_at,
        next_call_at=next_call_slot(created_at, slot),
    )
    quote.target_pro_slug = pro.slug if quote.target_pro_id else ""
    return quote


def _history(rng, plan: dict, *, index, pro, by_department, advisors) -> None:
    """The advisor's work on the request up to its status: claim, calls, qualification or
    rejection, dispatch to the pro and up to two neighbours."""
    quote = plan["quote"]
    status, created_at = quote.status, quote.created_at
    advisor = rng.choice(advisors)
    moment = created_at + timedelta(minutes=rng.randint(10, 240))

    def step(to_status, from_status, note=""):
        plan["transitions"].append(
            QuoteTransition(
                from_status=from_status,
                to_status=to_status,
                actor_id=advisor,
                note=note,
                created_at=moment,
            )
        )

    def call(outcome):
        if quote.first_call_at is None:
            quote.first_call_at = moment
        plan["calls"].append(
            QuoteCall(
                advisor_id=advisor,
                outcome=outcome,
                notes=rng.choice(NOTES) if outcome == CallOutcome.REACHED else "",
                created_at=moment,
            )
        )

    if status == QuoteStatus.REJECTED and rng.random() < 0.4:
        step(QuoteStatus.REJECTED, QuoteStatus.NEW, "Demande frauduleuse ou indésirable")
        quote.rejection_reason = RejectionReason.SPAM
        quote.closed_at = moment
        quote.next_call_at = None
        quote.last_activity_at = moment
        return
    quote.assigned_to_id = advisor
    quote.claimed_at = moment
    step(QuoteStatus.IN_QUALIFICATION, QuoteStatus.NEW)
    failures = 3 if status == QuoteStatus.UNREACHABLE else rng.randint(0, 2)
    for _ in range(failures):
        moment += timedelta(hours=rng.randint(2, 30))
        call(rng.choice([CallOutcome.NO_ANSWER, CallOutcome.VOICEMAIL]))
    quote.failed_calls = failures
    if status == QuoteStatus.UNREACHABLE:
        step(QuoteStatus.UNREACHABLE, QuoteStatus.IN_QUALIFICATION, "3 appels sans réponse")
        quote.closed_at, quote.next_call_at = moment, None
    elif status == QuoteStatus.IN_QUALIFICATION:
        quote.next_call_at = moment + timedelta(hours=2)
    else:
        moment += timedelta(minutes=rng.randint(5, 120))
        call(CallOutcome.REACHED)
        quote.failed_calls = 0
        if status == QuoteStatus.REJECTED:
            quote.rejection_reason = rng.choice(
                [
                    RejectionReason.OUT_OF_SCOPE,
                    RejectionReason.NO_PRO_AVAILABLE,
                    RejectionReason.CANCELLED,
                ]
            )
            step(
                QuoteStatus.REJECTED,
                QuoteStatus.IN_QUALIFICATION,
                str(quote.get_rejection_reason_display()),
            )
            quote.closed_at, quote.next_call_at = moment, None
        else:
            step(QuoteStatus.QUALIFIED, QuoteStatus.IN_QUALIFICATION)
            quote.qualified_at = quote.next_call_at = moment
            quote.pro_note = PRO_NOTES[index % len(PRO_NOTES)]
            if status == QuoteStatus.DISPATCHED:
                moment += timedelta(minutes=rng.randint(5, 60))
                neighbours = [p for p in by_department[pro.department_code] if p.id != pro.id]
                chosen = [pro, *rng.sample(neighbours, k=min(len(neighbours), rng.randint(0, 2)))]
                step(
                    QuoteStatus.DISPATCHED, QuoteStatus.QUALIFIED, ", ".join(p.slug for p in chosen)
                )
                plan["dispatches"] = [
                    QuoteDispatchChoice(
                        pro_id=p.id, pro_slug=p.slug, pro_name=p.name, position=i, created_at=moment
                    )
                    for i, p in enumerate(chosen)
                ]
                quote.dispatched_at = quote.closed_at = moment
                quote.next_call_at = None
    quote.last_activity_at = moment


def _insert(plans: list[dict]) -> None:
    with transaction.atomic():
        quotes = QuoteRequest.objects.bulk_create([p["quote"] for p in plans])
        # The references in one UPDATE, computed by the database as reference_for() does.
        QuoteRequest.objects.filter(pk__in=[q.pk for q in quotes]).update(
            reference=Concat(
                Value("ELD-"),
                Cast(ExtractYear("created_at"), CharField()),
                Value("-"),
                # LPAD truncates a longer string: never pad to less than the id's length.
                LPad(
                    Cast("id", CharField()),
                    Greatest(Value(6), Length(Cast("id", CharField()))),
                    Value("0"),
                ),
            )
        )
        calls, transitions, dispatches = [], [], []
        for plan, quote in zip(plans, quotes, strict=True):
            for row in plan["calls"]:
                row.quote = quote
                calls.append(row)
            for row in plan["transitions"]:
                row.quote = quote
                transitions.append(row)
            for row in plan["dispatches"]:
                row.quote = quote
                dispatches.append(row)
        QuoteCall.objects.bulk_create(calls, batch_size=1_000)
        QuoteTransition.objects.bulk_create(transitions, batch_size=1_000)
        QuoteDispatchChoice.objects.bulk_create(dispatches, batch_size=1_000)
