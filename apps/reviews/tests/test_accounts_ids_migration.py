"""The migration to plain accounts ids: invitations, reports, settings and digests keep
the organization and the user they named, and the database no longer refuses an id that
accounts does not hold (no foreign key: the context could live in its own database)."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

BEFORE = [("reviews", "0015_invitation_funnel_stages")]
AFTER = [("reviews", "0016_accounts_ids")]


@pytest.fixture
def back_to_the_latest_schema():
    yield
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def _invitation(model, **fields):
    now = timezone.now()
    return model.objects.create(
        pro_id=7,
        customer_name="Luce Moreau",
        customer_email="luce@exemple.fr",
        email_hash="a" * 64,
        work_description="Ravalement",
        work_date=date(2026, 5, 1),
        nonce="n" * 32,
        source="single",
        expires_at=now + timedelta(days=30),
        **fields,
    )


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("back_to_the_latest_schema")
def test_the_ids_are_kept_and_an_unknown_id_is_no_longer_refused():
    # Users and organizations (accounts) are untouched by this migration: today's models.
    from apps.accounts.models import Organization, User

    organization = Organization.objects.create(name="Façades du Midi", slug="fdm", kind="company")
    reporter_org = Organization.objects.create(name="Voisins", slug="voisins", kind="company")
    user = User.objects.create(email="philippe@facades-du-midi.fr")
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    invitation = _invitation(
        old.get_model("reviews", "ReviewInvitation"),
        organization_id=organization.pk,
        created_by_id=user.pk,
        external_id="FAC-1",
    )
    old.get_model("reviews", "InvitationPolicy").objects.create(
        organization_id=organization.pk, daily_quota=80
    )
    old.get_model("reviews", "DigestOptOut").objects.create(user_id=user.pk)
    old.get_model("reviews", "DigestSent").objects.create(
        organization_id=organization.pk, week="2026-W49"
    )

    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps
    Invitation = new.get_model("reviews", "ReviewInvitation")
    kept = Invitation.objects.get(pk=invitation.pk)
    assert (kept.organization_id, kept.created_by_id) == (organization.pk, user.pk)
    policy = new.get_model("reviews", "InvitationPolicy").objects.get()
    assert (policy.organization_id, policy.daily_quota) == (organization.pk, 80)
    assert new.get_model("reviews", "DigestOptOut").objects.get().user_id == user.pk
    digest = new.get_model("reviews", "DigestSent").objects.get()
    assert (digest.organization_id, digest.week) == (organization.pk, "2026-W49")

    # No foreign key any more: an id accounts does not hold is stored as it is.
    unknown = _invitation(Invitation, organization_id=987654, external_id="FAC-9")
    assert Invitation.objects.get(pk=unknown.pk).organization_id == 987654
    Report = new.get_model("reviews", "ReviewReport")
    assert Report._meta.get_field("reporter_organization_id").null
    assert reporter_org.pk  # still there: nothing of accounts moved
