"""GDPR in the accounts context: "Mes données" (page and API), the erasure's refusals,
and what the account becomes."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from apps.accounts.models import Membership, MembershipInvitation, User
from apps.accounts.tests.factories import PASSWORD, UserFactory
from apps.core.models import OutboxEvent
from tests.schedules import once_a_day

pytestmark = pytest.mark.django_db

ME_URL = "/api/v1/me/"
EXPORT_URL = "/api/v1/me/data-export/"
PAGE_URL = "/mon-compte/donnees/"
DOWNLOAD_URL = "/mon-compte/donnees/telecharger/"


def _page_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_wrong_or_missing_password_is_a_field_error_and_erases_nothing(
    api_client, user, obtain_pair, bearer
):
    client = bearer(obtain_pair(user.email)["access"])

    wrong = client.delete(ME_URL, {"password": "pas-le-bon"}, format="json")
    missing = client.delete(ME_URL, {}, format="json")

    assert wrong.status_code == 400
    assert wrong.json() == {"password": ["Mot de passe incorrect."]}
    assert missing.status_code == 400
    assert "password" in missing.json()
    assert User.objects.get(pk=user.pk).email == "claire.homeowner@exemple.fr"
    assert not OutboxEvent.objects.filter(name="accounts.UserErased").exists()


def test_an_eldo_team_account_cannot_erase_itself(advisor, obtain_pair, bearer):
    client = bearer(obtain_pair(advisor.email)["access"])

    response = client.delete(ME_URL, {"password": PASSWORD}, format="json")

    assert response.status_code == 409
    assert "administrateur" in response.json()["detail"]
    assert User.objects.get(pk=advisor.pk).is_active


def test_a_pro_member_leaves_its_teams_when_erasing(pro_owner, company, obtain_pair, bearer):
    MembershipInvitation.objects.create(
        organization=company,
        email=pro_owner.email,
        role="manager",
        nonce="a" * 32,
        expires_at="2999-01-01T00:00:00Z",
    )
    client = bearer(obtain_pair(pro_owner.email)["access"])

    assert client.delete(ME_URL, {"password": PASSWORD}, format="json").status_code == 204

    assert not Membership.objects.filter(user=pro_owner).exists()
    assert not MembershipInvitation.objects.filter(email="paul.durand@toitures-durand.fr").exists()
    event = OutboxEvent.objects.get(name="accounts.UserErased")
    assert event.payload["user_id"] == pro_owner.pk


def test_the_account_part_of_the_export(user, company, obtain_pair, bearer):
    User.objects.filter(pk=user.pk).update(phone="+33612345678")
    Membership.objects.create(user=user, organization=company, role="sales_rep")
    client = bearer(obtain_pair(user.email)["access"])

    data = client.get(EXPORT_URL).json()

    assert data["account"]["email"] == "claire.homeowner@exemple.fr"
    assert data["account"]["phone"] == "+33612345678"
    assert data["account"]["memberships"][0]["organization"] == "Toitures Durand"
    assert {"account", "reviews", "quote_requests", "leads"} <= set(data)


def test_the_page_offers_the_download_and_the_erasure(user):
    response = _page_client(user).get(PAGE_URL)

    assert response.status_code == 200
    html = response.content.decode()
    assert "Télécharger mes données" in html
    assert "Supprimer définitivement mon compte" in html
    # Personal data: never stored by a browser or a proxy.
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]


def test_the_page_asks_anonymous_visitors_to_sign_in():
    response = Client().get(PAGE_URL)

    assert response.status_code == 302
    assert response["Location"].startswith("/connexion/")
    assert Client().get(DOWNLOAD_URL).status_code == 302


def test_the_download_is_a_json_file_of_my_data(user):
    response = _page_client(user).get(DOWNLOAD_URL)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "attachment" in response["Content-Disposition"]
    assert json.loads(response.content)["account"]["first_name"] == "Claire"


def test_the_page_requires_the_typed_confirmation_and_the_password(user):
    client = _page_client(user)

    response = client.post(PAGE_URL, {"password": PASSWORD, "confirmation": "oui"})
    wrong_password = client.post(PAGE_URL, {"password": "faux", "confirmation": "SUPPRIMER"})

    assert response.status_code == 400
    assert "Tapez SUPPRIMER en toutes lettres pour confirmer." in response.content.decode()
    assert wrong_password.status_code == 400
    assert "Mot de passe incorrect." in wrong_password.content.decode()
    assert User.objects.get(pk=user.pk).is_active


def test_erasing_from_the_page_signs_out_and_says_what_happened(user):
    client = _page_client(user)

    response = client.post(
        PAGE_URL, {"password": PASSWORD, "confirmation": "supprimer"}, follow=True
    )

    assert response.redirect_chain[-1][0] == "/"
    assert "Votre compte a été supprimé" in response.content.decode()
    assert not response.wsgi_request.user.is_authenticated
    assert not Client().login(email="claire.homeowner@exemple.fr", password=PASSWORD)
    assert client.get(PAGE_URL).status_code == 302  # the session is gone


def test_a_team_account_is_told_why_on_the_page():
    moderator = UserFactory(email="modo@eldo.test", moderator=True)

    response = _page_client(moderator).post(
        PAGE_URL, {"password": PASSWORD, "confirmation": "SUPPRIMER"}
    )

    assert response.status_code == 409
    assert "administrateur" in response.content.decode()


def test_retention_drops_expired_token_records_and_dead_team_invitations(
    user, company, obtain_pair
):
    from datetime import timedelta

    from django.utils import timezone
    from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

    from apps.accounts.tasks import retention_purge

    obtain_pair(user.email)
    obtain_pair(user.email)
    now = timezone.now()
    first = OutstandingToken.objects.filter(user=user).order_by("id").first()
    OutstandingToken.objects.filter(pk=first.pk).update(expires_at=now - timedelta(days=1))
    for n, expires in enumerate((now - timedelta(days=1), now + timedelta(days=5))):
        MembershipInvitation.objects.create(
            organization=company,
            email=f"invite{n}@exemple.fr",
            role="sales_rep",
            nonce=f"{n}" * 32,
            expires_at=expires,
        )

    result = retention_purge()

    assert (result["tokens"], result["team_invitations"]) == (1, 1)
    assert OutstandingToken.objects.filter(user=user).count() == 1
    assert list(MembershipInvitation.objects.values_list("email", flat=True)) == [
        "invite1@exemple.fr"
    ]


def test_the_retention_tasks_are_scheduled_daily(settings):

    for name, task in (
        ("accounts-retention", "accounts.retention_purge"),
        ("reviews-retention", "reviews.retention_purge"),
        ("quotes-anonymise-inactive", "quotes.anonymise_inactive"),
        ("core-outbox-purge", "core.outbox_purge"),
    ):
        assert settings.CELERY_BEAT_SCHEDULE[name]["task"] == task
        assert once_a_day(settings.CELERY_BEAT_SCHEDULE[name]["schedule"])


def test_erasing_deletes_the_notification_preferences_and_push_subscriptions(
    pro_owner, user, obtain_pair, bearer
):
    from apps.accounts.models import NotificationPreference, PushSubscription

    def subscribe(person, n):
        NotificationPreference.objects.create(user=person, new_lead_sms=True, new_lead_push=True)
        PushSubscription.objects.create(
            user=person,
            endpoint=f"https://fcm.googleapis.com/fcm/send/appareil-{n}",
            p256dh="B" * 87,
            auth="A" * 22,
        )

    subscribe(pro_owner, 1)
    subscribe(user, 2)
    client = bearer(obtain_pair(pro_owner.email)["access"])

    assert client.delete(ME_URL, {"password": PASSWORD}, format="json").status_code == 204

    assert not NotificationPreference.objects.filter(user=pro_owner).exists()
    assert not PushSubscription.objects.filter(user=pro_owner).exists()
    # Another person's stay.
    assert NotificationPreference.objects.filter(user=user).exists()
    assert PushSubscription.objects.filter(user=user).count() == 1


def test_erasing_deletes_the_sign_in_links_sent_to_the_address(user):
    from apps.accounts.api import magic_link_url
    from apps.accounts.models import MagicLink

    magic_link_url(email=user.email)
    client = _page_client(user)
    client.post(PAGE_URL, {"password": PASSWORD, "confirmation": "supprimer"})
    assert not MagicLink.objects.exists()
