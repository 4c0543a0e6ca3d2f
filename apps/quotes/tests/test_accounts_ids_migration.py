"""The migration to plain accounts ids: a request keeps its advisor, a call its advisor,
a transition its actor, and the database no longer refuses an id accounts does not hold."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

BEFORE = [("quotes", "0006_brand_requests")]
AFTER = [("quotes", "0007_accounts_ids")]


@pytest.fixture
def back_to_the_latest_schema():
    yield
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def _quote(model, reference: str, **fields):
    return model.objects.create(
        reference=reference,
        kind="quote",
        channel="web",
        category_slug="facade",
        description="Ravalement de façade",
        postcode="31000",
        department_code="31",
        first_name="Luce",
        last_name="Moreau",
        email="luce@exemple.fr",
        phone="+33612345678",
        consent_text="J'accepte d'être rappelé.",
        consent_at=timezone.now(),
        **fields,
    )


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("back_to_the_latest_schema")
def test_the_advisors_ids_are_kept_and_an_unknown_id_is_no_longer_refused():
    # Users (accounts) are untouched by this migration: today's model will do.
    from apps.accounts.models import User

    advisor = User.objects.create(email="conseiller@eldo.test", staff_role="advisor")
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    quote = _quote(
        old.get_model("quotes", "QuoteRequest"), "ELD-2026-000001", assigned_to_id=advisor.pk
    )
    call = old.get_model("quotes", "QuoteCall").objects.create(
        quote_id=quote.pk, advisor_id=advisor.pk, outcome="no_answer"
    )
    move = old.get_model("quotes", "QuoteTransition").objects.create(
        quote_id=quote.pk, from_status="new", to_status="in_qualification", actor_id=advisor.pk
    )

    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps
    Quote = new.get_model("quotes", "QuoteRequest")
    assert Quote.objects.get(pk=quote.pk).assigned_to_id == advisor.pk
    assert new.get_model("quotes", "QuoteCall").objects.get(pk=call.pk).advisor_id == advisor.pk
    assert new.get_model("quotes", "QuoteTransition").objects.get(pk=move.pk).actor_id == (
        advisor.pk
    )

    # No foreign key any more: an id accounts does not hold is stored as it is.
    other = _quote(Quote, "ELD-2026-000002", assigned_to_id=987654)
    assert Quote.objects.get(pk=other.pk).assigned_to_id == 987654
