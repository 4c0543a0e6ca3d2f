"""Demo requests: every status, calls and audit trail, idempotent, in bulk."""

from __future__ import annotations

import pytest

from apps.quotes import demo as api
from apps.quotes.models import QuoteCall, QuoteNote, QuoteRequest, QuoteStatus, QuoteTransition
from apps.quotes.services import reference_for

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("directory_data")]


def test_demo_seed_covers_every_status_and_is_idempotent(facade_pros, advisor, staff):
    slugs = [pro.slug for pro in facade_pros.values()]
    added = api.demo_seed(scale="small", advisor_user_ids=[advisor.pk, staff.pk], pro_slugs=slugs)

    assert added == QuoteRequest.objects.count() == 120
    assert set(QuoteRequest.objects.values_list("status", flat=True)) == set(QuoteStatus.values)
    assert all(q.reference == reference_for(q.pk, q.created_at) for q in QuoteRequest.objects.all())
    assert QuoteCall.objects.filter(outcome="reached").exists()
    unreachable = QuoteRequest.objects.filter(status="unreachable").first()
    assert unreachable.calls.count() == 3
    dispatched = QuoteRequest.objects.filter(status="dispatched").first()
    assert 1 <= dispatched.dispatches.count() <= 3
    assert list(
        QuoteTransition.objects.filter(quote=dispatched).values_list("to_status", flat=True)
    ) == ["in_qualification", "qualified", "dispatched"]
    assert QuoteRequest.objects.filter(email="particulier@eldo.test").count() == 3
    # The advisor meets a homeowner's added note and a possible duplicate.
    assert QuoteNote.objects.count() == 1
    flagged = QuoteRequest.objects.get(possible_duplicate_of__isnull=False)
    assert flagged.phone == flagged.possible_duplicate_of.phone

    assert api.demo_seed(scale="small", advisor_user_ids=[advisor.pk], pro_slugs=slugs) == 0
    assert QuoteRequest.objects.count() == 120
    assert QuoteNote.objects.count() == 1
