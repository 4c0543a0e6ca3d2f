"""The outbox against real services: a PostgreSQL test database, a Redis broker that goes
down and comes back, and a real Celery worker process (CI's services pass)."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from apps.core.models import OutboxEvent
from tests.integration.support import wait_until_worker_idle
from tests.waiting import wait_for

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def test_password_change_succeeds_with_the_broker_down_and_its_event_is_delivered_once_it_returns(
    broker_and_worker, django_user_model
):
    redis, mail_dir = broker_and_worker
    user = django_user_model.objects.create_user(
        email="hamlet@eldo.test", password="ancien-mot-2026"
    )
    client = APIClient()
    token = client.post(
        "/api/v1/auth/token/", {"email": user.email, "password": "ancien-mot-2026"}, format="json"
    ).json()["access"]
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")

    redis.stop()  # the broker is unreachable while the user changes their password
    response = client.post(
        "/api/v1/auth/password/",
        {"current_password": "ancien-mot-2026", "new_password": "nouveau-mot-2026!"},
        format="json",
    )
    assert response.status_code == 200, response.content
    event = OutboxEvent.objects.get(name="accounts.PasswordChanged")
    assert event.delivered_at is None
    assert list(mail_dir.iterdir()) == []

    redis.start()  # the broker is back: beat's periodic sweep reaches the real worker
    from apps.core.tasks import outbox_sweep

    def sweep_delivered() -> bool:
        try:
            outbox_sweep.delay()
        except Exception:
            return False  # worker or broker still reconnecting
        return wait_for(lambda: any(mail_dir.iterdir()), timeout=3)

    assert wait_for(sweep_delivered, timeout=60), "the worker never delivered the event"
    # The e-mail leaves inside the handler; the row is marked delivered just after it.
    assert wait_for(
        lambda: OutboxEvent.objects.filter(id=event.id, delivered_at__isnull=False).exists(),
        timeout=30,
    ), "the e-mail left but the event was never marked delivered"

    # Relaying again (sweep and a direct delivery task) sends nothing more.
    from apps.core.tasks import outbox_deliver

    outbox_sweep.delay()
    outbox_deliver.delay(str(event.id))
    wait_until_worker_idle(redis)  # both ran (and whatever they sent): nothing more left
    mails = list(mail_dir.iterdir())
    assert len(mails) == 1
    body = mails[0].read_text()
    assert "hamlet@eldo.test" in body
    assert "Votre mot de passe Eldo a" in body or "=?utf-8?" in body


def test_a_committed_event_reaches_the_real_worker_after_commit(
    broker_and_worker, django_user_model
):
    _redis, mail_dir = broker_and_worker
    from apps.accounts import services

    user = django_user_model.objects.create_user(
        email="ophelia@eldo.test", password="ancien-mot-2026"
    )
    services.user_change_password(
        user=user, current_password="ancien-mot-2026", new_password="nouveau-mot-2026!"
    )
    assert wait_for(lambda: any(mail_dir.iterdir()), timeout=30)
    # A password change publishes PasswordChanged and TokensRevoked: both are settled.
    assert wait_for(
        lambda: (
            set(
                OutboxEvent.objects.filter(delivered_at__isnull=False).values_list(
                    "name", flat=True
                )
            )
            == {"accounts.PasswordChanged", "accounts.TokensRevoked"}
        ),
        timeout=10,
    )
    assert not OutboxEvent.objects.filter(delivered_at__isnull=True).exists()
