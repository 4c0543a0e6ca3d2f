"""A member chooses how to hear of new leads (e-mail, SMS, Web Push) on the back-office
page and through the API; push subscriptions are validated and removable."""

from __future__ import annotations

import base64

import pytest
from rest_framework.test import APIClient

from apps.accounts import api as accounts
from apps.accounts.models import NotificationPreference, PushSubscription
from apps.accounts.tests.factories import MembershipFactory, OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db

P256DH = base64.urlsafe_b64encode(b"\x04" + b"\x01" * 64).rstrip(b"=").decode()
AUTH = base64.urlsafe_b64encode(b"\x02" * 16).rstrip(b"=").decode()
FCM = "https://fcm.googleapis.com/fcm/send/dGVzdA:APA91b-abc"


@pytest.fixture
def vapid(settings):
    settings.VAPID_PUBLIC_KEY = "BPublicKeyForTests"
    settings.VAPID_PRIVATE_KEY = "private-key-for-tests"


@pytest.fixture
def member():
    membership = MembershipFactory(
        user=UserFactory(email="philippe@facades-du-midi.fr"), role="owner"
    )
    return membership.user


@pytest.fixture
def api(member):
    client = APIClient()
    client.force_authenticate(member)
    return client


def test_defaults_are_email_only(api):
    body = api.get("/api/v1/me/notifications/").json()
    assert body["new_lead_email"] is True
    assert body["new_lead_sms"] is False
    assert body["new_lead_push"] is False
    assert body["push_available"] is False and body["vapid_public_key"] == ""


def test_sms_needs_a_valid_mobile_which_is_stored_in_e164(api, member):
    response = api.patch("/api/v1/me/notifications/", {"new_lead_sms": True}, format="json")
    assert response.status_code == 400
    assert "phone" in response.json()
    response = api.patch(
        "/api/v1/me/notifications/", {"new_lead_sms": True, "phone": "06 pas"}, format="json"
    )
    assert response.status_code == 400 and "phone" in response.json()
    assert not NotificationPreference.objects.exists()

    response = api.patch(
        "/api/v1/me/notifications/",
        {"new_lead_sms": True, "new_lead_email": False, "phone": "06 12 34 56 78"},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["phone"] == "+33612345678"
    member.refresh_from_db()
    assert member.phone == "+33612345678"
    [recipient] = accounts.alert_recipients(member.memberships.get().organization_id)
    assert (recipient.by_email, recipient.by_sms, recipient.by_push) == (False, True, False)


def test_push_cannot_be_turned_on_while_the_site_has_no_vapid_keys(api):
    response = api.patch("/api/v1/me/notifications/", {"new_lead_push": True}, format="json")
    assert response.status_code == 400 and "new_lead_push" in response.json()
    response = api.post(
        "/api/v1/me/push-subscriptions/",
        {"endpoint": FCM, "keys": {"p256dh": P256DH, "auth": AUTH}},
        format="json",
    )
    assert response.status_code == 400
    assert not PushSubscription.objects.exists()


@pytest.mark.parametrize(
    ("endpoint", "p256dh", "auth", "field"),
    [
        ("http://fcm.googleapis.com/fcm/send/x", P256DH, AUTH, "endpoint"),
        ("https://evil.example.com/push", P256DH, AUTH, "endpoint"),
        ("https://127.0.0.1/push", P256DH, AUTH, "endpoint"),
        ("https://fcm.googleapis.com.evil.fr/x", P256DH, AUTH, "endpoint"),
        ("https://user:pw@fcm.googleapis.com/x", P256DH, AUTH, "endpoint"),
        ("javascript:alert(1)", P256DH, AUTH, "endpoint"),
        (FCM, "pas-une-clé", AUTH, "keys.p256dh"),
        (FCM, P256DH, "AAAA", "keys.auth"),
    ],
)
def test_an_invalid_subscription_is_a_400_and_nothing_is_stored(
    api, vapid, endpoint, p256dh, auth, field
):
    response = api.post(
        "/api/v1/me/push-subscriptions/",
        {"endpoint": endpoint, "keys": {"p256dh": p256dh, "auth": auth}},
        format="json",
    )
    assert response.status_code == 400
    assert field in response.json()
    assert not PushSubscription.objects.exists()


def test_a_browser_subscribes_then_unsubscribes(api, member, vapid):
    for endpoint in (FCM, "https://web.push.apple.com/QGuQyavXut"):
        response = api.post(
            "/api/v1/me/push-subscriptions/",
            {"endpoint": endpoint, "keys": {"p256dh": P256DH, "auth": AUTH}},
            format="json",
        )
        assert response.status_code == 201, response.content
    body = api.get("/api/v1/me/notifications/").json()
    assert body["new_lead_push"] is True and body["push_devices"] == 2
    assert body["vapid_public_key"] == "BPublicKeyForTests"
    [recipient] = accounts.alert_recipients(member.memberships.get().organization_id)
    assert recipient.by_push and {t.endpoint for t in recipient.push_targets} == {
        FCM,
        "https://web.push.apple.com/QGuQyavXut",
    }

    # Someone else cannot remove my device: the call changes nothing.
    other = APIClient()
    other.force_authenticate(UserFactory())
    assert (
        other.post(
            "/api/v1/me/push-subscriptions/remove/", {"endpoint": FCM}, format="json"
        ).status_code
        == 204
    )
    assert PushSubscription.objects.count() == 2
    assert (
        api.post(
            "/api/v1/me/push-subscriptions/remove/", {"endpoint": FCM}, format="json"
        ).status_code
        == 204
    )
    assert list(PushSubscription.objects.values_list("endpoint", flat=True)) == [
        "https://web.push.apple.com/QGuQyavXut"
    ]


def test_a_push_service_answering_gone_removes_the_subscription(member, vapid):
    PushSubscription.objects.create(user=member, endpoint=FCM, p256dh=P256DH, auth=AUTH)
    assert accounts.push_subscription_forget(FCM) == 1
    assert not PushSubscription.objects.exists()


def test_recipients_are_the_active_members_of_the_company_only():
    org = OrganizationFactory()
    MembershipFactory(organization=org, user=UserFactory(email="a@exemple.fr"))
    MembershipFactory(organization=org, user=UserFactory(email="b@exemple.fr", is_active=False))
    MembershipFactory(user=UserFactory(email="autre@exemple.fr"))
    assert [r.email for r in accounts.alert_recipients(org.pk)] == ["a@exemple.fr"]


# --- The page --------------------------------------------------------------------------


def test_the_page_saves_the_choices_without_javascript(client, member):
    client.force_login(member)
    page = client.get("/espace-pro/notifications/")
    assert page.status_code == 200
    assert b"Par SMS" in page.content
    assert b"data-push" not in page.content  # push is offered only with VAPID keys

    response = client.post(
        "/espace-pro/notifications/", {"new_lead_sms": "on", "phone": "0612345678"}
    )
    assert response.status_code == 302
    pref = NotificationPreference.objects.get(user=member)
    assert (pref.new_lead_email, pref.new_lead_sms) == (False, True)


def test_the_page_shows_a_french_error_for_sms_without_a_number(client, member):
    client.force_login(member)
    response = client.post("/espace-pro/notifications/", {"new_lead_sms": "on"})
    assert response.status_code == 400
    assert "Indiquez un numéro de mobile" in response.content.decode()
    assert not NotificationPreference.objects.exists()


def test_the_page_offers_push_and_lists_devices_to_remove(client, member, vapid):
    device = PushSubscription.objects.create(
        user=member, endpoint=FCM, p256dh=P256DH, auth=AUTH, user_agent="Firefox sur Android"
    )
    other = PushSubscription.objects.create(
        user=UserFactory(), endpoint=FCM + "2", p256dh=P256DH, auth=AUTH
    )
    client.force_login(member)
    page = client.get("/espace-pro/notifications/").content.decode()
    assert 'data-vapid-key="BPublicKeyForTests"' in page and "Firefox sur Android" in page
    assert "accounts/push.js" in page
    # Another person's device: 404, kept.
    response = client.post(
        "/espace-pro/notifications/", {"action": "remove_device", "target": other.pk}
    )
    assert response.status_code == 404
    client.post("/espace-pro/notifications/", {"action": "remove_device", "target": device.pk})
    assert list(PushSubscription.objects.all()) == [other]


def test_the_service_worker_is_served_from_the_site_root(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert b'addEventListener("push"' in response.content
    assert client.post("/sw.js").status_code == 405
