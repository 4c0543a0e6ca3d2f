"""Pro sign-up and "Revendiquer ma fiche": SIRET checked (length, Luhn key), a new company
gets an unpublished profile "en attente de vérification" with no staff action, published
only once its identity check is verified; an existing profile is claimed with a code sent
to its e-mail or phone on file, five wrong codes lock the claim for an hour."""

from __future__ import annotations

import re
import time

import pytest
from django.test import Client
from django.utils import timezone

from apps.accounts.models import Membership, User
from apps.accounts.tests.factories import MembershipFactory, UserFactory
from apps.core import sms
from apps.directory.models import CheckKind, CheckStatus, ProCheck, ProProfile
from apps.directory.tests.factories import make_pro
from apps.directory.validators import siret_with_checksum
from apps.directory.verification.checks import check_decide

pytestmark = pytest.mark.django_db

NEW_SIRET = siret_with_checksum("8841231230001")
CLAIMED_SIRET = siret_with_checksum("5524140760001")


def _form(**overrides) -> dict:
    data = {
        "siret": NEW_SIRET,
        "company_name": "Rénovation Capitole",
        "postcode": "31000",
        "category": "facade",
        "first_name": "Inès",
        "last_name": "Garcia",
        "email": "ines@renovation-capitole.fr",
        "phone": "06 11 22 33 44",
        "password": "Capitole-Enduits-2026",
    }
    data.update(overrides)
    return data


@pytest.fixture(autouse=True)
def _data(directory_data, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    sms.outbox.clear()


def test_the_pro_offer_page_leads_to_the_sign_up():
    page = Client().get("/vous-etes-artisan/").content.decode()
    assert 'href="/inscription-pro/"' in page


def test_sign_up_to_en_attente_de_verification_without_any_staff_action(
    mailoutbox, django_capture_on_commit_callbacks
):
    started = time.monotonic()
    client = Client()
    assert client.get("/inscription-pro/").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/inscription-pro/", _form())
    assert response.status_code == 302, response.content.decode()[:2000]
    assert response["Location"] == "/inscription-pro/en-attente/"
    page = client.get("/inscription-pro/en-attente/").content.decode()
    assert "en attente de vérification" in page.lower()
    assert time.monotonic() - started < 600  # the target: under ten minutes, no staff

    pro = ProProfile.objects.get(siret=NEW_SIRET)
    user = User.objects.get(email="ines@renovation-capitole.fr")
    assert Membership.objects.filter(
        user=user, organization_id=pro.organization_id, role="owner"
    ).exists()
    assert not pro.is_published and pro.awaiting_vetting
    check = ProCheck.objects.get(pro=pro, kind=CheckKind.IDENTITY)
    assert check.status == CheckStatus.PENDING
    # Not public yet.
    assert Client().get(f"/pro/{pro.slug}/").status_code == 404

    # The account's address is verified through the e-mailed link.
    (message,) = mailoutbox
    link = re.search(r"https?://[^/\s]+(/connexion/lien/[^/\s]+/)", message.body).group(1)
    client.post(link)
    user.refresh_from_db()
    assert user.email_verified_at is not None
    assert Client().login(email="ines@renovation-capitole.fr", password="Capitole-Enduits-2026")


def test_the_profile_goes_public_only_once_its_identity_is_verified(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        Client().post("/inscription-pro/", _form())
    pro = ProProfile.objects.get(siret=NEW_SIRET)
    check = ProCheck.objects.get(pro=pro, kind=CheckKind.IDENTITY)
    staff = UserFactory(is_staff=True, is_superuser=True)

    check_decide(check_id=check.pk, decision="refuse", reason="SIRET fermé", actor=staff)
    pro.refresh_from_db()
    assert not pro.is_published  # refused: stays private

    check.status = CheckStatus.PENDING
    check.save(update_fields=["status"])
    with django_capture_on_commit_callbacks(execute=True):
        check_decide(check_id=check.pk, decision="verify", actor=staff)
    pro.refresh_from_db()
    assert pro.is_published and pro.is_verified and not pro.awaiting_vetting
    assert Client().get(f"/pro/{pro.slug}/").status_code == 200


@pytest.mark.parametrize(
    ("siret", "message"),
    [
        ("1234", "14 chiffres"),
        ("ABCDEFGHIJKLMN", "14 chiffres"),
        (NEW_SIRET[:-1] + str((int(NEW_SIRET[-1]) + 1) % 10), "clé de contrôle"),
    ],
    ids=["too-short", "letters", "luhn"],
)
def test_an_invalid_siret_is_a_field_error_and_nothing_is_created(siret, message):
    response = Client().post("/inscription-pro/", _form(siret=siret))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not User.objects.filter(email="ines@renovation-capitole.fr").exists()


def test_missing_company_details_for_a_new_siret_are_field_errors():
    response = Client().post("/inscription-pro/", _form(company_name="", postcode="99999"))
    assert response.status_code == 400
    html = response.content.decode()
    assert "raison sociale" in html and "Code postal inconnu" in html
    assert not ProProfile.objects.filter(siret=NEW_SIRET).exists()


# --- Claiming -----------------------------------------------------------------------------


@pytest.fixture
def existing():
    pro = make_pro("Façades du Capitole")
    pro.siret = CLAIMED_SIRET
    pro.phone = "0561000000"
    pro.save(update_fields=["siret", "phone"])
    owner = UserFactory(email="patron@facades-capitole.fr")
    MembershipFactory(user=owner, organization=pro.organization, role="owner")
    return pro


def _claimant(existing) -> Client:
    client = Client()
    response = client.post("/inscription-pro/", _form(siret=CLAIMED_SIRET, company_name=""))
    assert response.status_code == 302
    assert response["Location"] == f"/inscription-pro/revendiquer/{existing.slug}/"
    return client


def _send_sms(client, existing) -> str:
    url = f"/inscription-pro/revendiquer/{existing.slug}/"
    client.post(url, {"action": "send", "channel": "sms"})
    assert sms.outbox[-1].to == "+33561000000"
    return re.search(r"\b(\d{6})\b", sms.outbox[-1].body).group(1)


def test_an_existing_profile_is_claimed_with_the_code_sent_to_its_phone(existing):
    client = _claimant(existing)
    page = client.get(f"/inscription-pro/revendiquer/{existing.slug}/").content.decode()
    assert "p•••@facades-capitole.fr" in page and "•• •• •• •• 00" in page
    code = _send_sms(client, existing)
    response = client.post(
        f"/inscription-pro/revendiquer/{existing.slug}/", {"action": "verify", "code": code}
    )
    assert response.status_code == 302 and response["Location"] == "/espace-pro/"
    user = User.objects.get(email="ines@renovation-capitole.fr")
    membership = Membership.objects.get(user=user, organization_id=existing.organization_id)
    assert membership.role == "manager"  # the company already has an owner
    assert ProProfile.objects.filter(siret=CLAIMED_SIRET).count() == 1


def test_the_code_can_go_to_the_email_on_file(existing, mailoutbox):
    client = _claimant(existing)
    mailoutbox.clear()
    client.post(
        f"/inscription-pro/revendiquer/{existing.slug}/", {"action": "send", "channel": "email"}
    )
    (message,) = mailoutbox
    assert message.to == ["patron@facades-capitole.fr"]
    assert re.search(r"\b\d{6}\b", message.body)


def test_five_wrong_codes_lock_the_claim_for_an_hour(existing):
    client = _claimant(existing)
    code = _send_sms(client, existing)
    wrong = "000000" if code != "000000" else "111111"
    url = f"/inscription-pro/revendiquer/{existing.slug}/"
    for _ in range(4):
        response = client.post(url, {"action": "verify", "code": wrong})
        assert response.status_code == 400 and "Code incorrect" in response.content.decode()
    fifth = client.post(url, {"action": "verify", "code": wrong})
    assert "bloquée jusqu" in fifth.content.decode()
    # Even the right code, and a fresh one, are refused for the hour.
    right = client.post(url, {"action": "verify", "code": code})
    assert right.status_code == 400 and "bloquée" in right.content.decode()
    again = client.post(url, {"action": "send", "channel": "sms"})
    assert again.status_code == 400 and "bloquée" in again.content.decode()
    user = User.objects.get(email="ines@renovation-capitole.fr")
    assert not Membership.objects.filter(user=user).exists()
    from apps.directory.models import ProClaim

    ProClaim.objects.update(locked_until=timezone.now())  # an hour later
    code = _send_sms(client, existing)
    assert client.post(url, {"action": "verify", "code": code}).status_code == 302


def test_codes_cannot_be_sent_over_and_over(existing):
    """Each send is an SMS or an e-mail to the company: three an hour per profile."""
    client = _claimant(existing)
    url = f"/inscription-pro/revendiquer/{existing.slug}/"
    for _ in range(3):
        assert client.post(url, {"action": "send", "channel": "sms"}).status_code == 200
    fourth = client.post(url, {"action": "send", "channel": "sms"})
    assert fourth.status_code == 400 and "Trop de codes envoyés" in fourth.content.decode()
    assert len(sms.outbox) == 3


def test_without_the_contacts_on_file_a_kbis_checked_by_staff_attaches_the_person(
    existing, settings, tmp_path
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from apps.directory.models import ProClaim
    from apps.directory.tests.test_verification_checks import pdf_bytes

    settings.STORAGES = {
        **settings.STORAGES,
        "private": {**settings.STORAGES["private"], "OPTIONS": {"location": tmp_path}},
    }
    client = _claimant(existing)
    url = f"/inscription-pro/revendiquer/{existing.slug}/"
    refused = client.post(
        url,
        {"action": "document", "document": SimpleUploadedFile("kbis.exe", b"MZ\\x90", "x/y")},
    )
    assert refused.status_code == 400 and not ProClaim.objects.exists()
    kbis = SimpleUploadedFile("kbis.pdf", pdf_bytes(), content_type="application/pdf")
    response = client.post(url, {"action": "document", "document": kbis})
    assert response.status_code == 200 and "Justificatif reçu" in response.content.decode()
    claim = ProClaim.objects.get(channel="document")
    user = User.objects.get(email="ines@renovation-capitole.fr")
    assert not Membership.objects.filter(user=user).exists()  # staff have not decided

    document_url = f"/equipe/revendications/{claim.pk}/justificatif/"
    assert client.get(document_url).status_code == 404  # not staff
    staff = UserFactory(is_staff=True, is_superuser=True)
    admin = Client()
    admin.force_login(staff)
    download = admin.get(document_url)
    assert download.status_code == 200 and "attachment" in download["Content-Disposition"]
    admin.post(
        "/admin/directory/proclaim/",
        {"action": "accept_documents", "_selected_action": [claim.pk]},
    )
    assert (
        Membership.objects.get(user=user, organization_id=existing.organization_id).role
        == "manager"
    )


def test_sign_ups_from_one_address_are_limited(settings):
    """Each sign-up creates an account and a profile: ten an hour per client address."""
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "pro_signup": "2/hour",
        },
    }
    from django.core.cache import cache

    cache.clear()
    for n in range(2):
        response = Client().post(
            "/inscription-pro/",
            _form(
                siret=siret_with_checksum(f"88412312300{n + 2:02d}"),
                email=f"pro{n}@exemple.fr",
            ),
        )
        assert response.status_code == 302
    third = Client().post("/inscription-pro/", _form(email="pro3@exemple.fr"))
    assert third.status_code == 429
    assert "Trop d&#x27;inscriptions" in third.content.decode()
    assert not User.objects.filter(email="pro3@exemple.fr").exists()
