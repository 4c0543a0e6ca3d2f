"""The staff admin shows reviews, invitations, replies and the read-only audit log."""

import pytest

from apps.reviews.models import InvitationPolicy, ModerationDecision, Review, ReviewInvitation
from apps.reviews.tests.support import submit_invited

pytestmark = pytest.mark.django_db


def test_admin_pages_render_and_the_audit_log_is_read_only(client, staff, pro):
    review = submit_invited(pro)
    client.force_login(staff)
    for url in (
        "/admin/reviews/review/",
        f"/admin/reviews/review/{review.pk}/change/",
        "/admin/reviews/reviewinvitation/",
        f"/admin/reviews/reviewinvitation/{ReviewInvitation.objects.get().pk}/change/",
        "/admin/reviews/reviewreply/",
        "/admin/reviews/moderationdecision/",
    ):
        assert client.get(url).status_code == 200, url
    decision = ModerationDecision.objects.get()
    assert client.get(f"/admin/reviews/moderationdecision/{decision.pk}/delete/").status_code == 403
    assert client.get("/admin/reviews/review/add/").status_code == 403
    response = client.get(
        f"/admin/reviews/reviewinvitation/{ReviewInvitation.objects.get().pk}/change/"
    )
    assert ReviewInvitation.objects.get().nonce not in response.content.decode()
    assert Review.objects.count() == 1


def test_staff_find_an_organization_s_invitation_rules_by_its_slug_or_id(client, staff, pro):
    InvitationPolicy.objects.create(organization_id=pro.organization_id, daily_quota=80)
    InvitationPolicy.objects.create(organization_id=987654, daily_quota=5)  # deleted since
    client.force_login(staff)
    url = "/admin/reviews/invitationpolicy/"

    listing = client.get(url).content.decode()
    assert "Façades du Midi" in listing and "organisation 987654 (supprimée)" in listing

    for term in ("facades-du-midi", str(pro.organization_id)):
        page = client.get(url, {"q": term}).content.decode()
        assert "Façades du Midi" in page and "987654" not in page, term
    unknown = client.get(url, {"q": "Façades !"})
    assert unknown.status_code == 200
    assert "Façades du Midi" not in unknown.content.decode()
