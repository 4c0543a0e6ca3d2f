"""The staff admin shows reviews, invitations, replies and the read-only audit log."""

import pytest

from apps.reviews.models import ModerationDecision, Review, ReviewInvitation
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
