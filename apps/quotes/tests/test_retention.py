"""CNIL retention: personal data of requests without activity for three years is
anonymised by a daily beat task — and nothing else is touched."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from apps.quotes import api, services
from apps.quotes.models import QuoteCall, QuoteRequest, QuoteTransition
from apps.quotes.tasks import anonymise_inactive
from tests.schedules import once_a_day

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("directory_data")]

PERSONAL = ("first_name", "last_name", "email", "phone", "address", "description", "rejection_note")
KEPT = (
    "reference",
    "status",
    "kind",
    "category_slug",
    "postcode",
    "commune_name",
    "department_code",
    "budget_range",
    "timeline",
    "created_at",
    "last_activity_at",
    "assigned_to_id",
    "consent_text",
)


def _age(quote: QuoteRequest, *, days: int) -> None:
    QuoteRequest.objects.filter(pk=quote.pk).update(
        last_activity_at=timezone.now() - timedelta(days=days)
    )


def test_the_task_is_scheduled_daily_by_beat():
    entry = settings.CELERY_BEAT_SCHEDULE["quotes-anonymise-inactive"]
    assert entry["task"] == anonymise_inactive.name
    assert once_a_day(entry["schedule"])


def test_only_requests_inactive_for_three_years_are_anonymised(make_quote, advisor):
    old = make_quote(address="3 impasse des Tilleuls")
    services.quote_claim(quote_id=old.pk, actor=advisor.actor)
    services.quote_call_log(
        quote_id=old.pk,
        actor=advisor.actor,
        outcome="reached",
        notes="Mme Moreau, 2e étage, code 1234",
    )
    services.quote_reject(
        quote_id=old.pk, actor=advisor.actor, reason="other", note="Rappeler son mari"
    )
    _age(old, days=3 * 365 + 1)
    recent = make_quote(postcode="31450")
    _age(recent, days=3 * 365 - 1)  # two days short: kept as it is
    before = {f: getattr(QuoteRequest.objects.get(pk=old.pk), f) for f in KEPT}
    recent_before = QuoteRequest.objects.filter(pk=recent.pk).values().get()

    assert anonymise_inactive.delay().get() == 1

    old = QuoteRequest.objects.get(pk=old.pk)
    assert all(getattr(old, field) == "" for field in PERSONAL), {
        f: getattr(old, f) for f in PERSONAL
    }
    assert {f: getattr(old, f) for f in KEPT} == before
    assert old.anonymised_at is not None
    assert list(QuoteCall.objects.filter(quote=old).values_list("notes", "outcome")) == [
        ("", "reached")
    ]
    assert not QuoteTransition.objects.filter(quote=old).exclude(note="").exists()
    assert QuoteRequest.objects.filter(pk=recent.pk).values().get() == recent_before
    info = api.quote_by_id(old.pk)
    assert info.anonymised and info.contact.email == "" and info.contact.phone == ""


def test_anonymising_is_idempotent_and_batched(make_quote):
    quotes = [make_quote(postcode=code) for code in ("31000", "31450", "31200", "31500", "31100")]
    for quote in quotes:
        _age(quote, days=4 * 365)
    assert services.quotes_anonymise_inactive(batch_size=2) == 5
    stamps = set(QuoteRequest.objects.values_list("anonymised_at", flat=True))
    assert services.quotes_anonymise_inactive() == 0
    assert set(QuoteRequest.objects.values_list("anonymised_at", flat=True)) == stamps


def test_activity_postpones_anonymisation(make_quote, advisor):
    quote = make_quote()
    _age(quote, days=3 * 365 - 10)
    services.quote_claim(quote_id=quote.pk, actor=advisor.actor)  # activity: the clock restarts
    later = timezone.now() + timedelta(days=30)
    assert services.quotes_anonymise_inactive(now=later) == 0


def test_an_anonymised_request_can_no_longer_be_worked(make_quote, advisor):
    quote = make_quote()
    _age(quote, days=4 * 365)
    services.quotes_anonymise_inactive()
    with pytest.raises(services.QuoteConflict, match="anonymisée"):
        services.quote_claim(quote_id=quote.pk, actor=advisor.actor)
