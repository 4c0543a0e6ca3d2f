"""The quotes context's public interface: plain data in, plain data out.

The leads context reads a dispatched request here (contact included) when it reacts to
``apps.quotes.events.QuoteDispatchRequested``.
"""

from __future__ import annotations

import math

from django.core.cache import cache

from apps.quotes import selectors
from apps.quotes.contracts import BudgetSpread, QualificationSummary, QuoteRequestInfo

PLATFORM_FIGURES_CACHE_KEY = "quotes:platform-figures"


def quote_by_id(quote_id: int) -> QuoteRequestInfo | None:
    return selectors.quotes_info_by_ids([quote_id]).get(quote_id)


def quotes_by_ids(ids: list[int]) -> dict[int, QuoteRequestInfo]:
    """Requests by id in two queries, whatever the number of ids; unknown ids are absent."""
    return selectors.quotes_info_by_ids(list(ids))


def qualification_summaries(ids: list[int]) -> dict[int, QualificationSummary]:
    """The advisor's qualification of each request (property type, budget, timeline, best
    time to call, place, note for the pro), in one query whatever the number of ids; unknown
    ids are absent. Anonymised requests keep the project's facts but lose address and note."""
    return selectors.qualification_summaries(list(ids))


def callback_promise_hours() -> float:
    """The advisors' promise: the homeowner is called within this many business hours
    (apps.core.business_hours) of the request — "rappel sous 4 h ouvrées" by default."""
    return selectors.callback_promise_hours()


def platform_figures() -> dict[str, int]:
    """Live figures for the home page: {"homeowners_helped": n}.

    A homeowner counts as helped ("particulier accompagné") once an advisor has qualified
    the project and put them in touch with pros: one per request dispatched. Requests still
    in the queue, rejected or unreachable do not count; repeated submissions of a project
    are merged on arrival, so a request is a project, not a form sent. Anonymised requests
    (retention) still count. Cached for five minutes, like the other home figures.
    """
    figures = cache.get(PLATFORM_FIGURES_CACHE_KEY)
    if figures is None:
        figures = {"homeowners_helped": selectors.homeowners_helped_count()}
        cache.set(PLATFORM_FIGURES_CACHE_KEY, figures, 300)
    return figures


# Below this many qualified requests, a landing page claims no typical budget.
BUDGET_SPREAD_MIN_REQUESTS = 10
# The budget ranges a homeowner picks, in euros, in increasing order (None: open bound).
BUDGET_BOUNDS = {
    "lt_5k": (None, 5000),
    "5k_15k": (5000, 15000),
    "15k_50k": (15000, 50000),
    "gt_50k": (50000, None),
}


def qualified_budget_spread(
    *, category_slugs: list[str], department_codes: list[str]
) -> BudgetSpread | None:
    """Typical budgets of the requests an advisor qualified in these trades and
    départements (one query): the median's range and the ranges of the middle half
    (nearest-rank quartiles over the ordered ranges, so at least half of the requests
    fall between ``half_low`` and ``half_high``). None below BUDGET_SPREAD_MIN_REQUESTS
    requests with a known budget: no claim without data."""
    counts = selectors.qualified_budget_counts(
        category_slugs=list(category_slugs),
        department_codes=list(department_codes),
        budget_ranges=list(BUDGET_BOUNDS),
    )
    total = sum(counts.values())
    if total < BUDGET_SPREAD_MIN_REQUESTS:
        return None

    def band_at(share: float) -> tuple[int | None, int | None]:
        rank = max(1, math.ceil(share * total))
        seen = 0
        for code, bounds in BUDGET_BOUNDS.items():
            seen += counts.get(code, 0)
            if seen >= rank:
                return bounds
        raise AssertionError("unreachable: the ranks stop at the total")

    median, first, third = band_at(0.5), band_at(0.25), band_at(0.75)
    return BudgetSpread(
        count=total,
        median_low=median[0],
        median_high=median[1],
        half_low=first[0],
        half_high=third[1],
    )


def quote_ids_for_contact(email: str) -> list[int]:
    """Ids of the requests made with this e-mail address (GDPR export), oldest first."""
    return selectors.quote_ids_for_contact(email)


def quote_dispatches(*, channel: str) -> list[dict]:
    """Every dispatch of the requests of a ``channel`` ("demo", "web", …), one plain row per
    (request, chosen pro), oldest request first: quote_id, pro_id, dispatched_at (ISO 8601),
    reference, category_slug, postcode, department_code, description, advisor_id."""
    return selectors.quote_dispatches(channel=channel)


def homeowner_quotes(email: str) -> list[QuoteRequestInfo]:
    """Every request made with this address (verified by the caller), newest first, with
    its chosen pros and the homeowner's closing; two queries."""
    return selectors.quotes_for_homeowner(email)


def _homeowner_action(action, **kwargs) -> QuoteRequestInfo | None:
    """None when the request is not this homeowner's (→ 404); ValidationError (French, per
    field, "__all__" for a refused state) when the action is refused."""
    from django.core.exceptions import ValidationError

    from apps.quotes.models import QuoteRequest
    from apps.quotes.services import QuoteConflict

    try:
        quote = action(**kwargs)
    except QuoteRequest.DoesNotExist:
        return None
    except QuoteConflict as exc:
        raise ValidationError({"__all__": [str(exc)]}) from exc
    return selectors.quotes_info_by_ids([quote.pk])[quote.pk]


def homeowner_quote_reopen(*, quote_id: int, email: str, note: str = "") -> QuoteRequestInfo | None:
    """ "Demander un autre artisan": back to the advisors' queue with the homeowner's note."""
    from apps.quotes.services import quote_homeowner_reopen

    return _homeowner_action(quote_homeowner_reopen, quote_id=quote_id, email=email, note=note)


def homeowner_quote_close(
    *, quote_id: int, email: str, outcome: str, pro_id: int | None = None
) -> QuoteRequestInfo | None:
    """ "Clôturer le projet": ``outcome`` "done" (with ``pro_id``, one of the chosen pros)
    or "abandoned"; once."""
    from apps.quotes.services import quote_homeowner_close

    return _homeowner_action(
        quote_homeowner_close, quote_id=quote_id, email=email, outcome=outcome, pro_id=pro_id
    )


def quote_brand_route(*, quote_id: int, pro_id: int) -> bool:
    """Dispatch a new request asked from a brand's page to the certified installer the
    brand's rules picked (the leads context decides who): True when done now, False when
    the request was no longer new (redelivery, an advisor took it)."""
    from apps.quotes import services

    return services.quote_brand_route(quote_id=quote_id, pro_id=pro_id)
