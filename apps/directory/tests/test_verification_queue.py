"""The staff verification queue: pending checks with their documents, decisions with a
reason; nobody else sees it, and the pro sees the outcome."""

from datetime import date, timedelta

import pytest
from django.core import mail
from rest_framework.test import APIClient

from apps.accounts.tests.factories import MembershipFactory, UserFactory
from apps.directory.models import CheckStatus, ProCheck
from apps.directory.tests.factories import make_pro
from apps.directory.tests.test_verification_checks import insurance_post, owner, pdf_bytes
from apps.directory.verification import checks

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("directory_data")]


@pytest.fixture
def staff():
    return UserFactory(email="alice@eldo.test", is_superuser=True, is_staff=True)


@pytest.fixture
def pending(client):
    pro = make_pro("Façades du Midi", departments=("31",), insured=False)
    client.force_login(owner(pro))
    assert insurance_post(client, pro, pdf_bytes()).status_code == 302
    client.logout()
    return ProCheck.objects.get(pro=pro, kind="insurance")


def api(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def test_staff_list_pending_checks_with_their_document(
    staff, pending, django_assert_max_num_queries
):
    with django_assert_max_num_queries(8):
        body = api(staff).get("/api/v1/verifications/").json()
    [row] = [r for r in body["results"] if r["id"] == pending.id]
    assert row["kind"] == "insurance" and row["status"] == "pending"
    assert row["pro"]["slug"] == pending.pro.slug
    document = api(staff).get(row["document_url"])
    assert document.status_code == 200
    assert document["Content-Type"] == "application/pdf"
    assert "attachment" in document["Content-Disposition"]
    assert b"".join(document.streaming_content).startswith(b"%PDF-")


def test_nobody_else_reaches_the_queue_or_the_documents(client, pending):
    pro_owner = MembershipFactory(organization_id=pending.pro.organization_id, role="owner").user
    moderator = UserFactory(email="mathieu@eldo.test", moderator=True)
    url = f"/api/v1/verifications/{pending.id}/document/"
    assert api().get("/api/v1/verifications/").status_code == 401
    assert api().get(url).status_code == 401
    for user in (pro_owner, moderator):
        assert api(user).get("/api/v1/verifications/").status_code == 403
        assert api(user).get(url).status_code == 403
        decision = {"decision": "verify"}
        response = api(user).post(f"/api/v1/verifications/{pending.id}/decision/", decision)
        assert response.status_code == 403
        client.force_login(user)
        assert client.get("/equipe/verifications/").status_code == 404
        assert 'href="/equipe/verifications/"' not in client.get("/").content.decode()
        assert client.get(f"/equipe/verifications/{pending.id}/document/").status_code == 404
    pending.refresh_from_db()
    assert pending.status == CheckStatus.PENDING


def test_staff_verify_the_decennale_and_the_pro_becomes_insured(staff, pending):
    until = (date.today() + timedelta(days=300)).isoformat()
    response = api(staff).post(
        f"/api/v1/verifications/{pending.id}/decision/",
        {
            "decision": "verify",
            "issuer": "SMABTP",
            "number": "POL-2027-001",
            "valid_until": until,
            "trades": ["facade", "peinture"],
        },
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "verified" and response.json()["source"] == "staff"
    from apps.accounts.models import AuditEntry

    entry = AuditEntry.objects.get(action="directory.check_verify")
    assert entry.actor_id == staff.pk and entry.target_ref == str(pending.id)
    assert sorted(response.json()["trades"]) == ["facade", "peinture"]
    assert checks.insured_pro_ids(pro_ids=[pending.pro_id], category_slug="peinture")
    # The public profile names the insurance (never the document).
    detail = api().get(f"/api/v1/pros/{pending.pro.slug}/").json()
    [line] = [v for v in detail["verifications"] if v["kind"] == "insurance"]
    assert line["status"] == "verified" and line["valid_until"] == until
    assert "document" not in str(detail)


def test_a_refusal_needs_a_reason_and_the_pro_reads_it(client, staff, pending):
    url = f"/api/v1/verifications/{pending.id}/decision/"
    refused = api(staff).post(url, {"decision": "refuse"}, format="json")
    assert refused.status_code == 400 and "reason" in refused.json()
    bad = api(staff).post(url, {"decision": "peut-être"}, format="json")
    assert bad.status_code == 400 and "decision" in bad.json()
    reason = "Attestation illisible : envoyez le document de l'assureur."
    done = api(staff).post(url, {"decision": "refuse", "reason": reason}, format="json")
    assert done.status_code == 200
    client.force_login(owner(pending.pro))
    page = client.get("/espace-pro/profil/").content.decode()
    assert "Refusée" in page and "Attestation illisible" in page
    assert not checks.insured_pro_ids(pro_ids=[pending.pro_id])


def test_verifying_needs_what_the_certificate_says(staff):
    pro = make_pro("Façades du Midi", departments=("31",), insured=False)
    check = ProCheck.objects.create(pro=pro, kind="insurance", number="P-1")
    response = api(staff).post(
        f"/api/v1/verifications/{check.id}/decision/", {"decision": "verify"}, format="json"
    )
    assert response.status_code == 400
    assert {"valid_until", "issuer", "trade_ids"} <= set(response.json())
    unknown = api(staff).post(
        "/api/v1/verifications/999999/decision/", {"decision": "verify"}, format="json"
    )
    assert unknown.status_code == 404


def test_staff_decide_from_the_queue_page(client, staff, pending):
    client.force_login(staff)
    queue = client.get("/equipe/verifications/")
    assert queue.status_code == 200
    assert f'data-check-id="{pending.id}"' in queue.content.decode()
    assert 'href="/equipe/verifications/"' in queue.content.decode()  # in staff's menu
    page = client.get(f"/equipe/verifications/{pending.id}/")
    assert "Télécharger le justificatif" in page.content.decode()
    assert client.get(f"/equipe/verifications/{pending.id}/document/").status_code == 200
    refused = client.post(f"/equipe/verifications/{pending.id}/", {"decision": "refuse"})
    assert refused.status_code == 400 and "motif" in refused.content.decode()
    facade = pending.trades.get()
    response = client.post(
        f"/equipe/verifications/{pending.id}/",
        {
            "decision": "verify",
            "issuer": "SMABTP",
            "number": "POL-2027-001",
            "valid_until": (date.today() + timedelta(days=100)).isoformat(),
            "trades": [facade.id],
        },
    )
    assert response.status_code == 302
    pending.refresh_from_db()
    assert pending.status == CheckStatus.VERIFIED and pending.decided_by_id == staff.pk
    assert (
        f'data-check-id="{pending.id}"' not in client.get("/equipe/verifications/").content.decode()
    )
    assert not mail.outbox  # no reminder sent for a fresh, long validity


def test_the_queue_query_count_does_not_grow_with_the_checks(
    client, staff, django_assert_max_num_queries
):
    for n in range(12):
        pro = make_pro(f"Façades {n}", departments=("31",), insured=False)
        checks.manager_check_request(pro_id=pro.id)
        checks.label_declare(
            pro_id=pro.id, label="qualibat", number=f"Q-{n}", valid_until=date(2030, 1, 1)
        )
    client.force_login(staff)
    with django_assert_max_num_queries(10):
        page = client.get("/equipe/verifications/")
    assert page.content.decode().count("data-check-id=") == 24
    with django_assert_max_num_queries(8):
        body = api(staff).get("/api/v1/verifications/", {"page_size": 50}).json()
    assert body["count"] == 24
