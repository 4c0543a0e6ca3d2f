"""The staff audit log: entries recorded through accounts.api, a page only staff can see
(everyone else gets a 404), filters, read-only in the admin, and its retention."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from apps.accounts import api
from apps.accounts.models import AuditEntry
from apps.accounts.services import retention_purge
from apps.accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

URL = "/eldo/journal/"


@pytest.fixture
def staff():
    return UserFactory(
        email="alice@eldo.test",
        first_name="Alice",
        last_name="Martin",
        is_superuser=True,
        is_staff=True,
    )


@pytest.fixture
def moderator():
    return UserFactory(
        email="mathieu@eldo.test", first_name="Mathieu", last_name="Roux", moderator=True
    )


@pytest.fixture
def entries(advisor, moderator):
    now = timezone.now()
    api.audit_record(
        actor_id=advisor.pk,
        action="quotes.claim",
        summary="Prise en charge de la demande ELD-2026-000042",
        target_type="quote",
        target_ref="ELD-2026-000042",
        occurred_at=(now - timedelta(days=3)).isoformat(),
    )
    api.audit_record(
        actor_id=moderator.pk,
        action="reviews.reject",
        summary="Avis n° 7 refusé — motif : abusive",
        target_type="review",
        target_ref="7",
        occurred_at=now.isoformat(),
        details={"reason": "abusive"},
    )


def _as(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def test_staff_reads_every_action_newest_first(staff, entries):
    response = _as(staff).get(URL)

    assert response.status_code == 200
    html = response.content.decode()
    assert html.index("Avis n° 7 refusé") < html.index("ELD-2026-000042")
    assert "Mathieu Roux" in html
    assert "Avis refusé par un modérateur" in html


@pytest.mark.parametrize("who", ["anonymous", "homeowner", "advisor", "moderator", "pro"])
def test_nobody_else_even_sees_that_the_log_exists(
    who, entries, user, advisor, moderator, pro_owner
):
    people = {
        "anonymous": None,
        "homeowner": user,
        "advisor": advisor,
        "moderator": moderator,
        "pro": pro_owner,
    }

    response = _as(people[who]).get(URL)

    assert response.status_code == 404
    assert "ELD-2026-000042" not in response.content.decode()


def test_filters_by_actor_action_and_date(staff, entries, advisor, moderator):
    client = _as(staff)
    today = timezone.localdate()

    by_actor = client.get(URL, {"actor": advisor.pk}).content.decode()
    by_action = client.get(URL, {"action": "reviews.reject"}).content.decode()
    by_date = client.get(URL, {"date_from": today.isoformat()}).content.decode()
    nothing = client.get(URL, {"date_to": (today - timedelta(days=10)).isoformat()})

    assert "ELD-2026-000042" in by_actor and "Avis n° 7" not in by_actor
    assert "Avis n° 7" in by_action and "ELD-2026-000042" not in by_action
    assert "Avis n° 7" in by_date and "ELD-2026-000042" not in by_date
    assert "Aucune action" in nothing.content.decode()


def test_a_bad_filter_is_ignored_not_a_crash(staff, entries):
    response = _as(staff).get(URL, {"actor": "abc", "date_from": "hier", "page": "x"})

    assert response.status_code == 200


def test_the_page_costs_a_bounded_number_of_queries(staff, advisor, django_assert_max_num_queries):
    for n in range(60):
        api.audit_record(
            actor_id=advisor.pk,
            action="quotes.call",
            summary=f"Appel noté {n}",
            target_type="quote",
            target_ref=f"ELD-2026-{n:06d}",
            occurred_at=timezone.now().isoformat(),
        )
    client = _as(staff)
    with django_assert_max_num_queries(10):
        assert client.get(URL).status_code == 200


def test_the_admin_shows_the_log_read_only(staff, entries):
    client = _as(staff)
    entry = AuditEntry.objects.first()

    assert client.get("/admin/accounts/auditentry/").status_code == 200
    assert client.get("/admin/accounts/auditentry/add/").status_code == 403
    client.post(f"/admin/accounts/auditentry/{entry.pk}/delete/", {"post": "yes"})
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_retention_drops_only_entries_past_the_period(settings, advisor):
    settings.AUDIT_LOG_RETENTION_DAYS = 30
    now = timezone.now()
    for days, ref in ((31, "old"), (29, "recent")):
        api.audit_record(
            actor_id=advisor.pk,
            action="quotes.claim",
            summary=ref,
            target_type="quote",
            target_ref=ref,
            occurred_at=(now - timedelta(days=days)).isoformat(),
        )

    result = retention_purge(now=now)

    assert result["audit_entries"] == 1
    assert list(AuditEntry.objects.values_list("target_ref", flat=True)) == ["recent"]
