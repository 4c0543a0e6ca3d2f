"""No e-mail address or phone number travels in a domain event.

The guard reads every registered event's fields; ``accounts.UserErased`` carries the
SHA-256 of the address, and an erasure written before that (version 1, the address itself)
is upcast when it leaves the outbox or reaches a consumer: each context still finds the
person's rows by address, and the address leaves the outbox row.
"""

from __future__ import annotations

import dataclasses
import importlib
import json
import re
import uuid

import pytest
from django.apps import apps as django_apps
from django.utils import timezone

from apps.accounts.events import UserErased
from apps.core import outbox
from apps.core.envelope import Envelope, MalformedEvent
from apps.core.events import registered_events
from apps.core.models import OutboxEvent
from apps.core.privacy import email_digest
from apps.quotes.models import QuoteRequest
from apps.reviews.models import Review
from apps.reviews.tests.support import submit_invited

PERSONAL_FIELD = re.compile(r"e_?mail|phone|mobile|telephone|\btel\b|portable", re.IGNORECASE)

# (event name, field) → why a field named like contact data is not one.
ALLOWED = {
    ("accounts.UserErased", "email_sha256"): (
        "the SHA-256 of the normalised address, never the address: each context matches its "
        "rows with SHA256(Lower(field)) in the database"
    ),
}


def _every_event_module_imported() -> None:
    for config in django_apps.get_app_configs():
        if config.name.startswith("apps."):
            try:
                importlib.import_module(f"{config.name}.events")
            except ModuleNotFoundError as exc:
                if exc.name != f"{config.name}.events":
                    raise


def test_no_registered_event_has_a_field_named_like_an_address_or_a_phone():
    _every_event_module_imported()
    events = registered_events()
    assert {"accounts.UserErased", "reviews.ReviewPublished"} <= {e.name for e in events}

    offending = [
        f"{event.name}.{field.name}"
        for event in events
        for field in dataclasses.fields(event)
        if PERSONAL_FIELD.search(field.name) and (event.name, field.name) not in ALLOWED
    ]

    assert offending == [], "contact data on the wire: send an id or a digest instead"
    for name, field in ALLOWED:
        cls = next(e for e in events if e.name == name)
        assert field in {f.name for f in dataclasses.fields(cls)}, f"stale allow-list: {name}"


@pytest.fixture
def luce(facade_pros, dispatch, django_capture_on_commit_callbacks):
    """Luce asked for a quote and reviewed a pro without an account; so did Marc."""
    with django_capture_on_commit_callbacks(execute=True):
        review = submit_invited(facade_pros["midi"], email="luce@exemple.fr", title="Façade")
        other = submit_invited(facade_pros["midi"], email="marc@exemple.fr", title="Toit")
    quote = dispatch([facade_pros["midi"].slug], email="luce@exemple.fr", first_name="Luce")
    return {"review": review, "other_review": other, "quote": quote}


def _assert_luce_erased_and_marc_kept(luce) -> None:
    review = Review.objects.get(pk=luce["review"].pk)
    assert (review.author_name, review.author_email) == ("Ancien utilisateur", "")
    assert Review.objects.get(pk=luce["other_review"].pk).author_email == "marc@exemple.fr"
    quote = QuoteRequest.objects.get(pk=luce["quote"].pk)
    assert (quote.email, quote.first_name, quote.anonymised_at is not None) == ("", "", True)


@pytest.mark.django_db
def test_an_erasure_by_digest_reaches_the_rows_written_with_the_address(
    luce, django_capture_on_commit_callbacks
):
    from apps.core.events import publish

    digest = email_digest("  Luce@Exemple.fr ")
    with django_capture_on_commit_callbacks(execute=True):
        event_id = publish(UserErased(user_id=424242, email_sha256=digest, erased_at=""))

    _assert_luce_erased_and_marc_kept(luce)
    record = OutboxEvent.objects.get(id=event_id)
    assert record.delivered_at is not None
    assert "@" not in outbox.envelope_for(record).to_json()


@pytest.mark.django_db
def test_a_version_1_erasure_left_in_the_outbox_is_upcast_delivered_and_rewritten(luce):
    record = OutboxEvent.objects.create(
        name=UserErased.name,
        version=1,
        payload={"user_id": 424242, "email": "luce@exemple.fr", "erased_at": ""},
    )

    assert outbox.deliver(record.id) is True

    _assert_luce_erased_and_marc_kept(luce)
    record.refresh_from_db()
    assert record.delivered_at is not None
    assert record.version == 2
    assert record.payload == {
        "user_id": 424242,
        "email_sha256": email_digest("luce@exemple.fr"),
        "erased_at": "",
    }


def test_a_version_1_erasure_received_from_the_wire_is_read_as_version_2():
    body = {
        "id": str(uuid.uuid4()),
        "name": UserErased.name,
        "version": 1,
        "occurred_at": timezone.now().isoformat(),
        "producer": "accounts",
        "payload": {"user_id": 7, "email": "Luce@exemple.fr", "erased_at": ""},
    }

    envelope = Envelope.from_json(json.dumps(body))

    assert envelope.version == 2
    assert envelope.event() == UserErased(
        user_id=7, email_sha256=email_digest("luce@exemple.fr"), erased_at=""
    )
    assert "@" not in envelope.to_json()
    # A delivered version-1 row had its address blanked: it matches nothing.
    body["payload"]["email"] = ""
    assert Envelope.from_json(json.dumps(body)).event().email_sha256 == ""
    # A version this code has never heard of is still refused.
    body["version"] = 3
    with pytest.raises(MalformedEvent, match="version 3 unsupported"):
        Envelope.from_json(json.dumps(body))
