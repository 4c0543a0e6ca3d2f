"""The envelope: what crosses a process boundary round-trips unchanged, and anything that
is not a known event at a supported version is refused as malformed."""

import json
import uuid
from dataclasses import dataclass

import pytest
from django.db import transaction
from django.utils import timezone

from apps.core import outbox
from apps.core.envelope import Envelope, MalformedEvent, envelope_of
from apps.core.events import DomainEvent, publish, register_event, upcaster
from apps.core.models import OutboxEvent
from apps.core.tests import probe


def _valid(**changes) -> dict:
    raw = {
        "id": str(uuid.uuid4()),
        "name": probe.ProbeHappened.name,
        "version": 1,
        "occurred_at": "2026-12-04T15:50:02.123456+00:00",
        "producer": "core_tests",
        "payload": {"label": "façade", "record_to": ""},
    }
    raw.update(changes)
    return raw


def test_an_envelope_survives_the_round_trip_through_json():
    envelope = Envelope(**_valid())
    assert Envelope.from_json(envelope.to_json()) == envelope
    assert Envelope.from_json(envelope.to_json().encode()) == envelope
    assert envelope.event() == probe.ProbeHappened(label="façade")


@pytest.mark.django_db
def test_the_outbox_builds_the_envelope_from_its_row(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False), transaction.atomic():
        event_id = publish(probe.ProbeHappened(label="toit"))
    record = OutboxEvent.objects.get(id=event_id)
    envelope = Envelope.from_json(outbox.envelope_for(record).to_json())
    assert envelope.id == event_id
    assert envelope.name == "core_tests.ProbeHappened"
    assert envelope.version == 1
    assert envelope.producer == "core_tests"
    assert envelope.occurred_at == record.created_at.isoformat()
    assert envelope.payload == {"label": "toit", "record_to": ""}


@register_event
@dataclass(frozen=True)
class ProbeRenamed(DomainEvent):
    name = "core_tests.ProbeRenamed"
    version = 2
    label: str


@pytest.mark.django_db
def test_an_event_version_travels_from_its_class_to_the_envelope(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=False):
        event_id = publish(ProbeRenamed(label="v2"))
    envelope = outbox.envelope_for(OutboxEvent.objects.get(id=event_id))
    assert envelope.version == 2
    assert Envelope.from_json(envelope.to_json()).event() == ProbeRenamed(label="v2")


@register_event
@dataclass(frozen=True)
class ProbeReshaped(DomainEvent):
    """Version 1 had ``text``, version 2 ``label``, version 3 ``label`` and ``count``."""

    name = "core_tests.ProbeReshaped"
    version = 3
    label: str
    count: int


@upcaster(ProbeReshaped, from_version=1)
def _reshaped_1_to_2(payload: dict) -> dict:
    return {"label": payload.pop("text")}


@upcaster(ProbeReshaped, from_version=2)
def _reshaped_2_to_3(payload: dict) -> dict:
    return {**payload, "count": 0}


def test_an_older_version_is_upcast_step_by_step_wherever_the_envelope_is_built():
    raw = _valid(name=ProbeReshaped.name, version=1, payload={"text": "ancien"})
    received = Envelope.from_json(json.dumps(raw))
    assert (received.version, received.payload) == (3, {"label": "ancien", "count": 0})
    assert received.event() == ProbeReshaped(label="ancien", count=0)

    built = envelope_of(
        event_id=uuid.uuid4(),
        name=ProbeReshaped.name,
        version=2,
        occurred_at=timezone.now(),
        payload={"label": "deux"},
    )
    assert (built.version, built.payload) == (3, {"label": "deux", "count": 0})


@pytest.mark.django_db
def test_an_outbox_row_of_an_older_version_leaves_upcast_and_keeps_only_the_new_payload():
    record = OutboxEvent.objects.create(
        name=ProbeReshaped.name, version=1, payload={"text": "avant le déploiement"}
    )
    sent: list[Envelope] = []

    class Recording:
        delivered_on_send = True

        def send(self, envelope: Envelope) -> None:
            sent.append(envelope)

    assert outbox.relay(record.id, transport=Recording()) is True
    assert [(e.version, e.payload["label"]) for e in sent] == [(3, "avant le déploiement")]
    record.refresh_from_db()
    assert (record.version, record.payload) == (3, {"label": "avant le déploiement", "count": 0})
    assert record.delivered_at is not None


def test_a_version_the_upcasters_cannot_read_is_refused_as_malformed():
    # No step from 1 for ProbeRenamed: refused, as before upcasting existed.
    with pytest.raises(MalformedEvent, match="version 1 unsupported"):
        Envelope.from_json(json.dumps(_valid(name=ProbeRenamed.name, version=1)))
    # A step that does not fit the old payload: malformed, not a crash.
    with pytest.raises(MalformedEvent, match="cannot be upcast"):
        Envelope.from_json(json.dumps(_valid(name=ProbeReshaped.name, version=1, payload={})))
    # Newer than this code: refused.
    with pytest.raises(MalformedEvent, match="version 4 unsupported"):
        Envelope.from_json(json.dumps(_valid(name=ProbeReshaped.name, version=4)))


def _without(field: str) -> dict:
    raw = _valid()
    del raw[field]
    return raw


MALFORMED = {
    "not json": b"{not json",
    "not utf-8": b"\xff\xfe{}",
    "a list": json.dumps([_valid()]),
    "missing id": json.dumps(_without("id")),
    "missing name": json.dumps(_without("name")),
    "missing version": json.dumps(_without("version")),
    "missing occurred_at": json.dumps(_without("occurred_at")),
    "missing producer": json.dumps(_without("producer")),
    "missing payload": json.dumps(_without("payload")),
    "id not a uuid": json.dumps(_valid(id="42")),
    "id not a string": json.dumps(_valid(id=42)),
    "version as a string": json.dumps(_valid(version="1")),
    "version as a boolean": json.dumps(_valid(version=True)),
    "occurred_at not a date": json.dumps(_valid(occurred_at="hier")),
    "payload a list": json.dumps(_valid(payload=["façade"])),
    "unknown name": json.dumps(_valid(name="core_tests.NeverHappened")),
    "unsupported version": json.dumps(_valid(version=2)),
    "wrong producer": json.dumps(_valid(producer="reviews")),
    "payload missing a field": json.dumps(_valid(payload={"record_to": ""})),
}


@pytest.mark.parametrize("data", MALFORMED.values(), ids=MALFORMED.keys())
def test_a_malformed_message_is_refused(data):
    with pytest.raises(MalformedEvent):
        Envelope.from_json(data)
