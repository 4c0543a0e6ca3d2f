"""The homeowner's own actions on a request ("Mes projets", reached through quotes.api):
ask for another pro, close the project (done with one of the chosen pros, or abandoned)."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.quotes.models import HomeownerOutcome, QuoteNote, QuoteRequest, QuoteStatus
from apps.quotes.services._common import QuoteConflict
from apps.quotes.services._transitions import _locked, _transition


def _homeowner_quote(*, quote_id: int, email: str) -> QuoteRequest:
    """The request, locked, if it was made with this (verified) address; else DoesNotExist."""
    email = (email or "").strip().lower()
    quote = _locked(quote_id)
    if not email or quote.email != email or quote.attached_to_id is not None:
        raise QuoteRequest.DoesNotExist
    if quote.anonymised_at is not None:
        raise QuoteConflict(_("Cette demande a été anonymisée : elle ne peut plus être modifiée."))
    if quote.homeowner_closed_at is not None:
        raise QuoteConflict(_("Vous avez déjà clôturé ce projet."))
    return quote


def quote_homeowner_reopen(
    *, quote_id: int, email: str, note: str, now: datetime | None = None
) -> QuoteRequest:
    """ "Demander un autre artisan": the dispatched request goes back to the advisors'
    queue (qualified, to be called first) with the homeowner's note; the pros already
    chosen keep their lead. QuoteRequest.DoesNotExist when it is not this homeowner's."""
    now = now or timezone.now()
    note = (note or "").strip()
    if len(note) > 1000:
        raise ValidationError({"note": [_("1 000 caractères au plus.")]})
    with transaction.atomic():
        quote = _homeowner_quote(quote_id=quote_id, email=email)
        if quote.status != QuoteStatus.DISPATCHED:
            raise QuoteConflict(
                _("Votre demande est encore entre les mains d'un conseiller : il vous appelle.")
            )
        quote = _transition(
            quote,
            to=QuoteStatus.QUALIFIED,
            actor=None,
            now=now,
            note=_("Le particulier demande un autre artisan."),
            next_call_at=now,
            closed_at=None,
        )
        QuoteNote.objects.create(
            quote=quote,
            body=_("Le particulier demande un autre artisan.") + (f" « {note} »" if note else ""),
            created_at=now,
        )
    return quote


def quote_homeowner_close(
    *,
    quote_id: int,
    email: str,
    outcome: str,
    pro_id: int | None = None,
    now: datetime | None = None,
) -> QuoteRequest:
    """ "Clôturer le projet": done with one of the chosen pros (``pro_id``), or abandoned.
    Once. QuoteRequest.DoesNotExist when it is not this homeowner's request."""
    now = now or timezone.now()
    if outcome not in HomeownerOutcome.values:
        raise ValidationError({"outcome": [_("Choisissez comment s'est terminé le projet.")]})
    with transaction.atomic():
        quote = _homeowner_quote(quote_id=quote_id, email=email)
        chosen = set(quote.dispatches.values_list("pro_id", flat=True))
        if outcome == HomeownerOutcome.DONE:
            if pro_id not in chosen:
                raise ValidationError(
                    {"pro_id": [_("Choisissez l'artisan qui a réalisé les travaux.")]}
                )
        else:
            pro_id = None
        QuoteRequest.objects.filter(pk=quote.pk).update(
            homeowner_outcome=outcome,
            homeowner_outcome_pro_id=pro_id,
            homeowner_closed_at=now,
            last_activity_at=now,
            next_call_at=None,
        )
        QuoteNote.objects.create(
            quote=quote,
            body=_("Projet clôturé par le particulier : %(outcome)s.")
            % {"outcome": str(HomeownerOutcome(outcome).label).lower()},
            created_at=now,
        )
        quote.refresh_from_db()
    return quote
