"""What other contexts get from quotes: ``apps.quotes.api`` and the published events."""

from __future__ import annotations

import ast
import dataclasses
import json
import re
from html import unescape
from pathlib import Path

import pytest

from apps.core.envelope import Envelope
from apps.core.models import OutboxEvent
from apps.core.outbox import envelope_for
from apps.quotes import api, services
from apps.quotes.contracts import QuoteRequestInfo
from apps.quotes.events import QuoteDispatchRequested

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("directory_data")]


def test_quote_by_id_gives_plain_data_with_the_contact(make_quote, advisor, facade_pros):
    quote = make_quote(pro="facades-du-midi", address="4 rue des Lilas")
    services.quote_claim(quote_id=quote.pk, actor=advisor.actor)
    services.quote_qualify(quote_id=quote.pk, actor=advisor.actor, changes={})
    services.quote_dispatch(
        quote_id=quote.pk, actor=advisor.actor, pro_slugs=["facades-du-midi", "enduits-de-garonne"]
    )

    info = api.quote_by_id(quote.pk)

    assert isinstance(info, QuoteRequestInfo)
    assert (info.reference, info.status, info.category_slug) == (
        quote.reference,
        "dispatched",
        "facade",
    )
    assert info.contact.phone == "+33612345678"
    assert info.contact.email == quote.email
    assert info.target_pro_slug == "facades-du-midi"
    assert [p.pro_slug for p in info.dispatched_pros] == ["facades-du-midi", "enduits-de-garonne"]
    assert info.advisor_id == advisor.pk
    assert api.quote_by_id(999_999) is None
    # Nothing of Django crosses the boundary.
    for value in dataclasses.astuple(info):
        assert type(value).__module__ in {"builtins", "datetime"}, value


def test_quotes_by_ids_runs_a_fixed_number_of_queries(make_quote, django_assert_num_queries):
    ids = [make_quote(postcode=c).pk for c in ("31000", "31450", "31200", "31500")]
    with django_assert_num_queries(2):
        found = api.quotes_by_ids([*ids, 999_999])
    assert set(found) == set(ids)


def test_contracts_and_events_import_nothing_of_django_models():
    root = Path(api.__file__).parent
    tree = ast.parse((root / "contracts.py").read_text())
    imported = {
        alias.name if isinstance(node, ast.Import) else node.module
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in getattr(node, "names", [])
    }
    assert not any(name and name.startswith("django") for name in imported)


def test_the_dispatch_event_round_trips_through_the_outbox(make_quote, advisor, facade_pros):
    quote = make_quote()
    services.quote_claim(quote_id=quote.pk, actor=advisor.actor)
    services.quote_qualify(quote_id=quote.pk, actor=advisor.actor, changes={})
    services.quote_dispatch(quote_id=quote.pk, actor=advisor.actor, pro_slugs=["facades-du-midi"])

    record = OutboxEvent.objects.get(name=QuoteDispatchRequested.name)
    json.dumps(record.payload)  # plain JSON
    # As it travels between processes: the envelope's JSON, read back and typed.
    event = Envelope.from_json(envelope_for(record).to_json()).event()
    assert isinstance(event, QuoteDispatchRequested)
    assert (event.quote_id, event.pro_ids, event.advisor_id) == (
        quote.pk,
        [facade_pros["midi"].id],
        advisor.pk,
    )
    assert {e.name for e in OutboxEvent.objects.all()} == {
        "quotes.QuoteSubmitted",
        "quotes.QuoteClaimed",  # the staff audit log
        "quotes.QuoteQualified",
        "quotes.QuoteDispatchRequested",
    }


def test_homeowners_helped_counts_the_requests_put_in_touch_with_pros(
    client, make_quote, advisor, facade_pros, django_assert_max_num_queries
):
    def dispatched() -> None:
        quote = make_quote()
        services.quote_claim(quote_id=quote.pk, actor=advisor.actor)
        services.quote_qualify(quote_id=quote.pk, actor=advisor.actor, changes={})
        services.quote_dispatch(
            quote_id=quote.pk, actor=advisor.actor, pro_slugs=["facades-du-midi"]
        )

    for _ in range(3):
        dispatched()
    qualified = make_quote()
    services.quote_claim(quote_id=qualified.pk, actor=advisor.actor)
    services.quote_qualify(quote_id=qualified.pk, actor=advisor.actor, changes={})
    services.quote_reject(quote_id=make_quote().pk, actor=advisor.actor, reason="spam")
    make_quote()  # still waiting in the queue

    # Only the requests handed over to pros: not the queue, not the rejected.
    assert api.platform_figures() == {"homeowners_helped": 3}

    with django_assert_max_num_queries(7):
        html = client.get("/").content.decode()
    text = re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))
    figures = text[text.index("Eldo en chiffres") :]
    assert re.search(r"\b3 Particuliers accompagnés", figures), figures
    # Next to the pros and the reviews, in the order the home page promises.
    assert figures.index("Pros qualifiés") < figures.index("Particuliers accompagnés")
