"""Eldo's automatic invitation after a won lead, from the reviews side: the pro's delays
(page and service), the date computed from the end of the works, GDPR erasure. The leads
side (a lead marked won schedules it) is in apps/leads/tests/test_won_review_invitation.py."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from apps.accounts.tests.factories import PASSWORD
from apps.core.privacy import email_digest
from apps.reviews import api, automatic
from apps.reviews.models import InvitationTiming, ReviewInvitation, ScheduledInvitation
from apps.reviews.privacy import reviews_erase_author

pytestmark = pytest.mark.django_db

PAGE = "/espace-pro/invitations/delais/"


def _schedule(pro, *, lead_id=1, work_end_date=None, won_at=None):
    api.eldo_review_invitation_schedule(
        lead_id=lead_id,
        pro_id=pro.id,
        organization_id=pro.organization_id,
        customer_name="Jeanne Dupuis",
        customer_email="Jeanne@Exemple.fr",
        work_description="Ravalement de façade",
        won_at=won_at or timezone.now(),
        work_end_date=work_end_date,
    )
    return ScheduledInvitation.objects.get(lead_id=lead_id)


def test_with_an_end_of_works_date_the_default_is_three_days_after_it(pro):
    end = timezone.localdate() + timedelta(days=10)
    scheduled = _schedule(pro, work_end_date=end)
    assert timezone.localtime(scheduled.due_at).date() == end + timedelta(days=3)
    assert scheduled.customer_email == "jeanne@exemple.fr"


def test_scheduling_twice_for_a_lead_keeps_one_row(pro):
    first = _schedule(pro, won_at=timezone.now())
    again = _schedule(pro, won_at=timezone.now() + timedelta(days=3))
    assert again.pk == first.pk and again.due_at == first.due_at
    assert ScheduledInvitation.objects.count() == 1


def test_the_invitation_leaves_with_the_date_of_the_works_and_is_verified(pro, committed):
    end = date(2026, 3, 2)
    won_at = timezone.make_aware(datetime(2026, 3, 1, 12))
    scheduled = _schedule(pro, work_end_date=end, won_at=won_at)
    now = scheduled.due_at + timedelta(minutes=5)
    with committed():
        assert automatic.scheduled_invitations_send(now=now) == 1
    invitation = ReviewInvitation.objects.get()
    assert (invitation.source, invitation.work_date, invitation.lead_id) == ("eldo", end, 1)


def test_an_opted_out_customer_is_skipped_with_the_reason(pro):
    from apps.reviews.models import ReviewOptOut
    from apps.reviews.rules import email_hash

    ReviewOptOut.objects.create(pro_id=pro.id, email_hash=email_hash("jeanne@exemple.fr"))
    scheduled = _schedule(pro)
    assert automatic.scheduled_invitations_send(now=scheduled.due_at) == 0
    scheduled.refresh_from_db()
    assert scheduled.processed_at and "ne plus recevoir" in scheduled.skipped_reason
    assert not ReviewInvitation.objects.exists()


def test_delays_out_of_range_are_refused_in_french(pro):
    with pytest.raises(ValidationError) as exc:
        automatic.timing_update(
            organization_id=pro.organization_id, days_after_work_end=-1, days_after_won=91
        )
    assert set(exc.value.message_dict) == {"days_after_work_end", "days_after_won"}


def test_the_owner_sets_the_delays_on_the_page(client, owner, pro):
    client.login(username=owner.email, password=PASSWORD)
    page = client.get(PAGE)
    assert page.status_code == 200 and "Délai d'envoi" in page.content.decode()
    bad = client.post(PAGE, {"days_after_work_end": "abc", "days_after_won": "200"})
    assert bad.status_code == 400
    assert not InvitationTiming.objects.exists()
    assert client.post(PAGE, {"days_after_work_end": "1", "days_after_won": "7"}).status_code == 302
    timing = InvitationTiming.objects.get(organization_id=pro.organization_id)
    assert (timing.days_after_work_end, timing.days_after_won) == (1, 7)


def test_a_sales_rep_reads_the_delays_but_cannot_change_them(client, sales_rep, pro):
    client.login(username=sales_rep.email, password=PASSWORD)
    page = client.get(PAGE).content.decode()
    assert "3 jours après la fin des travaux, sinon 14 jours" in page
    response = client.post(PAGE, {"days_after_work_end": "0", "days_after_won": "0"})
    assert response.status_code == 404
    assert not InvitationTiming.objects.exists()


def test_gdpr_erasure_drops_the_waiting_invitation(pro):
    _schedule(pro)
    reviews_erase_author(user_id=None, email_sha256=email_digest("jeanne@exemple.fr"))
    assert not ScheduledInvitation.objects.exists()


def test_staff_see_the_delays_and_the_scheduled_invitations_in_the_admin(client, staff, pro):
    scheduled = _schedule(pro)
    automatic.timing_update(
        organization_id=pro.organization_id, days_after_work_end=2, days_after_won=10
    )
    client.force_login(staff)
    for url in (
        "/admin/reviews/invitationtiming/",
        "/admin/reviews/scheduledinvitation/",
        f"/admin/reviews/scheduledinvitation/{scheduled.pk}/change/",
    ):
        assert client.get(url).status_code == 200, url
    assert client.get("/admin/reviews/scheduledinvitation/add/").status_code == 403
