"""Writes of the quotes context, by the request's life (docs/quotes.md):

- ``submission``: the homeowner's request, its duplicates;
- ``advisor``: claim, calls (→ unreachable), qualify, reject;
- ``dispatch``: to the pros the advisor chose, or the installer a brand's routing picked;
- ``homeowner``: the homeowner's own actions ("Mes projets");
- ``retention``: anonymisation after the retention period, erasure on request;
- ``_common`` (field checks, callback slots, QuoteConflict) and ``_transitions`` (the
  conditional UPDATEs every change of status goes through) are shared by the others.

The names the rest of the context uses are re-exported here (``services.quote_claim``).
"""

from apps.quotes.services._common import OPEN_STATUSES, QuoteConflict, next_call_slot
from apps.quotes.services.advisor import (
    max_failed_calls,
    quote_call_log,
    quote_claim,
    quote_qualify,
    quote_reject,
)
from apps.quotes.services.dispatch import MATCH_LIMIT, quote_brand_route, quote_dispatch
from apps.quotes.services.homeowner import quote_homeowner_close, quote_homeowner_reopen
from apps.quotes.services.retention import quotes_anonymise_inactive, quotes_erase_for_contact
from apps.quotes.services.submission import CONSENT_TEXT, quote_submit, reference_for

__all__ = [
    "CONSENT_TEXT",
    "MATCH_LIMIT",
    "OPEN_STATUSES",
    "QuoteConflict",
    "max_failed_calls",
    "next_call_slot",
    "quote_brand_route",
    "quote_call_log",
    "quote_claim",
    "quote_dispatch",
    "quote_homeowner_close",
    "quote_homeowner_reopen",
    "quote_qualify",
    "quote_reject",
    "quote_submit",
    "quotes_anonymise_inactive",
    "quotes_erase_for_contact",
    "reference_for",
]
