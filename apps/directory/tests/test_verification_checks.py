"""Checks of a pro: the décennale certificate upload, the states the pro sees, the rules
that decide what counts (verified and unexpired only)."""

from datetime import date, timedelta
from io import BytesIO

import pytest
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from pypdf import PdfWriter

from apps.accounts.tests.factories import MembershipFactory
from apps.directory.models import Category, CheckKind, CheckStatus, ProCheck, ProProfile
from apps.directory.tests.factories import make_pro
from apps.directory.verification import checks

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("directory_data")]


def pdf_bytes(*, password: str | None = None) -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    if password:
        writer.encrypt(password)
    buffer = BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def upload(data: bytes, name="attestation.pdf", content_type="application/pdf"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def insurance_post(client, pro, data: bytes, **extra):
    facade = Category.objects.get(slug="facade")
    return client.post(
        "/espace-pro/profil/",
        {
            "action": "insurance",
            "certificate": upload(data, **extra),
            "insurer": "SMABTP",
            "policy_number": "POL-2027-001",
            "valid_from": "2026-01-01",
            "valid_until": (date.today() + timedelta(days=200)).isoformat(),
            "trades": [facade.id],
        },
    )


def owner(pro):
    return MembershipFactory(organization_id=pro.organization_id, role="owner").user


def stored_documents() -> list[str]:
    storage = storages["private"]
    try:
        _dirs, _files = storage.listdir("checks")
    except FileNotFoundError:
        return []
    found = []
    for directory in _dirs:
        found += storage.listdir(f"checks/{directory}")[1]
    return found


def test_owner_uploads_a_decennale_certificate_which_waits_for_staff(client):
    pro = make_pro("Façades du Midi", departments=("31",), insured=False)
    client.force_login(owner(pro))
    before = stored_documents()
    assert insurance_post(client, pro, pdf_bytes()).status_code == 302
    check = ProCheck.objects.get(pro=pro, kind=CheckKind.INSURANCE)
    assert check.status == CheckStatus.PENDING and check.source == "self_declared"
    assert check.issuer == "SMABTP" and check.number == "POL-2027-001"
    assert [t.slug for t in check.trades.all()] == ["facade"]
    assert check.document_type == "application/pdf"
    assert len(stored_documents()) == len(before) + 1
    with pytest.raises(ValueError):
        storages["private"].url(check.document)  # private: no URL at all
    # Pending: the public profile shows no insurance yet; the pro sees it waiting.
    assert not checks.insured_pro_ids(pro_ids=[pro.id], category_slug="facade")
    page = client.get("/espace-pro/profil/").content.decode()
    assert "En attente de vérification" in page and "POL-2027-001" in page


@pytest.mark.parametrize(
    ("data", "name", "content_type", "message"),
    [
        (b"GIF89a" + b"\x00" * 40, "a.pdf", "application/pdf", "Format non accepté"),
        (pdf_bytes(password="secret"), "a.pdf", "application/pdf", "mot de passe"),
        (pdf_bytes() + b"PK\x03\x04zip", "a.pdf", "application/pdf", "après sa fin"),
        (
            pdf_bytes()[:-10] + b"<html><script>x</script>%%EOF\n",
            "a.pdf",
            "application/pdf",
            "autre format",
        ),
        (b"MZ\x90\x00 executable", "a.pdf", "application/pdf", "Format non accepté"),
    ],
)
def test_bad_documents_get_a_french_400_and_nothing_is_stored(
    client, data, name, content_type, message
):
    pro = make_pro("Façades du Midi", departments=("31",), insured=False)
    client.force_login(owner(pro))
    before = stored_documents()
    response = insurance_post(client, pro, data, name=name, content_type=content_type)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not ProCheck.objects.filter(pro=pro, kind=CheckKind.INSURANCE).exists()
    assert stored_documents() == before


def test_a_document_over_10_mb_is_refused(client):
    pro = make_pro("Façades du Midi", departments=("31",), insured=False)
    client.force_login(owner(pro))
    big = pdf_bytes() + b" " * (10 * 1024 * 1024)
    response = insurance_post(client, pro, big)
    assert response.status_code == 400 and "dépasse 10 Mo" in response.content.decode()
    assert not ProCheck.objects.filter(pro=pro, kind=CheckKind.INSURANCE).exists()


def test_a_sales_rep_cannot_upload(client):
    pro = make_pro("Façades du Midi", departments=("31",), insured=False)
    rep = MembershipFactory(organization_id=pro.organization_id, role="sales_rep").user
    client.force_login(rep)
    insurance_post(client, pro, pdf_bytes())
    assert not ProCheck.objects.filter(pro=pro, kind=CheckKind.INSURANCE).exists()


def test_the_back_office_lists_what_is_missing(client):
    pro = make_pro("Façades du Midi", departments=("31",), insured=False)
    client.force_login(owner(pro))
    page = client.get("/espace-pro/profil/").content.decode()
    for kind in ("identity", "insurance", "manager"):
        assert f'data-missing="{kind}"' in page
    client.post("/espace-pro/profil/", {"action": "manager_check"})
    page = client.get("/espace-pro/profil/").content.decode()
    assert 'data-missing="manager"' not in page
    assert ProCheck.objects.get(pro=pro, kind="manager").status == CheckStatus.PENDING


def test_only_a_verified_unexpired_insurance_covering_the_trade_counts():
    insured = make_pro("Assurée", departments=("31",))
    lapsed = make_pro("Expirée", departments=("31",), insured=False)
    other_trade = make_pro("Autre métier", departments=("31",), insured=False)
    check = ProCheck.objects.create(
        pro=lapsed,
        kind=CheckKind.INSURANCE,
        number="X",
        issuer="MAAF",
        status=CheckStatus.VERIFIED,
        valid_until=date.today() - timedelta(days=1),
    )
    check.trades.set(Category.objects.filter(slug="facade"))
    roofing = ProCheck.objects.create(
        pro=other_trade,
        kind=CheckKind.INSURANCE,
        number="Y",
        issuer="MAAF",
        status=CheckStatus.VERIFIED,
        valid_until=date.today() + timedelta(days=100),
    )
    roofing.trades.set(Category.objects.filter(slug="toiture"))
    ids = [insured.id, lapsed.id, other_trade.id]
    assert checks.insured_pro_ids(pro_ids=ids, category_slug="facade") == {insured.id}
    assert checks.insured_pro_ids(pro_ids=ids) == {insured.id, other_trade.id}


def test_a_past_validity_is_refused_in_french(client):
    pro = make_pro("Façades du Midi", departments=("31",), insured=False)
    client.force_login(owner(pro))
    past = (date.today() - timedelta(days=1)).isoformat()
    response = client.post(
        "/espace-pro/profil/",
        {"action": "certification", "kind": "rge", "number": "E-9", "valid_until": past},
    )
    assert response.status_code == 400 and "Cette date est passée" in response.content.decode()
    assert not ProCheck.objects.filter(pro=pro, label="rge").exists()


def test_the_admin_action_records_a_staff_identity_check(client, django_user_model):
    pro = make_pro("Façades du Midi", departments=("31",))
    assert not ProProfile.objects.get(pk=pro.pk).is_verified
    admin = django_user_model.objects.create_superuser(email="admin@eldo.test", password="x" * 12)
    client.force_login(admin)
    response = client.post(
        "/admin/directory/proprofile/",
        {"action": "mark_verified", "_selected_action": [pro.pk]},
    )
    assert response.status_code == 302
    check = ProCheck.objects.get(pro=pro, kind=CheckKind.IDENTITY)
    assert check.status == CheckStatus.VERIFIED and check.source == "staff"
    assert check.decided_by_id == admin.pk
    assert ProProfile.objects.get(pk=pro.pk).is_verified


def test_a_renewed_certificate_may_keep_its_policy_number(client):
    pro = make_pro("Façades du Midi", departments=("31",), insured=False)
    ProCheck.objects.create(
        pro=pro,
        kind=CheckKind.INSURANCE,
        number="POL-2027-001",
        issuer="SMABTP",
        status=CheckStatus.VERIFIED,
        valid_until=date.today() + timedelta(days=10),
    )
    client.force_login(owner(pro))
    assert insurance_post(client, pro, pdf_bytes()).status_code == 302
    states = sorted(
        ProCheck.objects.filter(pro=pro, kind=CheckKind.INSURANCE).values_list("status", flat=True)
    )
    assert states == [CheckStatus.PENDING, CheckStatus.VERIFIED]
