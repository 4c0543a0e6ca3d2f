"""No call into another context runs inside one of quotes' or leads' transactions (see
tests/plugins/facade_calls.py): a request qualified and dispatched, its leads created by
the handlers, then worked by the pro (status, assignment, amounts) through the API."""

import pytest
from django.test import override_settings

pytestmark = pytest.mark.django_db

BASE = "/api/v1/leads/"

# What still runs inside a transaction, "<caller module> -> <context>.<function>": a
# ratchet. A new crossing inside a transaction fails the test; so does a listed one that
# is gone (remove its entry). The handlers run inside the outbox's per-handler transaction.
KNOWN_INSIDE_TRANSACTIONS = {
    "apps.leads.alerts -> accounts.alert_recipients",
    "apps.leads.handlers -> accounts.alert_recipients",
    "apps.leads.handlers -> directory.categories",
    "apps.leads.handlers -> directory.pro_lead_load_store",
    "apps.leads.handlers -> directory.pro_response_time_store",
    "apps.leads.selectors -> accounts.organization_members",
    "apps.leads.selectors -> quotes.qualification_summaries",
    "apps.leads.services -> directory.pros_by_ids",
    "apps.leads.services -> quotes.quote_by_id",
    "apps.quotes.handlers -> accounts.audit_record",
    "apps.quotes.selectors -> directory.categories",
    "apps.quotes.services._common -> directory.categories",
    "apps.quotes.services._common -> directory.communes_for_postcode",
    "apps.quotes.services.dispatch -> directory.pro_capacities",
    "apps.quotes.services.dispatch -> directory.pros_by_slugs",
    "apps.quotes.services.dispatch -> directory.pros_insured",
    "apps.quotes.services.dispatch -> directory.pros_matching",
}


@override_settings(CELERY_TASK_ALWAYS_EAGER=True)
def test_dispatch_and_lead_work_call_other_contexts_outside_their_transactions(
    facade_calls, dispatch, facade_pros, midi_team, api_as, django_capture_on_commit_callbacks
):
    owner = api_as(midi_team["owner"])
    with facade_calls() as calls:
        quote = dispatch(["facades-du-midi", "enduits-de-garonne"])
        (lead,) = [row for row in owner.get(BASE).json()["results"] if row["quote_id"] == quote.pk]
        url = f"{BASE}{lead['id']}/"
        with django_capture_on_commit_callbacks(execute=True):
            for change in (
                {"status": "contacted"},
                {"assigned_to": midi_team["rep"].pk},
                {"status": "quote_sent", "quote_amount": "12500.00"},
                {"status": "won", "won_amount": "12000.00"},
            ):
                assert owner.patch(url, change, format="json").status_code == 200, change

    assert any("-> quotes." in crossing for crossing in calls.crossings())
    assert calls.inside_transactions() == KNOWN_INSIDE_TRANSACTIONS
