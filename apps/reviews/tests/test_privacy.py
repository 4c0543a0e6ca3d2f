"""GDPR and accountability in the reviews context: moderators' decisions in the staff
audit log; an erased author's reviews stay online under an anonymous name; invitations
and IP addresses are not kept past their period."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from apps.accounts.events import UserErased
from apps.core.events import publish
from apps.core.privacy import email_digest
from apps.reviews.invitations import InvitationError, invitation_for_token
from apps.reviews.models import Review, ReviewInvitation, ReviewStatus
from apps.reviews.privacy import retention_purge
from apps.reviews.tests.support import invite, submit_invited

pytestmark = pytest.mark.django_db


def _journal(staff) -> str:
    client = Client()
    client.force_login(staff)
    return client.get("/eldo/journal/").content.decode()


def test_moderator_decisions_and_disputes_are_in_the_audit_log(
    pro, moderator, staff, homeowner, as_user, committed
):
    disputed = submit_invited(pro, email="jeanne@exemple.fr")
    rejected = submit_invited(pro, email="marc@exemple.fr")
    with committed():
        report = as_user(homeowner).post(
            f"/api/v1/reviews/{disputed.pk}/report/",
            {"reason": "abusive", "details": "Propos injurieux"},
            format="json",
        )
        assert report.status_code in (200, 201), report.content
        client = as_user(moderator)
        for review, decision, reason in (
            (disputed, "publish", "report_unfounded"),
            (rejected, "reject", "off_topic"),
        ):
            response = client.post(
                f"/api/v1/moderation/reviews/{review.pk}/decision/",
                {"decision": decision, "reason": reason},
                format="json",
            )
            assert response.status_code == 200, response.content

    html = _journal(staff)

    assert f"Avis n° {disputed.pk} publié (litige tranché) — motif : report_unfounded" in html
    assert f"Avis n° {rejected.pk} refusé — motif : off_topic" in html
    assert f"{moderator.first_name} {moderator.last_name}" in html


def test_an_erased_author_s_reviews_stay_online_anonymously(pro, api, committed):
    with committed():
        mine = submit_invited(pro, email="luce@exemple.fr", title="Enduit parfait")
        theirs = submit_invited(
            pro,
            email="marc@exemple.fr",
            title="Très bon travail",
            body="Équipe ponctuelle et soigneuse, le ravalement est superbe, je recommande.",
        )
        # Invited again months later (one invitation per customer every 90 days).
        ReviewInvitation.objects.filter(pk=mine.invitation_id).update(
            created_at=timezone.now() - timedelta(days=120)
        )
        invitation, token = invite(pro, email="luce@exemple.fr", name="Luce Moreau")

    with committed():
        publish(
            UserErased(user_id=123456, email_sha256=email_digest("Luce@exemple.fr"), erased_at="")
        )

    page = api.get(f"/api/v1/pros/{pro.slug}/reviews/").json()["results"]
    shown = {r["title"]: r["author_name"] for r in page}
    assert shown == {"Enduit parfait": "Ancien utilisateur", "Très bon travail": "Philippe"}
    mine.refresh_from_db()
    assert mine.status == ReviewStatus.PUBLISHED
    assert (mine.author_email, mine.author_ip, mine.author_user_id) == ("", None, None)
    assert Review.objects.get(pk=theirs.pk).author_email == "marc@exemple.fr"
    invitation.refresh_from_db()
    assert (invitation.customer_name, invitation.customer_email) == ("", "")
    with pytest.raises(InvitationError):  # the link e-mailed to her no longer works
        invitation_for_token(token)


def test_no_mail_goes_to_an_erased_author(pro, moderator, as_user, committed, mailoutbox):
    review = submit_invited(pro, email="luce@exemple.fr")
    with committed():
        publish(
            UserErased(user_id=123456, email_sha256=email_digest("luce@exemple.fr"), erased_at="")
        )
    mailoutbox.clear()

    with committed():
        response = as_user(moderator).post(
            f"/api/v1/moderation/reviews/{review.pk}/decision/",
            {"decision": "reject", "reason": "off_topic"},
            format="json",
        )

    assert response.status_code == 200
    assert mailoutbox == []


def test_retention_forgets_old_invitations_and_ip_addresses(pro, settings):
    settings.REVIEWS_INVITATION_RETENTION_DAYS = 365
    settings.REVIEWS_IP_RETENTION_DAYS = 365
    old_invitation, _token = invite(pro, email="ancien@exemple.fr")
    recent_invitation, _token = invite(pro, email="recent@exemple.fr")
    old_review = submit_invited(pro, email="a@exemple.fr")
    recent_review = submit_invited(pro, email="b@exemple.fr")
    long_ago = timezone.now() - timedelta(days=400)
    ReviewInvitation.objects.filter(pk=old_invitation.pk).update(created_at=long_ago)
    Review.objects.filter(pk__in=[old_review.pk, recent_review.pk]).update(author_ip="192.0.2.7")
    Review.objects.filter(pk=old_review.pk).update(created_at=long_ago)

    assert retention_purge() == {"invitations": 1, "review_ips": 1}

    old_invitation.refresh_from_db()
    assert (old_invitation.customer_name, old_invitation.customer_email) == ("", "")
    assert ReviewInvitation.objects.get(pk=recent_invitation.pk).customer_email == (
        "recent@exemple.fr"
    )
    assert Review.objects.get(pk=old_review.pk).author_ip is None
    assert Review.objects.get(pk=recent_review.pk).author_ip == "192.0.2.7"
    assert retention_purge() == {"invitations": 0, "review_ips": 0}  # idempotent


def test_the_export_counts_the_photos_still_being_prepared(pro):
    """A review's photos are published once re-encoded (apps.reviews.photos): until then
    the export says how many were received, so none seems lost."""
    from apps.reviews.models import PendingReviewPhoto
    from apps.reviews.privacy import export_for
    from apps.reviews.tests.factories import ReviewFactory

    review = ReviewFactory(pro_id=pro.pk, author_email="luce@exemple.fr")
    PendingReviewPhoto.objects.create(review=review, file_name="a.jpg", position=0)
    PendingReviewPhoto.objects.create(review=review, file_name="b.jpg", position=1)
    exported = export_for(user_id=0, email="luce@exemple.fr")["reviews"]
    assert [(r["id"], r["photos"], r["photos_pending"]) for r in exported] == [(review.pk, [], 2)]
