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
   profile page changes within 5 s (``reviews.ProRatingChanged`` over RabbitMQ);
3. the customer erases their account on the monolith: the service erases what they wrote
   (``accounts.UserErased`` over RabbitMQ, with a digest of the address, never the address);
4. with the service stopped, the profile page still answers 200 and says the reviews are
   momentarily unavailable; once it is back, the reviews are back.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import signal
import subprocess
import sys
import urllib.error
import urllib.request
import uuid
from email import message_from_bytes, policy
from pathlib import Path

import psycopg
import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection

from apps.accounts.models import MemberRole
from apps.accounts.presentation.serializers import EldoTokenObtainPairSerializer
from apps.accounts.tests.factories import MembershipFactory, UserFactory
from apps.core import broker
from apps.core.events import consumers
from tests.deploy.support import jwt_private_keys
from tests.integration.support import ROOT, PrivateRedis, database_url
from tests.parallel import free_port
from tests.waiting import wait_for

pytestmark = [pytest.mark.services, pytest.mark.rabbitmq, pytest.mark.django_db(transaction=True)]

PASSWORD = "Un-mot-de-passe-solide-42"
CUSTOMER = "jeanne.dupuis@exemple.fr"


def _http(method: str, url: str, *, token: str = "", body: dict | None = None, timeout=20):
    headers = {"X-Forwarded-Proto": "https", "Accept": "application/json"}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


class Process:
    """A child process with its log, stopped with SIGTERM (then SIGKILL)."""

    def __init__(self, name: str, args: list[str], env: dict, log_dir: Path):
        self.name, self.args, self.env = name, args, env
        self.log_path = log_dir / f"{name}.log"
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        log = self.log_path.open("a")
        self.proc = subprocess.Popen(
            self.args, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT
        )
        log.close()

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)

    def tail(self) -> str:
        return self.log_path.read_text()[-4000:] if self.log_path.exists() else ""


class CarvedStack:
    def __init__(self, tmp_path: Path):
        self.tmp = tmp_path
        self.prefix = f"eldo-carve-{uuid.uuid4().hex[:10]}"
        self.keys = jwt_private_keys("carve-test")
        self.facades_token = secrets.token_urlsafe(32)
        self.mono_port, self.svc_port = free_port(), free_port()
        self.monolith = f"http://127.0.0.1:{self.mono_port}"
        self.service = f"http://127.0.0.1:{self.svc_port}"
        self.mail_dir = tmp_path / "mail"
        self.mail_dir.mkdir()
        self.redis = PrivateRedis(free_port())
        db = connection.settings_dict
        self.reviews_db = f"{db['NAME']}_reviews"[:63]
        base = database_url()
        self.reviews_db_url = base.rsplit("/", 1)[0] + "/" + self.reviews_db
        self.processes: list[Process] = []

    def env(self, **extra: str) -> dict:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "GUNICORN_"))}
        hosts = f"127.0.0.1,127.0.0.1:{self.mono_port},127.0.0.1:{self.svc_port}"
        env.update(
            {
                "PATH": f"{Path(sys.executable).parent}:{env.get('PATH', '')}",
                "DJANGO_DEBUG": "0",
                "DJANGO_SECRET_KEY": "carve-out-test-" + "x" * 50,
                "DJANGO_ALLOWED_HOSTS": hosts,
                "SITE_URL": self.monolith,
                "REDIS_URL": f"redis://127.0.0.1:{self.redis.port}/0",
                # Tasks in the process that queues them: the story is the carve-out, not
                # Celery (which the other integration tests run for real).
                "CELERY_TASK_ALWAYS_EAGER": "1",
                "EVENTS_TRANSPORT": "rabbitmq",
                "EVENTS_BROKER_PREFIX": self.prefix,
                "FACADES_TOKEN": self.facades_token,
                "STATIC_ROOT": str(self.tmp / "static"),
                "MEDIA_ROOT": str(self.tmp / "media"),
                "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
                "EMAIL_FILE_PATH": str(self.mail_dir),
                "GUNICORN_WORKERS": "1",
                "GUNICORN_THREADS": "4",
            }
        )
        for name in ("JWT_PRIVATE_KEYS", "REVIEWS_SERVICE_URL", "MONOLITH_URL"):
            env.pop(name, None)
        env.update(extra)
        return env

    def monolith_env(self) -> dict:
        return self.env(
            DATABASE_URL=database_url(),
            JWT_PRIVATE_KEYS=self.keys,
            REVIEWS_SERVICE_URL=self.service,
            ELDO_VAR_DIR=str(self.tmp / "var-monolith"),
        )

    def service_env(self) -> dict:
        return self.env(
            DJANGO_SETTINGS_MODULE="services.reviews.settings",
            REVIEWS_DATABASE_URL=self.reviews_db_url,
            MONOLITH_URL=self.monolith,
            MONOLITH_PUBLIC_URL=self.monolith,
            # Verifying only: the monolith's published keys, fetched when first needed.
            JWT_JWKS_URL=f"{self.monolith}/.well-known/jwks.json",
            ELDO_VAR_DIR=str(self.tmp / "var-reviews"),
        )

    # --- lifecycle ----------------------------------------------------------------------

    def _admin(self, sql: str) -> None:
        base = database_url().rsplit("/", 1)[0] + "/postgres"
        with psycopg.connect(base, autocommit=True) as admin:
            admin.execute(sql)

    def _manage(self, env: dict, *args: str) -> None:
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]

    def prepare(self) -> None:
        self.redis.start()
        self._admin(f'DROP DATABASE IF EXISTS "{self.reviews_db}"')
        self._admin(f'CREATE DATABASE "{self.reviews_db}"')
        self._manage(self.service_env(), "migrate", "--noinput", "-v0")
        self._manage(self.monolith_env(), "collectstatic", "--noinput", "-v0")

    def start_monolith(self) -> None:
        env = self.monolith_env()
        web = Process(
            "monolith",
            [str(ROOT / "deploy/entrypoint.sh"), "web", "--bind", f"127.0.0.1:{self.mono_port}"],
            env,
            self.tmp,
        )
        self._start_web(web, self.monolith)
        # The directory stores the ratings reviews publishes; accounts' own reactions too.
        for consumer in ("directory", "accounts"):
            if consumer in consumers():
                self._start(
                    Process(
                        f"monolith-{consumer}",
                        [sys.executable, "manage.py", "consume_events", "--consumer", consumer],
                        env,
                        self.tmp,
                    )
                )

    def start_service(self) -> None:
        env = self.service_env()
        web = Process(
            "reviews",
            [
                sys.executable,
                "-m",
                "gunicorn",
                "-c",
                "deploy/gunicorn.conf.py",
                "--bind",
                f"127.0.0.1:{self.svc_port}",
                "services.reviews.wsgi:application",
            ],
            env,
            self.tmp,
        )
        self._start_web(web, self.service)
        self._start(
            Process(
                "reviews-consumer",
                [sys.executable, "manage.py", "consume_events", "--consumer", "reviews"],
                env,
                self.tmp,
            )
        )

    def stop_service(self) -> None:
        for process in self.processes:
            if process.name.startswith("reviews"):
                process.stop()
        self.processes = [p for p in self.processes if not p.name.startswith("reviews")]

    def _start(self, process: Process) -> Process:
        process.start()
        self.processes.append(process)
        return process

    def _start_web(self, process: Process, base: str) -> None:
        self._start(process)

        def up() -> bool:
            try:
                return _http("GET", f"{base}/healthz", timeout=2)[0] == 200
            except OSError:
                return False

        assert wait_for(up, timeout=60), process.tail()

    def stop(self) -> None:
        for process in reversed(self.processes):
            process.stop()
        self.redis.stop()
        with broker.connect(os.environ.get("EVENTS_BROKER_URL") or _broker_url()) as conn:
            channel = conn.default_channel
            topology = broker.Topology(self.prefix)
            for consumer in consumers():
                for queue in topology.queues(consumer):
                    queue(channel).delete()
            topology.exchange(channel).delete()
            topology.dead_letters(channel).delete()
        self._admin(f'DROP DATABASE IF EXISTS "{self.reviews_db}" WITH (FORCE)')

    def logs(self) -> str:
        return "\n".join(f"--- {p.name}\n{p.tail()}" for p in self.processes)

    # --- reading ----------------------------------------------------------------------

    def reviews_rows(self, sql: str) -> list[tuple]:
        with psycopg.connect(self.reviews_db_url) as conn:
            return conn.execute(sql).fetchall()

    def mails_to(self, address: str) -> list:
        found = []
        for path in sorted(self.mail_dir.glob("*")):
            for raw in path.read_bytes().split(b"\n" + b"-" * 79 + b"\n"):
                if raw.strip():
                    message = message_from_bytes(raw.strip(), policy=policy.default)
                    if address in str(message["To"]):
                        found.append(message)
        return found


def _broker_url() -> str:
    from django.conf import settings

    return settings.EVENTS_BROKER_URL


@pytest.fixture
def stack(tmp_path, settings):
    stack = CarvedStack(tmp_path)
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
    # Tokens as the monolith signs them at sign-in, with the same key set.
    settings.JWT_PRIVATE_KEYS = stack.keys
    settings.JWT_ACTIVE_KID = ""

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
    status, html = _http("GET", f"{stack.monolith}/pro/{slug}/")
    assert status == 200, html[-2000:]
    match = re.search(r'"reviewCount":\s*(\d+)', html)
    return match.group(1) if match else "0"


def test_reviews_runs_as_its_own_service(stack, people):
    pro, slug = people["pro"], people["pro"].slug
    token = people["token"]

    # 1. The pro invites its customer, through the service.
    status, body = _http(
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

    assert wait_for(invitation_mail, timeout=10), stack.logs()
    (mail,) = invitation_mail()
    assert "Façades du Midi" in str(mail["Subject"])
    text = mail.get_body(("plain",)).get_content()
    (link,) = re.findall(r"https?://\S+/avis/invitation/([^/\s]+)/", text)

    # 2. The customer answers through the service; a moderator publishes.
    status, page = _http("GET", f"{stack.service}/avis/invitation/{link}/")
    assert status == 200, page[-2000:]
    assert "Façades du Midi" in page  # the service read the pro from the monolith
    status, body = _http(
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

    status, body = _http(
        "POST",
        f"{stack.service}/api/v1/moderation/reviews/{review_id}/decision/",
        token=token(people["moderator"]),
        body={"decision": "publish", "reason": "compliant"},
    )
    assert status in (200, 204), body + stack.logs()
    assert wait_for(lambda: _rating_on_profile(stack, slug) == "1", timeout=5), stack.logs()
    assert pro.pk  # the monolith's pro, untouched by the service but through events

    # 3. The customer erases their account on the monolith; the service forgets them.
    status, body = _http(
        "DELETE",
        f"{stack.monolith}/api/v1/me/",
        token=token(people["customer"]),
        body={"password": PASSWORD},
    )
    assert status == 204, body

    def erased() -> bool:
        rows = stack.reviews_rows("SELECT author_email, author_name FROM reviews_review")
        return bool(rows) and all(CUSTOMER not in (email or "") for email, _name in rows)

    assert wait_for(erased, timeout=10), stack.logs()

    # 4. The service stops: the profile still answers, and says so; it comes back.
    stack.stop_service()
    status, html = _http("GET", f"{stack.monolith}/pro/{slug}/?tri=recent")
    assert status == 200, html[-2000:]
    assert "Avis momentanément indisponibles" in html
    stack.start_service()
    status, html = _http("GET", f"{stack.monolith}/pro/{slug}/?tri=recent")
    assert status == 200
    assert "Avis momentanément indisponibles" not in html
    assert "Ravalement soigné" in html
