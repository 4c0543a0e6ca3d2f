"""The migration to checks: labels typed by pros become pending self-declared checks, the
staff-set "entreprise vérifiée" flag a verified identity check by staff."""

from datetime import date

import pytest

BEFORE = [("directory", "0006_pro_coverage")]
AFTER = [("directory", "0007_pro_checks")]


@pytest.mark.django_db(transaction=True)
def test_existing_labels_become_pending_and_the_verified_flag_a_staff_identity_check(migrator):
    old = migrator.apply(BEFORE)
    region = old.get_model("directory", "Region").objects.create(code="76", name="Occitanie")
    department = old.get_model("directory", "Department").objects.create(
        code="31", name="Haute-Garonne", slug="haute-garonne-31", region=region
    )
    commune = old.get_model("directory", "Commune").objects.create(
        insee_code="31555",
        name="Toulouse",
        slug="toulouse-31",
        search_name="toulouse",
        department=department,
        latitude=43.6,
        longitude=1.44,
    )
    # Organizations (accounts) are untouched by these migrations: today's model will do.
    from apps.accounts.models import Organization

    Pro = old.get_model("directory", "ProProfile")
    pros = [
        Pro.objects.create(
            organization_id=Organization.objects.create(name=name, slug=slug, kind="company").pk,
            name=name,
            slug=slug,
            siret=siret,
            commune=commune,
            postcode="31000",
            latitude=43.6,
            longitude=1.44,
            is_verified=verified,
        )
        for name, slug, siret, verified in (
            ("Façades du Midi", "facades-du-midi", "73282932000074", True),
            ("Toitures", "toitures", "", False),
        )
    ]
    old.get_model("directory", "Certification").objects.create(
        pro=pros[1], kind="qualipv", number="QPV-1", valid_until=date(2031, 1, 1)
    )

    new = migrator.apply(AFTER)
    ProCheck = new.get_model("directory", "ProCheck")
    rows = set(
        ProCheck.objects.values_list("pro_id", "kind", "label", "number", "status", "source")
    )
    assert rows == {
        (pros[1].pk, "label", "qualipv", "QPV-1", "pending", "self_declared"),
        (pros[0].pk, "identity", "", "73282932000074", "verified", "staff"),
    }
