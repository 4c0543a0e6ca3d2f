"""Handing a request over to pros (the leads context, through QuoteDispatchRequested):
the advisor's choice of one to three pros, or the installer a brand's routing picked."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.core.actor import Actor
from apps.core.events import publish
from apps.directory import api as directory
from apps.quotes.events import QuoteDispatchRequested
from apps.quotes.models import QuoteDispatchChoice, QuoteRequest, QuoteStatus
from apps.quotes.services._common import QuoteConflict
from apps.quotes.services._transitions import _check, _locked, _require_advisor, _transition

MAX_DISPATCHED_PROS = 3


MATCH_LIMIT = 20  # suggestions shown to the advisor


MATCH_VALIDATION_LIMIT = 200  # how deep a chosen pro is looked for among the matches


def _slugs_clean(pro_slugs) -> list[str]:
    if not isinstance(pro_slugs, list | tuple) or not all(isinstance(s, str) for s in pro_slugs):
        raise ValidationError({"pros": [_("Donnez une liste d'identifiants d'artisans.")]})
    slugs = list(dict.fromkeys(s.strip() for s in pro_slugs if s.strip()))
    if not slugs:
        raise ValidationError({"pros": [_("Choisissez au moins un artisan.")]})
    if len(slugs) > MAX_DISPATCHED_PROS:
        raise ValidationError(
            {
                "pros": [
                    _("Choisissez trois artisans au plus (%(count)d choisis).")
                    % {"count": len(slugs)}
                ]
            }
        )
    return slugs


def quote_dispatch(
    *, quote_id: int, actor: Actor, pro_slugs: list[str], now: datetime | None = None
) -> QuoteRequest:
    """Record the advisor's choice of pros and hand the request over to the leads context.

    Idempotent: the same choice sent again returns the dispatched request unchanged; a
    different choice for an already dispatched request is a conflict. The chosen pros must
    be among the directory's matches for the project (trade, area), or be the pro the
    homeowner asked for.
    """
    _require_advisor(actor)
    now = now or timezone.now()
    slugs = _slugs_clean(pro_slugs)
    with transaction.atomic():
        quote = _locked(quote_id)
        if quote.status == QuoteStatus.DISPATCHED:
            chosen = set(quote.dispatches.values_list("pro_slug", flat=True))
            if chosen == set(slugs):
                return quote
            raise QuoteConflict(_("Cette demande a déjà été transmise à d'autres artisans."))
        _check(
            quote,
            action=_("transmettre"),
            actor=actor,
            allowed_from=(QuoteStatus.QUALIFIED,),
        )
        pros = directory.pros_by_slugs(slugs)
        unknown = [slug for slug in slugs if slug not in pros]
        if unknown:
            raise ValidationError(
                {"pros": [_("Artisan inconnu : %(slug)s.") % {"slug": s} for s in unknown]}
            )
        capacities = directory.pro_capacities([pro.id for pro in pros.values()])
        full = [
            pros[s]
            for s in slugs
            if pros[s].id in capacities and not capacities[pros[s].id].remaining
        ]
        if full:
            raise QuoteConflict(
                " ".join(
                    _("%(name)s a atteint son plafond de %(cap)d demandes ce mois-ci.")
                    % {"name": pro.name, "cap": capacities[pro.id].monthly_lead_cap}
                    for pro in full
                )
            )
        # A pro without a verified décennale for the trade gets no lead, even the one the
        # homeowner named (LEADS_REQUIRE_INSURANCE, docs/verification.md).
        insured = directory.pros_insured(
            pro_ids=[pro.id for pro in pros.values()], category_slug=quote.category_slug
        )
        uninsured = [pros[slug] for slug in slugs if pros[slug].id not in insured]
        if uninsured:
            raise ValidationError(
                {
                    "pros": [
                        _(
                            "%(name)s n'a pas d'assurance décennale vérifiée pour ce métier :"
                            " aucune demande ne peut lui être transmise."
                        )
                        % {"name": pro.name}
                        for pro in uninsured
                    ]
                }
            )
        allowed = {
            match.pro.slug
            for match in directory.pros_matching(
                category_slug=quote.category_slug,
                postcode=quote.postcode,
                limit=MATCH_VALIDATION_LIMIT,
            )
        }
        if quote.target_pro_slug:
            allowed.add(quote.target_pro_slug)
        outside = [pros[slug] for slug in slugs if slug not in allowed]
        if outside:
            raise ValidationError(
                {
                    "pros": [
                        _("%(name)s n'intervient pas pour ce projet (métier ou secteur).")
                        % {"name": pro.name}
                        for pro in outside
                    ]
                }
            )
        quote = _transition(
            quote,
            to=QuoteStatus.DISPATCHED,
            actor=actor,
            now=now,
            note=", ".join(slugs)[:300],
            dispatched_at=now,
            next_call_at=None,
            closed_at=now,
        )
        QuoteDispatchChoice.objects.bulk_create(
            [
                QuoteDispatchChoice(
                    quote=quote,
                    pro_id=pros[slug].id,
                    pro_slug=slug,
                    pro_name=pros[slug].name,
                    position=position,
                    created_at=now,
                )
                for position, slug in enumerate(slugs)
            ],
            # A request the homeowner sent back for another pro keeps its earlier choices.
            ignore_conflicts=True,
        )
        publish(
            QuoteDispatchRequested(
                quote_id=quote.pk,
                reference=quote.reference,
                pro_ids=[pros[slug].id for slug in slugs],
                pro_slugs=slugs,
                category_slug=quote.category_slug,
                postcode=quote.postcode,
                department_code=quote.department_code,
                advisor_id=actor.user_id,
                requested_at=now.isoformat(),
            )
        )
    return quote


def quote_brand_route(*, quote_id: int, pro_id: int, now: datetime | None = None) -> bool:
    """A request asked from a brand's page goes straight to the certified installer the
    brand's routing rules picked (leads context): dispatched without an advisor, with the
    same hand-over as an advisor's dispatch (QuoteDispatchRequested: the lead, the
    homeowner's e-mail, the audit). Only a new request of that brand, once: False
    otherwise (a redelivery, an advisor already on it)."""
    now = now or timezone.now()
    pro = directory.pros_by_ids([pro_id]).get(pro_id)
    if pro is None:
        return False
    with transaction.atomic():
        quote = _locked(quote_id)
        if (
            quote.status != QuoteStatus.NEW
            or quote.brand_organization_id is None
            or quote.anonymised_at is not None
        ):
            return False
        quote = _transition(
            quote,
            to=QuoteStatus.DISPATCHED,
            actor=None,
            now=now,
            note=_("Marque %(brand)s : %(pro)s") % {"brand": quote.brand_slug, "pro": pro.slug},
            dispatched_at=now,
            next_call_at=None,
            closed_at=now,
        )
        QuoteDispatchChoice.objects.get_or_create(
            quote=quote,
            pro_id=pro.id,
            defaults={"pro_slug": pro.slug, "pro_name": pro.name, "position": 0, "created_at": now},
        )
        publish(
            QuoteDispatchRequested(
                quote_id=quote.pk,
                reference=quote.reference,
                pro_ids=[pro.id],
                pro_slugs=[pro.slug],
                category_slug=quote.category_slug,
                postcode=quote.postcode,
                department_code=quote.department_code,
                advisor_id=None,
                requested_at=now.isoformat(),
            )
        )
    return True
