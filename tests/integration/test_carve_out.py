"""The carve-out, run: reviews as its own service next to the monolith.

Two gunicorn processes as the image starts them (production settings), two PostgreSQL
databases (the monolith's is this test's database, the service's one of its own), RabbitMQ
between them (``EVENTS_TRANSPORT=rabbitmq``, one consumer process per side), facades over
HTTP both ways (``REVIEWS_SERVICE_URL`` on the monolith, ``MONOLITH_URL`` on the service),
tokens signed by the monolith and verified by the service with its published keys only.

The story a user would notice:

1. a pro invites a customer from its espace pro (the API, with its token): the service
   reads the pro from the monolith and sends the e-mail;
2. the customer answers through the service (the link of the e-mail), a moderator
   publishes the review (with a moderator's token), and the pro's rating on the monolith's
   profile page changes within 5 s (``reviews.ProRatingChanged`` over RabbitMQ); the staff
   audit log records the decision; the pro reads the review in its espace pro on the
   service, signed in by the monolith's session;
3. the customer erases their account on the monolith: the service erases what they wrote
   (``accounts.UserErased`` over RabbitMQ, with a digest of the address, never the address);
4. with the service stopped, the profile page still answers 200 and says the reviews are
   momentarily unavailable; once it is back, the reviews are back.
"""

from __future__ import annotations

import json
import re

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.test import Client

from apps.accounts.models import MemberRole
from apps.accounts.presentation.serializers import EldoTokenObtainPairSerializer
from apps.accounts.tests.factories import MembershipFactory, UserFactory
from tests.integration.carved import CarvedStack, http
from tests.integration.support import database_url
from tests.waiting import wait_for

pytestmark = [pytest.mark.services, pytest.mark.rabbitmq, pytest.mark.django_db(transaction=True)]

PASSWORD = "Un-mot-de-passe-solide-42"
CUSTOMER = "jeanne.dupuis@exemple.fr"


@pytest.fixture
def stack(tmp_path, settings):
    stack = CarvedStack(
        tmp_path, monolith_db_url=database_url(), broker_url=settings.EVENTS_BROKER_URL
    )
    try:
        stack.prepare()
        stack.start_monolith()
        stack.start_service()
        yield stack
    finally:
        stack.stop()


@pytest.fixture
def people(settings, stack):
    """In the monolith's database: a pro, its owner, a moderator, the customer's account."""
    from apps.directory.models import Category
    from apps.directory.tests.factories import make_pro

    _ensure_geography()
    pro = make_pro("Façades du Midi", departments=("31",), trades=("facade",))
    owner = UserFactory(email="philippe@facades-du-midi.fr", first_name="Philippe")
    MembershipFactory(user=owner, organization=pro.organization, role=MemberRole.OWNER)
    moderator = UserFactory(email="moderation@eldo.test", staff_role="moderator", is_staff=True)
    customer = UserFactory(email=CUSTOMER, first_name="Jeanne")
    # Hashed as the monolith's gunicorn checks it (the tests' settings use a fast MD5 hasher).
    hasher = PBKDF2PasswordHasher()
    customer.password = hasher.encode(PASSWORD, hasher.salt())
    customer.save(update_fields=["password"])
    assert Category.objects.exists()
    # Tokens as the monolith signs them at sign-in, with the same key set; sessions as its
    # sign-in writes them (in its database, signed with its secret key).
    settings.JWT_PRIVATE_KEYS = stack.keys
    settings.JWT_ACTIVE_KID = ""
    settings.SECRET_KEY = stack.secret_key

    def token(user) -> str:
        return str(EldoTokenObtainPairSerializer.get_token(user).access_token)

    return {
        "pro": pro,
        "owner": owner,
        "moderator": moderator,
        "customer": customer,
        "token": token,
    }


def _ensure_geography() -> None:
    from io import StringIO

    from django.core.management import call_command

    from apps.directory.services import categories_sync
    from apps.directory.tests.conftest import DEPARTMENTS

    call_command("load_geography", departments=DEPARTMENTS, stdout=StringIO())
    categories_sync()


def _rating_on_profile(stack, slug: str) -> str:
    status, html = http("GET", f"{stack.monolith}/pro/{slug}/")
    assert status == 200, html[-2000:]
    match = re.search(r'"reviewCount":\s*(\d+)', html)
    return match.group(1) if match else "0"


def test_reviews_runs_as_its_own_service(stack, people):
    pro, slug = people["pro"], people["pro"].slug
    token = people["token"]

    # 1. The pro invites its customer, through the service.
    status, body = http(
        "POST",
        f"{stack.service}/api/v1/review-requests/",
        token=token(people["owner"]),
        body={
            "customer_name": "Jeanne Dupuis",
            "customer_email": CUSTOMER,
            "work_description": "Ravalement de façade",
            "work_date": "2026-10-01",
        },
    )
    assert status == 201, body + stack.logs()
    assert json.loads(body)["pro"] == slug

    def invitation_mail():
        return stack.mails_to(CUSTOMER)

    assert wait_for(invitation_mail, timeout=60), stack.logs()
    (mail,) = invitation_mail()
    assert "Façades du Midi" in str(mail["Subject"])
    text = mail.get_body(("plain",)).get_content()
    (link,) = re.findall(r"https?://\S+/avis/invitation/([^/\s]+)/", text)

    # 2. The customer answers through the service; a moderator publishes.
    status, page = http("GET", f"{stack.service}/avis/invitation/{link}/")
    assert status == 200, page[-2000:]
    assert "Façades du Midi" in page  # the service read the pro from the monolith
    status, body = http(
        "POST",
        f"{stack.service}/api/v1/reviews/",
        body={
            "invitation_token": link,
            "rating": 4,
            "title": "Ravalement soigné",
            "body": "Chantier propre, délais tenus, enduit impeccable : nous sommes ravis.",
            "author_name": "Jeanne",
            "author_email": CUSTOMER,
            "author_postcode": "31000",
            "work_category": "facade",
            "work_date": "2026-10-01",
        },
    )
    assert status == 201, body + stack.logs()
    review_id = json.loads(body)["id"]
    assert _rating_on_profile(stack, slug) == "0"

    status, body = http(
        "POST",
        f"{stack.service}/api/v1/moderation/reviews/{review_id}/decision/",
        token=token(people["moderator"]),
        body={"decision": "publish", "reason": "compliant"},
    )
    assert status in (200, 204), body + stack.logs()
    assert wait_for(lambda: _rating_on_profile(stack, slug) == "1", timeout=60), stack.logs()

    # The staff audit log (accounts, in the monolith) records the moderator's decision,
    # from the service's event.
    from apps.accounts.models import AuditEntry

    assert wait_for(
        lambda: AuditEntry.objects.filter(
            target_type="review", target_ref=str(review_id), action="reviews.publish"
        ).exists(),
        timeout=60,
    ), stack.logs()

    # The pro reads it in its espace pro, served by the service from the monolith's session.
    browser = Client()
    browser.force_login(people["owner"])
    session = {"sessionid": browser.cookies["sessionid"].value}
    status, page = http("GET", f"{stack.service}/espace-pro/avis/", cookies=session)
    assert status == 200, page[-2000:] + stack.logs()
    assert "Ravalement soigné" in page
    assert http("GET", f"{stack.service}/espace-pro/avis/")[0] == 302  # signed out: sign-in
    assert pro.pk  # the monolith's pro, untouched by the service but through events

    # 3. The customer erases their account on the monolith; the service forgets them.
    status, body = http(
        "DELETE",
        f"{stack.monolith}/api/v1/me/",
        token=token(people["customer"]),
        body={"password": PASSWORD},
    )
    assert status == 204, body

    def erased() -> bool:
        rows = stack.reviews_rows("SELECT author_email, author_name FROM reviews_review")
        return bool(rows) and all(CUSTOMER not in (email or "") for email, _name in rows)

    assert wait_for(erased, timeout=60), stack.logs()

    # 4. The service stops: the profile still answers, and says so; it comes back.
    stack.stop_service()
    status, html = http("GET", f"{stack.monolith}/pro/{slug}/?tri=recent")
    assert status == 200, html[-2000:]
    assert "Avis momentanément indisponibles" in html
    stack.start_service()
    status, html = http("GET", f"{stack.monolith}/pro/{slug}/?tri=recent")
    assert status == 200
    assert "Avis momentanément indisponibles" not in html
    assert "Ravalement soigné" in html
