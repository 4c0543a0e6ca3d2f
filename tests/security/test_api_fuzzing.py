"""API fuzzing: schemathesis generates requests from our own OpenAPI schema (/api/schema/)
and runs them in-process against the WSGI application, with all its default checks (no 5xx,
documented status codes, content types and response schemas, bad input refused...), as an
anonymous client and with the JWT of a pro owner and of an advisor. Bounded: a few dozen
examples per operation, so that it runs in CI with the rest of the suite."""

from __future__ import annotations

import json

import pytest
import schemathesis
from django.core.cache import cache
from django.core.wsgi import get_wsgi_application
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import negative_data_rejection, positive_data_acceptance

from tests.security.conftest import jwt_for

pytestmark = pytest.mark.fuzz


def _openapi() -> dict:
    """The document /api/schema/ serves, generated without a request (at collection time,
    before the test database exists; schemathesis.pytest.from_fixture would defer loading,
    but its lazy loader breaks on pytest 9)."""
    generator = SchemaGenerator(patterns=None, urlconf=None, api_version=None)
    return json.loads(json.dumps(generator.get_schema(request=None, public=True), default=str))


schema = schemathesis.openapi.from_dict(_openapi())
schema.app = get_wsgi_application()  # requests go in-process, through the WSGI application


# Excluded: the two checks that compare acceptance with the schema's types alone. Our
# validation is stricter than an OpenAPI type can say (a French postcode that exists, a
# password that is the current one, 20 characters of description...), so "schema-valid
# request rejected with 400" is the API doing its job, and DRF accepting form-encoded
# bodies or ignoring unknown fields is "schema-violating request accepted". Every other
# default check runs: no 5xx, documented status codes, content types, response schemas and
# headers, auth enforced, and so on. docs/reliability.md, "Security".
BUSINESS_RULES_CHECKS = [positive_data_acceptance, negative_data_rejection]
BOUNDED = settings(
    max_examples=15, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True
)


@pytest.fixture
def users(db):
    """A pro owner (of a company with a published profile) and an advisor."""
    from apps.accounts.models import MemberRole
    from apps.accounts.tests.factories import MembershipFactory, OrganizationFactory, UserFactory

    owner = UserFactory(email="owner@facades-du-midi.fr")
    MembershipFactory(
        user=owner, organization=OrganizationFactory(name="Façades du Midi"), role=MemberRole.OWNER
    )
    return {"pro_owner": owner, "advisor": UserFactory(email="camille@eldo.test", advisor=True)}


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """schemathesis calls the WSGI application directly, so request_started/finished fire
    close_old_connections, which Django's test client disconnects. With PostgreSQL's
    connection pool, closing hands the connection back to the pool even inside the test's
    transaction, and every later query fails ("Cannot open a new connection in an atomic
    block"). Disconnected here as the test client does."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def call(case, user):
    cache.clear()  # throttle counters: each example is a fresh client
    headers = {"Authorization": f"Bearer {jwt_for(user)}"} if user else {}
    case.call_and_validate(headers=headers, excluded_checks=BUSINESS_RULES_CHECKS)


@schema.parametrize()
@BOUNDED
def test_anonymous(case, db, mailoutbox):
    call(case, None)


@schema.parametrize()
@BOUNDED
def test_pro_owner(case, users, mailoutbox):
    call(case, users["pro_owner"])


@schema.parametrize()
@BOUNDED
def test_advisor(case, users, mailoutbox):
    call(case, users["advisor"])
