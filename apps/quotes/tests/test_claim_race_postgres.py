"""Two advisors claiming the same request at the same moment, on PostgreSQL with one
connection per advisor: exactly one holds it, the other gets a conflict (HTTP 409).

Runs in CI's services pass (DATABASE_URL, REDIS_URL); skipped otherwise, saying why.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction
from rest_framework.test import APIClient

from apps.accounts.tests.factories import UserFactory
from apps.quotes import services
from apps.quotes.models import QuoteTransition
from apps.quotes.tests.factories import QuoteRequestFactory
from tests.waiting import wait_for_lock_waiter

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def quote():
    if connection.vendor != "postgresql":
        pytest.skip("the race is meaningful on PostgreSQL only (row locks, READ COMMITTED)")
    return QuoteRequestFactory(channel="api")


def _in_thread(target, *args):
    errors = []

    def run():
        try:
            target(*args)
        except BaseException as exc:  # reported by the test, not lost in the thread
            errors.append(exc)
        finally:
            connection.close()  # this thread's own connection

    thread = threading.Thread(target=run)
    thread.start()
    return thread, errors


def test_the_second_claim_waits_for_the_first_and_gets_a_conflict(quote):
    first = UserFactory(email="camille@eldo.test", first_name="Camille", advisor=True)
    second = UserFactory(email="hugo@eldo.test", first_name="Hugo", advisor=True)
    first_updated = threading.Event()
    outcome = {}

    def slow_first_claim():
        # The first advisor's transaction stays open after its UPDATE: the row is locked.
        with transaction.atomic():
            services.quote_claim(quote_id=quote.pk, actor=first)
            first_updated.set()
            wait_for_lock_waiter()  # the second claim now waits for the row

    def second_claim():
        first_updated.wait(10)
        try:
            services.quote_claim(quote_id=quote.pk, actor=second)
            outcome["second"] = "claimed"
        except services.QuoteConflict as exc:
            outcome["second"] = exc.message

    t1, errors1 = _in_thread(slow_first_claim)
    t2, errors2 = _in_thread(second_claim)
    t1.join(20)
    t2.join(20)

    assert errors1 == errors2 == []
    assert "Camille" in outcome["second"]
    quote.refresh_from_db()
    assert (quote.status, quote.assigned_to_id) == ("in_qualification", first.pk)
    assert QuoteTransition.objects.filter(quote=quote).count() == 1


def test_many_advisors_claiming_through_the_api_at_once_one_gets_200_the_others_409(quote):
    advisors = [UserFactory(email=f"conseiller{n}@eldo.test", advisor=True) for n in range(6)]
    start = threading.Barrier(len(advisors))
    codes: dict[int, int] = {}

    def claim(advisor):
        client = APIClient()
        client.force_authenticate(advisor)
        start.wait(10)
        codes[advisor.pk] = client.post(f"/api/v1/quotes/{quote.reference}/claim/").status_code

    threads = [_in_thread(claim, advisor) for advisor in advisors]
    for thread, _errors in threads:
        thread.join(30)

    assert [e for _t, errors in threads for e in errors] == []
    assert sorted(codes.values()) == [200] + [409] * (len(advisors) - 1)
    winner = next(pk for pk, code in codes.items() if code == 200)
    quote.refresh_from_db()
    assert quote.assigned_to_id == winner
    assert QuoteTransition.objects.filter(quote=quote).count() == 1
