"""pro_profile_update is the one writer of a pro's details: the back office and the admin
both go through it, and it owns the index refresh and the ProProfileChanged event."""

import pytest
from django.db.models.fields.files import FieldFile
from django.utils.html import escape

from apps.accounts.tests.factories import OrganizationFactory
from apps.core.models import OutboxEvent
from apps.directory import services
from apps.directory.models import Category, ProNetwork, ProProfile
from apps.directory.tests.factories import make_pro

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("directory_data")]


def changed_events(pro):
    return OutboxEvent.objects.filter(name="directory.ProProfileChanged", payload__pro_id=pro.id)


def test_an_update_writes_the_fields_trades_and_area_refreshes_search_and_publishes_once():
    pro = make_pro("Façades du Midi", departments=("31",), description="Avant")
    OutboxEvent.objects.all().delete()
    toiture = Category.objects.get(slug="toiture")
    services.pro_profile_update(
        pro_id=pro.id,
        changes={"description": "Couverture en tuiles canal.", "headcount": 7},
        category_ids=[toiture.id],
        department_ids=["31", "81"],
    )
    pro = ProProfile.objects.get(pk=pro.pk)
    assert (pro.description, pro.headcount) == ("Couverture en tuiles canal.", 7)
    assert list(pro.categories.values_list("slug", flat=True)) == ["toiture"]
    assert set(pro.service_departments.values_list("code", flat=True)) == {"31", "81"}
    assert "tuiles" in pro.search_document and "toiture" in pro.search_document
    assert changed_events(pro).count() == 1
    assert changed_events(pro).get().payload["slug"] == pro.slug


def test_only_profile_fields_are_written_and_a_refusal_changes_nothing():
    pro = make_pro("Façades du Midi", departments=("31",))
    OutboxEvent.objects.all().delete()
    with pytest.raises(ValueError, match="is_published"):
        services.pro_profile_update(pro_id=pro.id, changes={"is_published": False})
    assert ProProfile.objects.get(pk=pro.pk).is_published
    assert not changed_events(pro).exists()


def test_the_admin_goes_through_the_service(admin_client):
    pro = make_pro("Façades du Midi", departments=("31",), description="Avant")
    OutboxEvent.objects.all().delete()
    page = admin_client.get(f"/admin/directory/proprofile/{pro.pk}/change/")
    form = page.context["adminform"].form
    data = {
        name: value
        for name, value in form.initial.items()
        if value is not None and not isinstance(value, list | FieldFile)
    }
    data.update(
        {
            "description": "Isolation par l'extérieur, enduits à la chaux.",
            "categories": [c.pk for c in pro.categories.all()],
            "service_departments": ["31"],
            "organization_id": pro.organization_id,
            "commune": pro.commune_id,
        }
    )
    for prefix in ("network_links", "checks", "photos"):
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
    response = admin_client.post(f"/admin/directory/proprofile/{pro.pk}/change/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    pro.refresh_from_db()
    assert "chaux" in pro.search_document
    assert changed_events(pro).count() == 1


def _admin_form_data(admin_client, pro, **links) -> dict:
    """The admin's change form of the pro as shown, with these network-link rows."""
    form = (
        admin_client.get(f"/admin/directory/proprofile/{pro.pk}/change/").context["adminform"].form
    )
    data = {
        name: value
        for name, value in form.initial.items()
        if value is not None and not isinstance(value, list | FieldFile)
    }
    data.update(
        {
            "categories": [c.pk for c in pro.categories.all()],
            "organization_id": pro.organization_id,
            "commune": pro.commune_id,
        }
    )
    for prefix in ("checks", "photos"):
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
    data.update({"network_links-TOTAL_FORMS": str(len(links)), "network_links-INITIAL_FORMS": "0"})
    for n, network_id in enumerate(links.values()):
        data[f"network_links-{n}-network_id"] = network_id
    return data


def test_staff_link_a_pro_to_a_network_by_its_id_and_only_to_a_network(admin_client):
    pro = make_pro("Façades du Midi")
    network = OrganizationFactory(name="Réseau Confort", slug="reseau-confort", kind="network")
    url = f"/admin/directory/proprofile/{pro.pk}/change/"

    company = admin_client.post(url, _admin_form_data(admin_client, pro, a=pro.organization_id))
    assert company.status_code == 200
    assert escape("Aucun réseau ni fabricant n'a cet identifiant.") in company.content.decode()

    linked = admin_client.post(url, _admin_form_data(admin_client, pro, a=network.pk))
    assert linked.status_code == 302
    assert list(ProNetwork.objects.filter(pro=pro).values_list("network_id", flat=True)) == [
        network.pk
    ]
    assert admin_client.get(f"/api/v1/pros/{pro.slug}/").json()["networks"] == ["Réseau Confort"]
