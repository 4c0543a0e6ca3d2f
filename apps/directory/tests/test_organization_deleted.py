"""An organization deleted in accounts (``OrganizationDeleted``): the directory keeps
organizations by id, so it removes itself what the database cascade used to — the
company's profile, the manufacturer's brand page, the pros' links to a network — and the
public pages stop showing them. A person's profile claims go when they erase their
account (``UserErased``)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.utils import timezone

from apps.accounts.events import UserErased
from apps.accounts.services import organization_delete
from apps.accounts.tests.factories import OrganizationFactory, UserFactory
from apps.core.events import publish
from apps.directory.models import ProCheck, ProClaim, ProNetwork, ProProfile
from apps.directory.tests.factories import link_network, make_brand, make_pro

pytestmark = pytest.mark.django_db


def test_a_deleted_company_loses_its_public_profile(
    client, directory_data, django_capture_on_commit_callbacks
):
    gone = make_pro("Façades du Midi", verified=True)
    kept = make_pro("Enduits de Garonne")
    assert client.get(f"/pro/{gone.slug}/").status_code == 200

    with django_capture_on_commit_callbacks(execute=True):
        assert organization_delete(organization_id=gone.organization_id)

    assert client.get(f"/pro/{gone.slug}/").status_code == 404
    assert not ProProfile.objects.filter(pk=gone.pk).exists()
    assert not ProCheck.objects.filter(pro_id=gone.pk).exists()
    assert client.get(f"/pro/{kept.slug}/").status_code == 200


def test_a_deleted_manufacturer_loses_its_brand_page_and_its_installers_their_badge(
    client, directory_data, django_capture_on_commit_callbacks
):
    brand = make_brand("Thermaris", slug="thermaris")
    installer = make_pro("Chaleur Toulousaine", trades=("pompe-a-chaleur",))
    link_network(installer, brand.organization_id)
    assert client.get("/marques/thermaris/").status_code == 200
    assert "Installateur certifié Thermaris" in client.get(f"/pro/{installer.slug}/").text

    with django_capture_on_commit_callbacks(execute=True):
        assert organization_delete(organization_id=brand.organization_id)

    assert client.get("/marques/thermaris/").status_code == 404
    assert "Thermaris" not in client.get(f"/pro/{installer.slug}/?fresh=1").text
    assert not ProNetwork.objects.exists()
    assert ProProfile.objects.filter(pk=installer.pk).exists()


def test_a_deleted_network_leaves_the_profiles_of_its_members(
    client, directory_data, django_capture_on_commit_callbacks
):
    network = OrganizationFactory(name="Réseau Confort", slug="reseau-confort", kind="network")
    other = OrganizationFactory(name="Artisans Associés", slug="artisans-associes", kind="network")
    pro = make_pro("Façades du Midi")
    link_network(pro, network.pk)
    link_network(pro, other.pk)
    assert "Réseau Confort" in client.get(f"/api/v1/pros/{pro.slug}/").json()["networks"]

    with django_capture_on_commit_callbacks(execute=True):
        organization_delete(organization_id=network.pk)

    assert client.get(f"/api/v1/pros/{pro.slug}/").json()["networks"] == ["Artisans Associés"]


def test_an_erased_person_s_claims_and_their_documents_go(
    directory_data, django_capture_on_commit_callbacks
):
    pro = make_pro("Façades du Midi")
    claimant, other = UserFactory(), UserFactory()
    private = storages["private"]
    document = private.save(f"claims/{pro.pk}/kbis.pdf", ContentFile(b"%PDF-1.4"))
    expires = timezone.now() + timedelta(hours=1)
    for user, name in ((claimant, document), (other, "")):
        ProClaim.objects.create(
            pro=pro,
            user_id=user.pk,
            channel="document" if name else "email",
            code_hash="",
            expires_at=expires,
            document=name,
        )

    with django_capture_on_commit_callbacks(execute=True):
        publish(UserErased(user_id=claimant.pk, email_sha256="", erased_at=""))

    assert list(ProClaim.objects.values_list("user_id", flat=True)) == [other.pk]
    assert not private.exists(document)
