"""Fixtures of the accounts tests: a homeowner, a company and its owner, a network, and the
JWT flow (``obtain_pair``, ``bearer``). ``advisor``, ``api_client`` and the clean cache come
from the suite's plugins (tests/plugins) and root conftest."""

import pytest
from rest_framework.test import APIClient

from apps.accounts.models import MemberRole, OrganizationKind
from apps.accounts.tests.factories import (
    PASSWORD,
    MembershipFactory,
    OrganizationFactory,
    UserFactory,
)

TOKEN_URL = "/api/v1/auth/token/"


@pytest.fixture
def password() -> str:
    return PASSWORD


@pytest.fixture
def user(db):
    """A homeowner: no organization, no staff role."""
    return UserFactory(email="claire.homeowner@exemple.fr", first_name="Claire")


@pytest.fixture
def company(db):
    return OrganizationFactory(name="Toitures Durand", slug="toitures-durand")


@pytest.fixture
def pro_owner(db, company):
    """Owner of the company organization ``toitures-durand``."""
    owner = UserFactory(email="paul.durand@toitures-durand.fr", first_name="Paul")
    MembershipFactory(user=owner, organization=company, role=MemberRole.OWNER)
    return owner


@pytest.fixture
def network(db):
    return OrganizationFactory(
        name="Réseau Habitat", slug="reseau-habitat", kind=OrganizationKind.NETWORK
    )


@pytest.fixture
def obtain_pair(api_client):
    """POST the credentials to the token endpoint; returns the {access, refresh} pair."""

    def obtain(email: str, password: str = PASSWORD) -> dict:
        from apps.accounts.models import User
        from apps.accounts.tests.two_factor import otp_for

        data = {"email": email, "password": password}
        user = User.objects.filter(email=email).first()
        if user is not None and (user.is_staff or user.staff_role):
            data["otp"] = otp_for(user)  # staff tokens need the second factor
        response = api_client.post(TOKEN_URL, data, format="json")
        assert response.status_code == 200, response.content
        return response.json()

    return obtain


@pytest.fixture
def bearer():
    """A fresh client presenting ``access`` as a Bearer token."""

    def make(access: str) -> APIClient:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
        return client

    return make
