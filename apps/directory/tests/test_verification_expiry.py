"""Expiry through beat: a verified check past its date switches off by itself (cached pages
rebuilt), and the pro is reminded 30 and 7 days before, once each."""

from datetime import date, timedelta

import pytest
from django.conf import settings
from django.core import mail

from apps.accounts.tests.factories import MembershipFactory
from apps.directory.models import CheckKind, CheckStatus, ProCheck
from apps.directory.tasks import checks_daily
from apps.directory.tests.factories import make_pro
from apps.directory.verification import checks
from tests.schedules import once_a_day

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("directory_data")]


def test_the_daily_task_is_scheduled_by_beat():
    entry = settings.CELERY_BEAT_SCHEDULE["directory-checks-daily"]
    assert entry["task"] == "directory.checks_daily"
    assert checks_daily.name == entry["task"]
    assert once_a_day(entry["schedule"])


def test_an_expired_label_switches_off_and_cached_pages_follow(
    client, django_capture_on_commit_callbacks
):
    pro = make_pro("Façades du Midi", departments=("31",), certifications=(("rge", 10),))
    url = f"/api/v1/pros/{pro.slug}/"
    assert [c["kind"] for c in client.get(url).json()["certifications"]] == ["rge"]
    assert client.get("/api/v1/pros/", {"certification": "rge"}).json()["count"] == 1
    # The date passes (a write that bumps no cache): the cached answers still show it…
    ProCheck.objects.filter(pro=pro, label="rge").update(valid_until=date.today() - timedelta(1))
    assert [c["kind"] for c in client.get(url).json()["certifications"]] == ["rge"]
    # …until the daily job expires it and rebuilds what showed it.
    with django_capture_on_commit_callbacks(execute=True):
        assert checks_daily.delay().get()["expired"] == 1
    assert ProCheck.objects.get(pro=pro, label="rge").status == CheckStatus.EXPIRED
    assert client.get(url).json()["certifications"] == []
    assert client.get("/api/v1/pros/", {"certification": "rge"}).json()["count"] == 0
    assert checks_daily.delay().get()["expired"] == 0  # idempotent


def test_an_expired_insurance_stops_matching():
    pro = make_pro("Façades du Midi", departments=("31",))
    assert checks.insured_pro_ids(pro_ids=[pro.id], category_slug="facade")
    ProCheck.objects.filter(pro=pro, kind=CheckKind.INSURANCE).update(
        valid_until=date.today() - timedelta(days=1)
    )
    checks_daily.delay().get()
    assert ProCheck.objects.get(pro=pro, kind=CheckKind.INSURANCE).status == CheckStatus.EXPIRED
    assert not checks.insured_pro_ids(pro_ids=[pro.id], category_slug="facade")


def test_reminders_30_and_7_days_before_once_each(django_capture_on_commit_callbacks):
    pro = make_pro("Façades du Midi", departments=("31",), insured=False)
    owner = MembershipFactory(organization_id=pro.organization_id, role="owner").user
    end = date.today() + timedelta(days=60)
    ProCheck.objects.create(
        pro=pro,
        kind=CheckKind.INSURANCE,
        number="P-1",
        issuer="SMABTP",
        status=CheckStatus.VERIFIED,
        valid_until=end,
    )

    def send(today):
        with django_capture_on_commit_callbacks(execute=True):
            return checks.expiry_reminders_send(today=today)

    assert send(end - timedelta(days=31)) == 0
    assert send(end - timedelta(days=30)) == 1
    assert send(end - timedelta(days=30)) == 0
    assert send(end - timedelta(days=20)) == 0
    assert send(end - timedelta(days=7)) == 1
    assert send(end - timedelta(days=3)) == 0
    assert [m.to for m in mail.outbox] == [[owner.email], [owner.email]]
    assert "30 jours" in mail.outbox[0].subject and "7 jours" in mail.outbox[1].subject
    assert "Assurance décennale" in mail.outbox[0].subject
    body = mail.outbox[0].body
    assert f"arrive à échéance le {end:%d/%m/%Y}" in body
    assert "ne vous transmet plus de demandes de devis" in body
    assert "/espace-pro/profil/#verifications" in body
    html = mail.outbox[0].alternatives[0][0]  # the text in the one e-mail layout
    assert '<html lang="fr">' in html and '/espace-pro/profil/#verifications"' in html
    # A renewed validity is reminded again when its own date comes.
    ProCheck.objects.filter(pro=pro).update(valid_until=end + timedelta(days=365))
    assert send(end + timedelta(days=365 - 30)) == 1
