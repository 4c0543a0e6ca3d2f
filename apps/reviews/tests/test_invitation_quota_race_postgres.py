"""Two members of one company inviting at the same moment, on PostgreSQL with one
connection each: the daily quota holds (the organization's policy row is locked while it
invites). Runs in CI's services pass (DATABASE_URL, REDIS_URL); skipped otherwise."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from apps.accounts.tests.factories import OrganizationFactory
from apps.reviews import invitations
from apps.reviews.models import ReviewInvitation
from tests.waiting import wait_for_lock_waiter

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def _invite(organization_id: int, email: str):
    return invitations.review_request_create(
        pro_id=4242,
        organization_id=organization_id,
        created_by_id=None,
        customer_name="Jeanne Client",
        customer_email=email,
        work_description="Ravalement de façade",
        work_date=timezone.localdate() - timedelta(days=10),
    )


def test_two_simultaneous_invitations_never_pass_a_quota_of_one(settings):
    if connection.vendor != "postgresql":
        pytest.skip("the race is meaningful on PostgreSQL only (row locks, READ COMMITTED)")
    settings.REVIEWS_INVITATIONS_DAILY_QUOTA = 1
    organization = OrganizationFactory()
    first_in = threading.Event()
    outcome: dict[str, object] = {}

    def slow_first():
        try:
            with transaction.atomic():
                _invite(organization.pk, "premier@exemple.fr")
                first_in.set()
                wait_for_lock_waiter()  # the second invitation waits for the policy row
            outcome["first"] = "created"
        finally:
            connection.close()

    def second():
        first_in.wait(10)
        try:
            _invite(organization.pk, "second@exemple.fr")
            outcome["second"] = "created"
        except invitations.InvitationLimit as exc:
            outcome["second"] = exc.code
        finally:
            connection.close()

    threads = [threading.Thread(target=slow_first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)

    assert outcome == {"first": "created", "second": "quota"}
    assert ReviewInvitation.objects.filter(organization_id=organization.pk).count() == 1
