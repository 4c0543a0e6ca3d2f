"""The reviews context against real services (CI's services pass): concurrent
publications on PostgreSQL, and the invitation e-mail sent by a real Celery worker after
commit, including while the broker is down."""

from __future__ import annotations

import threading
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from apps.core.models import OutboxEvent
from apps.reviews import aggregates
from apps.reviews.aggregates import pro_aggregates_refresh
from apps.reviews.models import ProReviewStats, Review, ReviewInvitation
from apps.reviews.tests.support import invite, submit_invited
from tests.waiting import wait_for, wait_for_lock_waiter

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def worker_env() -> dict:
    """The worker sends invitations at any hour (the sending hours have their own tests)."""
    return {"REVIEWS_SEND_HOUR_START": "0", "REVIEWS_SEND_HOUR_END": "0"}


@pytest.fixture
def pro(transactional_db):
    """Haute-Garonne and the trades (the database is flushed after each test), one pro."""
    from apps.directory.services import categories_sync
    from apps.directory.tests.factories import make_pro

    call_command("load_geography", departments="31", stdout=StringIO())
    categories_sync()
    return make_pro("Façades Concurrentes", departments=("31",))


def test_two_concurrent_publications_keep_count_and_average_right(pro, monkeypatch):
    """T1 reads the rows and stalls; T2 publishes and refreshes meanwhile. Without the row
    lock, T2 would store 2 reviews and T1 would then overwrite them with its stale 1."""
    assert connection.vendor == "postgresql"
    submit_invited(pro, email="t1@exemple.fr", rating=5)
    second = submit_invited(
        pro, email="t2@exemple.fr", rating=2, body="Déçu : retards et finitions à reprendre."
    )
    Review.objects.filter(pk=second.pk).update(status="pending", published_at=None)
    pro_aggregates_refresh(pro_id=pro.id)  # the first publication was handled: 1 review
    # Reviews' own aggregates (the directory gets them later, by ProRatingChanged).
    assert ProReviewStats.objects.get(pro_id=pro.id).count == 1

    t1_has_read, t2_started = threading.Event(), threading.Event()
    real_compute = aggregates._compute

    def slow_compute(pro_ids, *, today):
        result = real_compute(pro_ids, today=today)
        if threading.current_thread().name == "t1":
            t1_has_read.set()
            t2_started.wait(5)
            wait_for_lock_waiter()  # T2 is now waiting for the pro's row lock
        return result

    monkeypatch.setattr(aggregates, "_compute", slow_compute)
    errors: list[Exception] = []

    def run(name, work):
        def target():
            try:
                work()
            except Exception as exc:
                errors.append(exc)
            finally:
                connection.close()

        return threading.Thread(target=target, name=name)

    def t2_work():
        t1_has_read.wait(5)
        Review.objects.filter(pk=second.pk).update(status="published", published_at=timezone.now())
        t2_started.set()
        pro_aggregates_refresh(pro_id=pro.id)

    threads = [run("t1", lambda: pro_aggregates_refresh(pro_id=pro.id)), run("t2", t2_work)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert not errors
    stats = ProReviewStats.objects.get(pro_id=pro.id)
    assert (stats.count, stats.average) == (2, 3.5)


def test_the_invitation_email_is_sent_by_the_worker_even_after_a_broker_outage(
    pro, broker_and_worker
):
    redis, mail_dir = broker_and_worker

    redis.stop()  # the pro invites a customer while the broker is unreachable
    invitation, _token = invite(pro, email="jeanne@exemple.fr")
    event = OutboxEvent.objects.get(name="reviews.ReviewRequestCreated")
    assert event.delivered_at is None
    assert list(mail_dir.iterdir()) == []

    redis.start()
    from apps.core.tasks import outbox_sweep

    def swept() -> bool:
        try:
            outbox_sweep.delay()
        except Exception:
            return False
        return wait_for(lambda: any(mail_dir.iterdir()), timeout=3)

    assert wait_for(swept, timeout=60), "the worker never sent the invitation"
    body = next(mail_dir.iterdir()).read_text()
    assert "jeanne@exemple.fr" in body
    assert "/avis/invitation/" in body
    assert wait_for(
        lambda: ReviewInvitation.objects.filter(pk=invitation.pk, sent_at__isnull=False).exists(),
        timeout=10,
    )


def test_reminders_are_sent_by_the_worker(pro, broker_and_worker):
    _redis, mail_dir = broker_and_worker
    invitation, _token = invite(pro, email="relance@exemple.fr")
    assert wait_for(lambda: any(mail_dir.iterdir()), timeout=30)
    moment = timezone.now() - timedelta(days=8)
    ReviewInvitation.objects.filter(pk=invitation.pk).update(sent_at=moment, created_at=moment)

    from apps.reviews.tasks import invitation_reminders_send

    invitation_reminders_send.delay()
    assert wait_for(lambda: len(list(mail_dir.iterdir())) >= 2, timeout=30)
    assert ReviewInvitation.objects.get(pk=invitation.pk).reminders_sent == 1
