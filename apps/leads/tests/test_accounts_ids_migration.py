"""The migration from foreign keys into accounts to plain ids keeps every row and its
organization and user ids, and leaves no database constraint: accounts' rows may go
(another database, some day) without the leads' rows."""

import pytest
from django.db import connection
from django.utils import timezone

BEFORE = [("leads", "0009_lead_work_ended_on")]
AFTER = [("leads", "0010_drop_accounts_foreign_keys")]


def _create_rows(apps, *, company_id: int, network_id: int, user_id: int) -> int:
    now = timezone.now()
    lead = apps.get_model("leads", "Lead").objects.create(
        pro_id=1,
        organization_id=company_id,
        network_id=network_id,
        assigned_to_id=user_id,
        category_slug="facade",
        postcode="31000",
        department_code="31",
        created_at=now,
    )
    apps.get_model("leads", "LeadTransition").objects.create(
        lead=lead, from_status="sent", to_status="viewed", actor_id=user_id, at=now
    )
    apps.get_model("leads", "LeadNote").objects.create(
        lead=lead, author_id=user_id, body="Rappeler", created_at=now
    )
    apps.get_model("leads", "LeadAlert").objects.create(
        lead=lead, user_id=user_id, channel="sms", scheduled_for=now, created_at=now
    )
    apps.get_model("leads", "NetworkInstaller").objects.create(network_id=network_id, pro_id=1)
    apps.get_model("leads", "UnroutedLead").objects.create(
        network_id=network_id, external_id="RCH-1", data={}, created_at=now
    )
    apps.get_model("leads", "WebhookEndpoint").objects.create(
        network_id=network_id, url="https://crm.exemple.fr/", secret="s", created_at=now
    )
    return lead.pk


@pytest.mark.django_db(transaction=True)
def test_the_ids_stay_and_the_accounts_rows_may_go(migrator):
    # Accounts is untouched by this migration: today's models will do.
    from apps.accounts.models import Organization, User

    company = Organization.objects.create(name="Façades du Midi", slug="midi", kind="company")
    network = Organization.objects.create(name="Réseau", slug="reseau", kind="network")
    user = User.objects.create(email="philippe@facades-du-midi.fr")
    old = migrator.apply(BEFORE)
    lead_id = _create_rows(old, company_id=company.pk, network_id=network.pk, user_id=user.pk)

    new = migrator.apply(AFTER)
    with connection.cursor() as cursor:  # no constraint holds them any more
        cursor.execute(
            "DELETE FROM accounts_organization WHERE id IN (%s, %s)", [company.pk, network.pk]
        )
        cursor.execute("DELETE FROM accounts_user WHERE id = %s", [user.pk])

    def ids(model: str, *fields: str) -> list[tuple]:
        return list(new.get_model("leads", model).objects.values_list(*fields))

    assert ids("Lead", "pk", "organization_id", "network_id", "assigned_to_id") == [
        (lead_id, company.pk, network.pk, user.pk)
    ]
    assert ids("LeadTransition", "lead_id", "actor_id") == [(lead_id, user.pk)]
    assert ids("LeadNote", "lead_id", "author_id") == [(lead_id, user.pk)]
    assert ids("LeadAlert", "lead_id", "user_id") == [(lead_id, user.pk)]
    assert ids("NetworkInstaller", "network_id") == [(network.pk,)]
    assert ids("UnroutedLead", "network_id") == [(network.pk,)]
    assert ids("WebhookEndpoint", "network_id") == [(network.pk,)]
