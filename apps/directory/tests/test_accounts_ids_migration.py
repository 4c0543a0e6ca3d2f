"""The migration from foreign keys into accounts to plain ids keeps every row and its
organization and user ids — the pros' networks too, now ``ProNetwork`` over the same
table — and leaves no database constraint: accounts' rows may go without the directory's."""

import pytest
from django.db import connection
from django.utils import timezone

BEFORE = [("directory", "0012_response_minutes")]
AFTER = [("directory", "0013_drop_accounts_foreign_keys")]


def _commune(apps):
    region = apps.get_model("directory", "Region").objects.create(code="76", name="Occitanie")
    department = apps.get_model("directory", "Department").objects.create(
        code="31", name="Haute-Garonne", slug="haute-garonne-31", region=region
    )
    return apps.get_model("directory", "Commune").objects.create(
        insee_code="31555",
        name="Toulouse",
        slug="toulouse-31",
        search_name="toulouse",
        department=department,
        latitude=43.6,
        longitude=1.44,
    )


def _create_rows(apps, *, company_id: int, maker_id: int, user_id: int) -> int:
    pro = apps.get_model("directory", "ProProfile").objects.create(
        organization_id=company_id,
        name="Façades du Midi",
        slug="facades-du-midi",
        commune=_commune(apps),
        postcode="31000",
        latitude=43.6,
        longitude=1.44,
    )
    pro.networks.add(maker_id)
    apps.get_model("directory", "Brand").objects.create(
        organization_id=maker_id, name="Thermaris", slug="thermaris"
    )
    apps.get_model("directory", "ProPhoto").objects.create(
        pro=pro, image="pros/photos/x.jpg", uploaded_by_id=user_id
    )
    apps.get_model("directory", "ProCheck").objects.create(
        pro=pro, kind="insurance", decided_by_id=user_id
    )
    apps.get_model("directory", "ProClaim").objects.create(
        pro=pro,
        user_id=user_id,
        decided_by_id=user_id,
        channel="email",
        code_hash="",
        expires_at=timezone.now(),
    )
    return pro.pk


@pytest.mark.django_db(transaction=True)
def test_the_ids_stay_and_the_accounts_rows_may_go(migrator):
    # Accounts is untouched by this migration: today's models will do.
    from apps.accounts.models import Organization, User

    company = Organization.objects.create(name="Façades du Midi", slug="midi", kind="company")
    maker = Organization.objects.create(name="Thermaris", slug="thermaris", kind="manufacturer")
    user = User.objects.create(email="ines@eldo.fr")
    old = migrator.apply(BEFORE)
    pro_id = _create_rows(old, company_id=company.pk, maker_id=maker.pk, user_id=user.pk)

    new = migrator.apply(AFTER)
    with connection.cursor() as cursor:  # no constraint holds them any more
        cursor.execute(
            "DELETE FROM accounts_organization WHERE id IN (%s, %s)", [company.pk, maker.pk]
        )
        cursor.execute("DELETE FROM accounts_user WHERE id = %s", [user.pk])

    def ids(model: str, *fields: str) -> list[tuple]:
        return list(new.get_model("directory", model).objects.values_list(*fields))

    assert ids("ProProfile", "pk", "organization_id") == [(pro_id, company.pk)]
    assert ids("ProNetwork", "pro_id", "network_id") == [(pro_id, maker.pk)]
    assert ids("Brand", "organization_id") == [(maker.pk,)]
    assert ids("ProPhoto", "pro_id", "uploaded_by_id") == [(pro_id, user.pk)]
    assert ids("ProCheck", "pro_id", "decided_by_id") == [(pro_id, user.pk)]
    assert ids("ProClaim", "pro_id", "user_id", "decided_by_id") == [(pro_id, user.pk, user.pk)]
