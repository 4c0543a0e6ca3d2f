"""Deleting an organization goes through accounts' service, which tells every context."""

import pytest

from apps.accounts import services
from apps.accounts.models import Membership, Organization
from apps.accounts.tests.factories import UserFactory
from apps.core.models import OutboxEvent

pytestmark = pytest.mark.django_db


def test_deleting_an_organization_removes_its_memberships_and_publishes_the_event():
    organization = Organization.objects.create(name="Toitures Martin", slug="tm", kind="company")
    Membership.objects.create(user=UserFactory(), organization=organization, role="owner")

    assert services.organization_delete(organization_id=organization.pk) is True

    assert not Organization.objects.filter(pk=organization.pk).exists()
    assert not Membership.objects.filter(organization_id=organization.pk).exists()
    event = OutboxEvent.objects.filter(name="accounts.OrganizationDeleted").get()
    assert event.payload["organization_id"] == organization.pk
    assert event.payload["kind"] == "company"


def test_deleting_an_unknown_organization_publishes_nothing():
    assert services.organization_delete(organization_id=987654) is False
    assert not OutboxEvent.objects.filter(name="accounts.OrganizationDeleted").exists()
