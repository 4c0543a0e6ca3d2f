"""A label is shown to the public only once Eldo has verified it.

The exploit this guards against: an owner typed any label, number and future date on
/espace-pro/profil/ and the label showed as valid on the profile, in the API, in the badge
and counted for ``?certification=``.
"""

import json

import pytest

from apps.accounts.tests.factories import MembershipFactory
from apps.directory.tests.factories import make_pro

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("directory_data")]


def owner_of(pro):
    return MembershipFactory(organization_id=pro.organization_id, role="owner").user


def declare(client, pro, kind="qualipv", number="QPV-123456"):
    client.force_login(owner_of(pro))
    response = client.post(
        "/espace-pro/profil/",
        {"action": "certification", "kind": kind, "number": number, "valid_until": "2031-01-01"},
    )
    client.logout()
    return response


def test_a_self_declared_label_is_nowhere_public(client):
    pro = make_pro("Soleil Toulousain", departments=("31",))
    assert declare(client, pro).status_code == 302

    detail = client.get(f"/api/v1/pros/{pro.slug}/").json()
    assert detail["certifications"] == []
    badge = client.get(f"/api/v1/pros/{pro.slug}/badge/").json()
    assert badge["certifications"] == []
    listing = client.get("/api/v1/pros/", {"certification": "qualipv"}).json()
    assert listing["results"] == []
    page = client.get(f"/pro/{pro.slug}/").content.decode()
    assert "QualiPV" not in page
    assert "QPV-123456" not in page


def test_the_pro_sees_its_declared_label_as_pending(client):
    pro = make_pro("Soleil Toulousain", departments=("31",))
    declare(client, pro)
    client.force_login(owner_of(pro))
    page = client.get("/espace-pro/profil/").content.decode()
    assert "QPV-123456" in page
    assert "en attente de vérification" in page


def test_a_verified_label_shows_everywhere_until_it_expires(client):
    pro = make_pro("Soleil Toulousain", departments=("31",), certifications=(("qualipv", 30),))
    expired = make_pro("Ancien Solaire", departments=("31",), certifications=(("qualipv", -1),))

    detail = client.get(f"/api/v1/pros/{pro.slug}/").json()
    assert [c["kind"] for c in detail["certifications"]] == ["qualipv"]
    assert client.get(f"/api/v1/pros/{pro.slug}/badge/").json()["certifications"] == ["qualipv"]
    listing = client.get("/api/v1/pros/", {"certification": "qualipv"}).json()
    assert [p["slug"] for p in listing["results"]] == [pro.slug]
    page = client.get(f"/pro/{pro.slug}/").content.decode()
    assert "QualiPV" in page
    assert client.get(f"/api/v1/pros/{expired.slug}/").json()["certifications"] == []
    assert "QualiPV" not in client.get(f"/pro/{expired.slug}/").content.decode()


def test_json_ld_names_only_verified_labels(client):
    pro = make_pro("Soleil Toulousain", departments=("31",), certifications=(("rge", 30),))
    declare(client, pro, kind="qualipv")
    page = client.get(f"/pro/{pro.slug}/").content.decode()
    start = page.index('<script type="application/ld+json">') + len(
        '<script type="application/ld+json">'
    )
    data = json.loads(page[start : page.index("</script>", start)])
    credentials = [c["name"] for c in data.get("hasCredential", [])]
    assert credentials == ["RGE"]


def test_the_public_panel_lists_each_verified_check_with_its_date_and_no_document(client):
    from datetime import date, timedelta

    from apps.directory.models import ProCheck

    pro = make_pro("Soleil Toulousain", departments=("31",), verified=True)
    ProCheck.objects.create(pro=pro, kind="manager", status="pending")
    lapsed = make_pro("Ancien Solaire", departments=("31",), insured=False)
    ProCheck.objects.create(
        pro=lapsed,
        kind="insurance",
        number="POL-SECRET",
        issuer="MAAF",
        status="expired",
        valid_until=date.today() - timedelta(days=3),
        document="checks/1/secret.pdf",
    )
    panel = client.get(f"/api/v1/pros/{pro.slug}/").json()["verifications"]
    assert {line["kind"]: line["status"] for line in panel} == {
        "identity": "verified",
        "insurance": "verified",
    }  # the pending manager check is the pro's business only
    assert all(line["checked_on"] for line in panel)
    page = client.get(f"/pro/{pro.slug}/").content.decode()
    assert "Vérifications Eldo" in page and 'data-check="insurance"' in page
    assert "Identité du dirigeant" not in page
    other = client.get(f"/pro/{lapsed.slug}/").content.decode()
    assert "Expirée" in other and "POL-SECRET" not in other and "secret.pdf" not in other
