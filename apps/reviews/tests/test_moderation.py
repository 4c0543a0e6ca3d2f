"""Moderation: the automatic checks that hold a review, the queue, decisions with a reason,
the author's e-mail, the audit log; through the API and the moderators' pages."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from apps.directory import api as directory
from apps.reviews.models import InvitationSource, ModerationDecision, Review
from apps.reviews.tests.support import invite, review_payload, submit_invited

pytestmark = pytest.mark.django_db

QUEUE = "/api/v1/moderation/reviews/"


def _decide(client, review_id, decision, reason, **extra):
    return client.post(
        f"{QUEUE}{review_id}/decision/",
        {"decision": decision, "reason": reason, **extra},
        format="json",
    )


def _invited_post(api, pro, *, email, committed, **overrides):
    # Eldo's own invitation: these tests are about the checks every review goes through
    # (the extra ones of reviews the pro collected are in test_collected_checks.py).
    _invitation, token = invite(pro, email=email, source=InvitationSource.ELDO)
    address = f"198.51.100.{Review.objects.count() + 1}"  # one client address per review
    with committed():
        response = api.post(
            "/api/v1/reviews/",
            review_payload(invitation_token=token, **overrides),
            format="json",
            REMOTE_ADDR=address,
        )
    assert response.status_code == 201, response.content
    cache.clear()  # throttles
    return response.json()


# --- Automatic checks ------------------------------------------------------------------------


def test_a_clean_invited_review_goes_online_at_once(api, pro, committed):
    body = _invited_post(api, pro, email="jeanne@exemple.fr", committed=committed)
    assert body["status"] == "published"
    assert ModerationDecision.objects.get().action == "auto_publish"


@pytest.mark.parametrize(
    ("overrides", "flag"),
    [
        (
            {"body": "Travail de connard, chantier laissé en plan pendant trois semaines."},
            "abusive_wording",
        ),
        ({"title": "Des escrocs"}, "abusive_wording"),
    ],
)
def test_abusive_wording_holds_the_review(api, pro, committed, overrides, flag):
    body = _invited_post(api, pro, email="jeanne@exemple.fr", committed=committed, **overrides)
    assert body["status"] == "pending"
    assert Review.objects.get().check_flags == [flag]


def test_same_email_across_many_reviews_holds_the_third(api, pro, other_pro, committed):
    from apps.directory.tests.factories import make_pro

    third_pro = make_pro("Peintures du Lauragais", trades=("peinture",))
    statuses = [
        _invited_post(
            api, target, email="farm@exemple.fr", committed=committed, body=f"Avis numéro {n} " * 4
        )["status"]
        for n, target in enumerate([pro, other_pro, third_pro])
    ]
    assert statuses == ["published", "published", "pending"]
    assert Review.objects.get(status="pending").check_flags == ["same_email"]


def test_same_ip_across_many_reviews_holds_the_third(api, pro, committed):
    statuses = []
    for n in range(3):
        _invitation, token = invite(
            pro, email=f"voisin{n}@exemple.fr", source=InvitationSource.ELDO
        )
        with committed():
            response = api.post(
                "/api/v1/reviews/",
                review_payload(invitation_token=token, body=f"Texte différent {n} " * 4),
                format="json",
                REMOTE_ADDR="203.0.113.9",
            )
        statuses.append(response.json()["status"])
    assert statuses == ["published", "published", "pending"]
    assert Review.objects.get(status="pending").check_flags == ["same_ip"]


def test_duplicate_text_holds_the_copy(api, pro, committed):
    text = "Excellent travail, équipe très professionnelle, je recommande vivement !"
    first = _invited_post(api, pro, email="a@exemple.fr", committed=committed, body=text)
    copy = _invited_post(
        api, pro, email="b@exemple.fr", committed=committed, body=text.upper().replace(",", " ")
    )
    assert (first["status"], copy["status"]) == ("published", "pending")
    assert Review.objects.get(pk=copy["id"]).check_flags == ["duplicate_text"]


def test_an_email_of_the_pros_domain_is_held(api, pro, owner, committed):
    body = _invited_post(api, pro, email="cousin@facades-du-midi.fr", committed=committed)
    assert body["status"] == "pending"
    assert Review.objects.get().check_flags == ["pro_email_domain"]


def test_a_member_of_the_pros_organization_is_held(api, pro, as_user, owner, committed):
    with committed():
        response = as_user(owner).post(
            "/api/v1/reviews/",
            review_payload(pro=pro.slug, author_email="philippe.perso@gmail.com"),
            format="json",
        )
    assert response.status_code == 201
    assert Review.objects.get().check_flags == ["spontaneous", "pro_member"]


# --- Queue and decisions ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "status"),
    [("homeowner", 403), ("owner", 403), ("advisor", 403), ("moderator", 200), ("staff", 200)],
)
def test_only_moderators_and_staff_see_the_queue_and_decide(request, as_user, pro, who, status):
    review = submit_invited(pro, title="Des escrocs")  # held
    client = as_user(request.getfixturevalue(who))
    assert client.get(QUEUE).status_code == status
    decision = _decide(client, review.pk, "publish", "compliant")
    assert decision.status_code == (200 if status == 200 else 403)


def test_anonymous_is_asked_to_authenticate(api, pro):
    review = submit_invited(pro, title="Des escrocs")
    assert api.get(QUEUE).status_code == 401
    assert _decide(api, review.pk, "publish", "compliant").status_code == 401


def test_the_queue_shows_why_each_review_waits(as_user, moderator, pro):
    held = submit_invited(pro, title="Des escrocs")
    submit_invited(
        pro, email="ok@exemple.fr", body="Très bon travail, soigné et rapide, merci beaucoup !"
    )
    body = as_user(moderator).get(QUEUE).json()
    assert body["count"] == 1
    (row,) = body["results"]
    assert row["id"] == held.pk
    assert row["author_email"] == "client@exemple.fr"  # moderators see it, the public never
    assert row["checks"] == [
        {"code": "abusive_wording", "label": "Propos potentiellement injurieux ou menaçants"}
    ]
    assert row["pro"] == pro.slug


def test_publishing_puts_the_review_online_logs_it_and_tells_the_author(
    as_user, moderator, pro, committed, mailoutbox
):
    review = submit_invited(pro, title="Des escrocs ?")
    with committed():
        response = _decide(as_user(moderator), review.pk, "publish", "compliant", note="Ironique")
    assert response.status_code == 200
    assert response.json() == {"id": review.pk, "status": "published"}
    (mail,) = mailoutbox
    assert mail.subject == "Votre avis est en ligne sur Eldo"
    assert "respecte nos conditions de publication" in mail.body
    log = list(
        ModerationDecision.objects.filter(review=review).values_list("action", "moderator_id")
    )
    assert log == [("hold", None), ("publish", moderator.pk)]
    assert directory.pro_profile(pro.slug)["rating"]["count"] == 1
    again = _decide(as_user(moderator), review.pk, "publish", "compliant")
    assert again.status_code == 409


def test_rejecting_tells_the_author_the_reason_and_unpublishes(
    as_user, moderator, pro, committed, mailoutbox
):
    with committed():
        review = submit_invited(pro)
    assert directory.pro_profile(pro.slug)["rating"]["count"] == 1
    mailoutbox.clear()
    with committed():
        response = _decide(as_user(moderator), review.pk, "reject", "conflict_of_interest")
    assert response.json()["status"] == "rejected"
    assert directory.pro_profile(pro.slug)["rating"]["count"] == 0
    (mail,) = mailoutbox
    assert mail.subject == "Votre avis n'a pas été publié"
    assert "lien avec l'entreprise" in mail.body
    assert "Comment fonctionnent les avis" in mail.alternatives[0][0]
    assert _decide(as_user(moderator), review.pk, "publish", "compliant").status_code == 409


@pytest.mark.parametrize(
    ("decision", "reason", "field"),
    [
        ("archive", "compliant", "decision"),
        ("reject", "compliant", "reason"),
        ("reject", "", "reason"),
    ],
)
def test_a_decision_needs_a_known_reason_for_it(as_user, moderator, pro, decision, reason, field):
    review = submit_invited(pro, title="Des escrocs")
    response = _decide(as_user(moderator), review.pk, decision, reason)
    assert response.status_code == 400
    assert field in response.json()
    review.refresh_from_db()
    assert review.status == "pending"


def test_an_unknown_review_answers_404(as_user, moderator, pro):
    assert _decide(as_user(moderator), 999_999, "publish", "compliant").status_code == 404


def test_an_unconfirmed_spontaneous_review_cannot_be_published(
    api, as_user, moderator, pro, committed
):
    with committed():
        review_id = api.post(
            "/api/v1/reviews/", review_payload(pro=pro.slug), format="json"
        ).json()["id"]
    response = _decide(as_user(moderator), review_id, "publish", "compliant")
    assert response.status_code == 409
    assert "confirmé" in response.json()["detail"]


def test_queue_and_decision_pages_for_moderators(
    client, moderator, homeowner, pro, committed, mailoutbox
):
    review = submit_invited(pro, title="Des escrocs ?")
    client.force_login(homeowner)
    assert client.get("/moderation/avis/").status_code == 403
    client.force_login(moderator)
    page = client.get("/moderation/avis/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Des escrocs ?" in html
    assert "Propos potentiellement injurieux" in html
    detail = client.get(f"/moderation/avis/{review.pk}/")
    assert detail.status_code == 200
    assert "client@exemple.fr" in detail.content.decode()
    with committed():
        done = client.post(
            f"/moderation/avis/{review.pk}/", {"decision": "reject", "reason": "abusive"}
        )
    assert done.status_code == 302
    review.refresh_from_db()
    assert review.status == "rejected"
    assert "injurieux" in mailoutbox[0].body


def test_the_queue_page_runs_a_bounded_number_of_queries(
    client, moderator, pro, django_assert_max_num_queries
):
    for n in range(25):
        submit_invited(pro, email=f"held{n}@exemple.fr", title=f"Des escrocs {n}")
    client.force_login(moderator)
    # 13: the queue prefetches the proofs of experience too (one query, whatever the size).
    with django_assert_max_num_queries(13):
        page = client.get("/moderation/avis/")
    assert page.content.decode().count('class="card moderation-item"') == 20


def test_moderation_pages_ask_visitors_to_sign_in(client, pro):
    response = client.get("/moderation/avis/")
    assert response.status_code == 302
    assert "/connexion/" in response["Location"]


def test_a_settled_dispute_is_audited_once_by_accounts_even_when_redelivered(
    pro, homeowner, moderator, committed
):
    from apps.accounts.models import AuditEntry
    from apps.core import outbox
    from apps.core.models import OutboxEvent
    from apps.reviews.services import review_moderate, review_report_create

    with committed():
        review = submit_invited(pro, email="luc@exemple.fr")
    with committed():
        review_report_create(review_id=review.pk, user_id=homeowner.pk, reason="not_a_customer")
    with committed():
        review_moderate(
            review_id=review.pk,
            moderator_id=moderator.pk,
            decision="publish",
            reason="report_unfounded",
        )
    (entry,) = AuditEntry.objects.filter(target_type="review", target_ref=str(review.pk))
    assert (entry.actor_id, entry.action) == (moderator.pk, "reviews.publish")
    assert entry.summary == (
        f"Avis n° {review.pk} publié (litige tranché) — motif : report_unfounded"
    )
    # The relay dies before marking the event delivered: delivered again, audited once.
    moderated = OutboxEvent.objects.get(name="reviews.ReviewModerated")
    OutboxEvent.objects.filter(pk=moderated.pk).update(delivered_at=None)
    outbox.deliver(moderated.pk)
    assert AuditEntry.objects.filter(target_ref=str(review.pk)).count() == 1
