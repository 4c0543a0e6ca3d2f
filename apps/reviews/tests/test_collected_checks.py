"""Reviews collected by the pro (its own invitations): the first 10 and a sample of the
next ones are read by a moderator, and anomaly checks hold the suspicious ones."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.accounts.models import SignIn
from apps.accounts.tests.factories import PASSWORD
from apps.reviews import services
from apps.reviews.checks import mailbox, sampled
from apps.reviews.invitations import invitation_token
from apps.reviews.models import InvitationSource, Review, ReviewInvitation
from apps.reviews.tests.support import invite, review_payload, work_date

pytestmark = pytest.mark.django_db

SUBMIT = "/api/v1/reviews/"


def _write(pro, email, *, rating=5, sent_ago=timedelta(hours=2), ip=None, device="", **extra):
    """A review collected through the pro's invitation, sent ``sent_ago``."""
    invitation, token = invite(pro, email=email, **extra)
    ReviewInvitation.objects.filter(pk=invitation.pk).update(
        sent_at=timezone.now() - sent_ago, created_at=timezone.now() - sent_ago
    )
    data = review_payload(rating=rating, body=f"Travail soigné et équipe ponctuelle ({email}).")
    data.pop("author_email")
    data["work_date"] = timezone.localdate() - timedelta(days=30)
    return services.review_submit(
        invitation_token=token, author_ip=ip, author_device=device, **data
    )


@pytest.fixture
def no_first_ten(settings):
    settings.REVIEWS_COLLECTED_FIRST_MODERATED = 0
    settings.REVIEWS_COLLECTED_SAMPLE_PERCENT = 0


# --- The exploit, end to end ---------------------------------------------------------------


def test_a_sales_rep_reviewing_its_own_company_is_held_not_published(
    client, api, sales_rep, pro, committed
):
    # The rep signs in on the site (address and browser recorded), invites an address it
    # controls, opens the link in the same browser and gives 5 stars right away.
    response = client.post(
        "/connexion/",
        {"username": sales_rep.email, "password": PASSWORD},
        REMOTE_ADDR="203.0.113.9",
    )
    assert response.status_code == 302
    assert SignIn.objects.filter(user=sales_rep, ip="203.0.113.9").exists()
    with committed():
        created = client.post(
            "/api/v1/review-requests/",
            {
                "customer_name": "Client Fictif",
                "customer_email": "moi-meme@boite-perso.fr",
                "work_description": "Ravalement de façade",
                "work_date": work_date(20),
            },
            content_type="application/json",
        )
    assert created.status_code == 201, created.content
    token = invitation_token(ReviewInvitation.objects.get(pk=created.json()["id"]))
    data = review_payload(invitation_token=token, rating=5)
    del data["author_email"]
    with committed():
        posted = client.post(
            SUBMIT, data, content_type="application/json", REMOTE_ADDR="198.51.100.4"
        )

    assert posted.status_code == 201, posted.content
    assert posted.json()["status"] == "pending"
    assert posted.json()["is_verified"] is False
    review = Review.objects.get(pk=posted.json()["id"])
    assert {"collected_first", "quick_answer", "member_sign_in"} <= set(review.check_flags)
    assert api.get(f"/api/v1/pros/{pro.slug}/reviews/").json()["count"] == 0


# --- Sampled moderation ---------------------------------------------------------------------


def test_a_pros_first_ten_collected_reviews_all_go_to_moderation(pro, settings):
    settings.REVIEWS_COLLECTED_SAMPLE_PERCENT = 0
    first_ten = [_write(pro, f"client{i}@orange.fr", rating=4) for i in range(10)]
    assert {r.status for r in first_ten} == {"pending"}
    assert all("collected_first" in r.check_flags for r in first_ten)
    eleventh = _write(pro, "client10@orange.fr", rating=4)
    assert eleventh.status == "published"
    assert eleventh.check_flags == []


def test_a_sample_of_the_next_ones_goes_to_moderation(pro, settings):
    settings.REVIEWS_COLLECTED_FIRST_MODERATED = 0
    settings.REVIEWS_COLLECTED_SAMPLE_PERCENT = 100
    held = _write(pro, "a@orange.fr")
    assert held.status == "pending" and held.check_flags == ["collected_sample"]
    settings.REVIEWS_COLLECTED_SAMPLE_PERCENT = 0
    assert _write(pro, "b@orange.fr").status == "published"


def test_the_draw_is_deterministic_and_near_the_setting(settings):
    settings.SECRET_KEY = "une-cle-de-test-fixe"
    keys = [f"{i}:{i * 7919:032x}" for i in range(2000)]
    draws = [sampled(key, 20) for key in keys]
    assert draws == [sampled(key, 20) for key in keys]  # same key, same draw
    assert 0.17 < sum(draws) / len(draws) < 0.23
    assert not any(sampled(key, 0) for key in keys[:100])
    assert all(sampled(key, 100) for key in keys[:100])
    settings.SECRET_KEY = "une-autre-cle"
    assert [sampled(key, 20) for key in keys] != draws  # unpredictable without the key


def test_reviews_eldo_invited_are_not_sampled(pro, settings):
    settings.REVIEWS_COLLECTED_SAMPLE_PERCENT = 100
    review = _write(pro, "eldo@orange.fr", source=InvitationSource.ELDO, sent_ago=timedelta(0))
    assert review.label == "verified" and review.status == "published"


# --- Anomaly checks ---------------------------------------------------------------------------


def test_a_burst_of_five_star_reviews_is_held(pro, no_first_ten):
    reviews = [_write(pro, f"fan{i}@orange.fr") for i in range(5)]
    assert [r.status for r in reviews[:4]] == ["published"] * 4
    assert reviews[4].status == "pending"
    assert "five_star_burst" in reviews[4].check_flags
    # A 4-star review is no part of a five-star burst.
    assert "five_star_burst" not in _write(pro, "calme@orange.fr", rating=4).check_flags


def test_a_pro_with_a_steady_history_is_not_a_burst(pro, no_first_ten):
    old = timezone.now() - timedelta(days=30)
    for i in range(30):  # 30 five-star reviews over the 3 months before: ~2.3 a week
        review = _write(pro, f"ancien{i}@orange.fr")
        Review.objects.filter(pk=review.pk).update(created_at=old - timedelta(days=2 * i))
    reviews = [_write(pro, f"nouveau{i}@orange.fr") for i in range(5)]
    assert all("five_star_burst" not in r.check_flags for r in reviews)


def test_recipients_on_one_domain_or_one_mailbox_are_held(pro, no_first_ten):
    assert _write(pro, "a@famille-martin.fr", rating=4).status == "published"
    assert _write(pro, "b@famille-martin.fr", rating=4).status == "published"
    third = _write(pro, "c@famille-martin.fr", rating=4)
    assert "recipients_repeat" in third.check_flags
    # Webmail domains repeat naturally; one mailbox under two spellings does not.
    assert _write(pro, "jeanne.dupuis@gmail.com", rating=4).status == "published"
    assert _write(pro, "luc@gmail.com", rating=4).status == "published"
    twin = _write(pro, "jeannedupuis+avis@gmail.com", rating=4)
    assert "recipients_repeat" in twin.check_flags
    assert mailbox("Jeanne.Dupuis+x@googlemail.com") == "jeannedupuis@gmail.com"


def test_an_invitation_answered_within_minutes_is_held(pro, no_first_ten):
    quick = _write(pro, "vite@orange.fr", rating=4, sent_ago=timedelta(minutes=3))
    assert quick.status == "pending" and "quick_answer" in quick.check_flags
    calm = _write(pro, "calme@orange.fr", rating=4, sent_ago=timedelta(hours=1))
    assert calm.status == "published"


def test_the_address_or_browser_of_a_members_sign_in_is_held(pro, sales_rep, no_first_ten):
    SignIn.objects.create(user=sales_rep, ip="192.0.2.44", device_hash="d" * 64)
    by_ip = _write(pro, "ip@orange.fr", rating=4, ip="192.0.2.44")
    assert "member_sign_in" in by_ip.check_flags and by_ip.status == "pending"
    by_device = _write(pro, "device@orange.fr", rating=4, ip="198.51.100.1", device="d" * 64)
    assert "member_sign_in" in by_device.check_flags
    stranger = _write(pro, "client@orange.fr", rating=4, ip="198.51.100.2", device="e" * 64)
    assert stranger.status == "published"


def test_an_old_sign_in_no_longer_counts(pro, sales_rep, no_first_ten):
    SignIn.objects.create(
        user=sales_rep, ip="192.0.2.45", created_at=timezone.now() - timedelta(days=120)
    )
    assert _write(pro, "ip@orange.fr", rating=4, ip="192.0.2.45").status == "published"


def test_the_moderation_queue_shows_why_a_collected_review_waits(pro, as_user, moderator):
    _write(pro, "vite@orange.fr", sent_ago=timedelta(minutes=1))
    (listed,) = as_user(moderator).get("/api/v1/moderation/reviews/").json()["results"]
    labels = {check["code"]: check["label"] for check in listed["checks"]}
    assert labels["quick_answer"] == "Invitation remplie quelques minutes après son envoi"
    assert "collected_first" in labels


def test_a_moderation_decision_holds_every_check_at_once():
    """A held review's decision records its checks joined by commas: PostgreSQL refuses a
    longer value (SQLite does not), so the column must hold all of them at once."""
    from apps.reviews.models import ModerationDecision
    from apps.reviews.rules import CHECK_LABELS

    limit = ModerationDecision._meta.get_field("reason").max_length
    assert len(",".join(CHECK_LABELS)) <= limit
