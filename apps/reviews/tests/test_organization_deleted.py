"""An organization deleted in accounts: reviews removes what belonged to it (invitations,
replies, invitation settings, scheduled invitations, digests) and detaches it from
reports; the reviews of its pro stay, and so does everything of other organizations."""

from __future__ import annotations

import pytest
from django.utils import timezone

from apps.accounts.events import OrganizationDeleted
from apps.core.events import publish
from apps.reviews.models import (
    DigestSent,
    InvitationPolicy,
    InvitationTiming,
    Review,
    ReviewInvitation,
    ReviewReply,
    ReviewReport,
    ScheduledInvitation,
)
from apps.reviews.tests.support import invite, submit_invited

pytestmark = pytest.mark.django_db


def _settings_rows(organization_id: int, *, lead_id: int) -> None:
    now = timezone.now()
    # Inviting may have created the policy row already.
    InvitationPolicy.objects.update_or_create(
        organization_id=organization_id, defaults={"daily_quota": 80}
    )
    InvitationTiming.objects.update_or_create(
        organization_id=organization_id, defaults={"days_after_won": 10}
    )
    ScheduledInvitation.objects.create(
        lead_id=lead_id,
        pro_id=1,
        organization_id=organization_id,
        customer_name="Jeanne Client",
        customer_email="jeanne@exemple.fr",
        work_description="Ravalement",
        won_at=now,
        due_at=now,
    )
    DigestSent.objects.create(organization_id=organization_id, week="2026-W49")


def _deleted(organization_id: int) -> OrganizationDeleted:
    return OrganizationDeleted(
        organization_id=organization_id, kind="company", deleted_at=timezone.now().isoformat()
    )


def test_its_rows_go_its_reports_are_detached_and_its_pro_s_reviews_stay(
    pro, other_pro, owner, other_owner, api, as_user, committed
):
    organization_id, other_id = pro.organization_id, other_pro.organization_id
    review = submit_invited(pro, email="jeanne@exemple.fr")
    invite(other_pro, email="marc@exemple.fr")
    with committed():
        reply = as_user(owner).post(
            f"/api/v1/reviews/{review.pk}/reply/", {"body": "Merci beaucoup !"}, format="json"
        )
        assert reply.status_code == 201, reply.content
        for member in (owner, other_owner):
            report = as_user(member).post(
                f"/api/v1/reviews/{review.pk}/report/",
                {"reason": "abusive", "details": "Propos injurieux"},
                format="json",
            )
            assert report.status_code in (200, 201), report.content
    _settings_rows(organization_id, lead_id=1)
    _settings_rows(other_id, lead_id=2)
    listed = api.get(f"/api/v1/pros/{pro.slug}/reviews/").json()["results"]
    assert listed[0]["reply"]["body"] == "Merci beaucoup !"

    with committed():
        publish(_deleted(organization_id))

    # The directory deletes the company's profile (its own handler): the page is gone, the
    # review rows stay, without the organization's reply.
    assert list(Review.objects.filter(pro_id=pro.id).values_list("pk", flat=True)) == [review.pk]
    assert Review.objects.get(pk=review.pk).invitation_id is None
    assert not ReviewReply.objects.exists()
    for model in (ReviewInvitation, InvitationPolicy, InvitationTiming, ScheduledInvitation):
        assert list(model.objects.values_list("organization_id", flat=True)) == [other_id]
    assert list(DigestSent.objects.values_list("organization_id", flat=True)) == [other_id]
    reports = ReviewReport.objects.order_by("pk")
    assert [(r.reporter_id, r.organization_id, r.reporter_organization_id) for r in reports] == [
        (owner.pk, None, None),
        (other_owner.pk, None, other_id),
    ]

    with committed():  # told again: nothing left to do, nothing else touched
        publish(_deleted(organization_id))
    assert InvitationPolicy.objects.get().organization_id == other_id
