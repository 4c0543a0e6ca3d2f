"""The weekly digest to a company's owners and managers: reviews without a reply, the
collection rate against the previous 30 days, invitations about to expire; once a week,
never to a member who opted out (signed one-click link), never to a sales rep."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from celery.schedules import crontab
from django.test import Client
from django.utils import timezone

from apps.accounts.events import UserErased
from apps.core.events import publish
from apps.core.privacy import email_digest
from apps.reviews import digest
from apps.reviews.models import DigestOptOut, ReviewInvitation
from apps.reviews.tests.support import invite, submit_invited

pytestmark = pytest.mark.django_db


def _digests(mailoutbox):
    return [m for m in mailoutbox if m.subject.startswith("Vos avis de la semaine")]


def test_owners_get_the_week_s_figures_once(pro, owner, sales_rep, committed, mailoutbox):
    with committed():
        submit_invited(pro, email="a@exemple.fr", rating=4)
        expiring, _token = invite(pro, email="b@exemple.fr")
    ReviewInvitation.objects.filter(pk=expiring.pk).update(
        expires_at=timezone.now() + timedelta(days=2)
    )
    mailoutbox.clear()
    assert digest.weekly_digests_send() == 1
    (message,) = _digests(mailoutbox)
    assert message.to == [owner.email]  # not the sales rep
    assert "Avis sans réponse : 1" in message.body
    assert "Taux de récolte sur 30 jours : 50 %" in message.body, message.body
    assert "expirent dans les 7 jours sans réponse : 1" in message.body
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message.alternatives[0][1] == "text/html"
    assert digest.weekly_digests_send() == 0  # once per week


def test_a_member_who_opted_out_gets_nothing(pro, owner, committed, mailoutbox):
    with committed():
        submit_invited(pro, email="a@exemple.fr")
    url = f"/avis/resume-hebdomadaire/desinscription/{digest.unsubscribe_token(owner.pk)}/"
    assert Client().get(url).status_code == 200
    assert not DigestOptOut.objects.exists()  # a GET changes nothing
    response = Client(enforce_csrf_checks=True).post(url, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert DigestOptOut.objects.filter(user_id=owner.pk).exists()
    mailoutbox.clear()
    assert digest.weekly_digests_send() == 0
    assert _digests(mailoutbox) == []
    assert Client().get("/avis/resume-hebdomadaire/desinscription/faux/").status_code == 404


def test_an_erased_member_s_opt_out_goes_with_the_account(owner, sales_rep, committed):
    digest.digest_opt_out(owner.pk)
    digest.digest_opt_out(sales_rep.pk)

    with committed():
        publish(UserErased(user_id=owner.pk, email_sha256=email_digest(owner.email), erased_at=""))

    assert list(DigestOptOut.objects.values_list("user_id", flat=True)) == [sales_rep.pk]


def test_nothing_to_report_sends_nothing(pro, owner, mailoutbox):
    assert digest.weekly_digests_send() == 0


def test_the_digest_runs_from_beat_and_leaves_once_per_week(
    pro, owner, settings, committed, mailoutbox
):
    entry = settings.CELERY_BEAT_SCHEDULE["reviews-weekly-digest"]
    assert entry["task"] == "reviews.weekly_digests_send"
    assert isinstance(entry["schedule"], crontab) and entry["schedule"].hour == {8}
    with committed():
        submit_invited(pro, email="a@exemple.fr")
    monday = timezone.make_aware(datetime(2026, 12, 7, 8, 0))
    assert digest.weekly_digests_send(now=monday) == 1
    assert digest.weekly_digests_send(now=monday + timedelta(days=1)) == 0  # same week
    assert digest.weekly_digests_send(now=monday + timedelta(days=7)) == 1  # next week
