"""The pro edits its profile from the back office; nobody else can."""

from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from apps.accounts.tests.factories import MembershipFactory, UserFactory
from apps.directory.models import ProCheck, ProPhoto, ProProfile
from apps.directory.tests.factories import make_pro

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("directory_data")]


def member_of(pro, role):
    return MembershipFactory(organization_id=pro.organization_id, role=role).user


def jpeg():
    buffer = BytesIO()
    Image.new("RGB", (800, 600), (10, 120, 200)).save(buffer, format="JPEG")
    return SimpleUploadedFile("chantier.jpg", buffer.getvalue(), content_type="image/jpeg")


def test_owner_updates_description_trades_and_area_and_search_follows(client):
    pro = make_pro("Façades du Midi", departments=("31",))
    client.force_login(member_of(pro, "owner"))
    page = client.get("/espace-pro/profil/")
    assert page.status_code == 200
    facade = page.context["form"].fields["categories"].queryset.get(slug="facade")
    toiture = page.context["form"].fields["categories"].queryset.get(slug="toiture")
    response = client.post(
        "/espace-pro/profil/",
        {
            "action": "profile",
            "description": "Ravalement et couverture à Toulouse.",
            "categories": [facade.id, toiture.id],
            "service_departments": ["31", "81"],
            "service_radius_km": "",
            "phone": "05 61 00 00 00",
            "website": "facades.fr",
            "year_founded": "1998",
            "headcount": "12",
        },
    )
    assert response.status_code == 302
    pro.refresh_from_db()
    assert pro.website == "https://facades.fr"
    assert set(pro.categories.values_list("slug", flat=True)) == {"facade", "toiture"}
    assert "couverture" in pro.search_document
    listing = client.get("/api/v1/pros/", {"category": "toiture", "department": "81"}).json()
    assert [p["slug"] for p in listing["results"]] == [pro.slug]


def test_invalid_profile_is_explained_in_french_and_nothing_changes(client):
    pro = make_pro("Façades du Midi", departments=("31",), description="Avant")
    client.force_login(member_of(pro, "owner"))
    response = client.post(
        "/espace-pro/profil/",
        {"action": "profile", "description": "Après", "categories": [], "service_radius_km": "900"},
    )
    html = response.content.decode()
    assert "Choisissez au moins un métier." in html
    assert "Le rayon d&#x27;intervention va de 1 à 200 km." in html
    pro.refresh_from_db()
    assert pro.description == "Avant"


def test_photos_logo_and_certifications(client):
    pro = make_pro("Façades du Midi")
    client.force_login(member_of(pro, "manager"))
    assert (
        client.post(
            "/espace-pro/profil/", {"action": "photo", "image": jpeg(), "caption": "Façade"}
        ).status_code
        == 302
    )
    photo = ProPhoto.objects.get(pro=pro)
    assert photo.thumbnail
    fake = SimpleUploadedFile("x.jpg", b"not an image", content_type="image/jpeg")
    refused = client.post("/espace-pro/profil/", {"action": "photo", "image": fake})
    assert refused.status_code == 400 and ProPhoto.objects.filter(pro=pro).count() == 1
    assert client.post("/espace-pro/profil/", {"action": "logo", "logo": jpeg()}).status_code == 302
    assert ProProfile.objects.get(pk=pro.pk).logo
    client.post(
        "/espace-pro/profil/",
        {"action": "certification", "kind": "rge", "number": "E-1", "valid_until": "2030-01-01"},
    )
    assert ProCheck.objects.filter(pro=pro, label="rge", status="pending").exists()
    client.post("/espace-pro/profil/", {"action": "delete_photo", "target": photo.id})
    assert not ProPhoto.objects.filter(pro=pro).exists()


def test_sales_rep_reads_only_and_other_companies_get_404(client):
    pro = make_pro("Façades du Midi", description="Texte")
    other = make_pro("Toitures Occitanes", commune="66136")
    other_photo = ProPhoto.objects.create(pro=other, image="x.jpg")
    rep = member_of(pro, "sales_rep")
    client.force_login(rep)
    page = client.get("/espace-pro/profil/").content.decode()
    assert "Lecture seule" in page
    client.post("/espace-pro/profil/", {"action": "profile", "description": "Piraté"})
    assert ProProfile.objects.get(pk=pro.pk).description == "Texte"

    owner = member_of(pro, "owner")
    client.force_login(owner)
    response = client.post(
        "/espace-pro/profil/", {"action": "delete_photo", "target": other_photo.id}
    )
    assert response.status_code == 404
    assert ProPhoto.objects.filter(pk=other_photo.pk).exists()

    client.force_login(UserFactory())
    assert client.get("/espace-pro/profil/").status_code == 404
