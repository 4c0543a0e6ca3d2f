"""Reviews carved out, as processes: the monolith and the reviews service, each on
gunicorn as the image starts it (production settings), each with its own PostgreSQL
database, RabbitMQ between them, one event consumer process per side. Used by
tests/integration/test_carve_out.py and bench/carve_out.py."""

from __future__ import annotations

import json
import os
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

from tests.deploy.support import jwt_private_keys
from tests.integration.support import ROOT, PrivateRedis
from tests.parallel import free_port
from tests.waiting import wait_for


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a redirect is an answer to look at, not to follow


_opener = urllib.request.build_opener(_NoRedirect)


def http(
    method: str,
    url: str,
    *,
    token: str = "",
    body: dict | None = None,
    cookies: dict | None = None,
    timeout=20,
):
    headers = {"X-Forwarded-Proto": "https", "Accept": "application/json"}
    if cookies:
        headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in cookies.items())
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with _opener.open(request, timeout=timeout) as response:
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
    def __init__(self, tmp_path: Path, *, monolith_db_url: str, broker_url: str):
        self.tmp = tmp_path
        self.monolith_db_url = monolith_db_url
        self.broker_url = broker_url
        self.prefix = f"eldo-carve-{uuid.uuid4().hex[:10]}"
        self.keys = jwt_private_keys("carve-test")
        self.secret_key = "carve-out-test-" + secrets.token_urlsafe(40)
        self.facades_token = secrets.token_urlsafe(32)
        self.mono_port, self.svc_port = free_port(), free_port()
        self.monolith = f"http://127.0.0.1:{self.mono_port}"
        self.service = f"http://127.0.0.1:{self.svc_port}"
        self.mail_dir = tmp_path / "mail"
        self.mail_dir.mkdir()
        self.redis = PrivateRedis(free_port())
        base, name = monolith_db_url.rsplit("/", 1)
        self.reviews_db = f"{name}_reviews"[:63]
        self.reviews_db_url = f"{base}/{self.reviews_db}"
        self.processes: list[Process] = []
        self.extra_env: dict[str, str] = {}  # added to every process's environment

    def env(self, **extra: str) -> dict:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "GUNICORN_"))}
        hosts = f"127.0.0.1,127.0.0.1:{self.mono_port},127.0.0.1:{self.svc_port}"
        env.update(
            {
                "PATH": f"{Path(sys.executable).parent}:{env.get('PATH', '')}",
                "DJANGO_DEBUG": "0",
                "DJANGO_SECRET_KEY": self.secret_key,
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
                # Invitations leave at any hour (9 h-20 h Paris time by default, else they
                # wait for the hourly task): the test must pass whatever time CI runs.
                "REVIEWS_SEND_HOUR_START": "0",
                "REVIEWS_SEND_HOUR_END": "0",
            }
        )
        for name in ("JWT_PRIVATE_KEYS", "REVIEWS_SERVICE_URL", "MONOLITH_URL"):
            env.pop(name, None)
        env.update(self.extra_env)
        env.update(extra)
        return env

    def monolith_env(self) -> dict:
        return self.env(
            DATABASE_URL=self.monolith_db_url,
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
        base = self.monolith_db_url.rsplit("/", 1)[0] + "/postgres"
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
        from apps.core.events import consumers

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
                return http("GET", f"{base}/healthz", timeout=2)[0] == 200
            except OSError:
                return False

        assert wait_for(up, timeout=60), process.tail()

    def stop(self) -> None:
        for process in reversed(self.processes):
            process.stop()
        self.redis.stop()
        from apps.core import broker
        from apps.core.events import consumers

        with broker.connect(self.broker_url) as conn:
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
