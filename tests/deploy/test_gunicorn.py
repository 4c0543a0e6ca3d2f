"""The container's processes, started as the image starts them: deploy/entrypoint.sh.

``web`` execs the real gunicorn with deploy/gunicorn.conf.py in production mode, on plain
HTTP as the gateway's probes reach it. Every wait is bounded; the whole module takes a few
seconds.
"""

from __future__ import annotations

import http.client
import json
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest

from tests.deploy.support import REPO_ROOT, json_lines, parse_dockerfile, production_env, run
from tests.parallel import free_port

ENTRYPOINT = REPO_ROOT / "deploy" / "entrypoint.sh"
START_TIMEOUT = 40  # generous: CI shares two cores with other test processes
STOP_TIMEOUT = 20


def _wait_for(predicate, *, timeout: float, process: subprocess.Popen, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        if process.poll() is not None:
            pytest.fail(f"exited with {process.returncode} before {what}")
        time.sleep(0.1)
    pytest.fail(f"no {what} within {timeout} s")


class Server:
    def __init__(self, tmp_path: Path):
        self.port = free_port()
        self.stdout = tmp_path / "gunicorn.out"
        self.stderr = tmp_path / "gunicorn.err"
        self.env = production_env(
            tmp_path,
            PORT=str(self.port),
            # "127.0.0.1" is what the tests send; the probe sends the first entry.
            DJANGO_ALLOWED_HOSTS="127.0.0.1,eldo.example",
            GUNICORN_WORKERS="1",
            GUNICORN_THREADS="2",
        )
        with self.stdout.open("wb") as out, self.stderr.open("wb") as err:
            self.process = subprocess.Popen(
                ["sh", str(ENTRYPOINT), "web"], cwd=REPO_ROOT, env=self.env, stdout=out, stderr=err
            )

    def request(self, method: str, path: str, headers: dict[str, str] | None = None):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
        try:
            connection.request(method, path, headers={"Host": "127.0.0.1", **(headers or {})})
            response = connection.getresponse()
            return response.status, dict(response.getheaders()), response.read()
        finally:
            connection.close()

    def answers(self) -> bool:
        try:
            return self.request("GET", "/healthz")[0] == 200
        except OSError:
            return False

    def output(self) -> str:
        return self.stdout.read_text() + self.stderr.read_text()

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=STOP_TIMEOUT)
                pytest.fail(f"gunicorn ignored SIGTERM for {STOP_TIMEOUT} s")
        return self.process.returncode


def _running_server(tmp_path_factory):
    server = Server(tmp_path_factory.mktemp("gunicorn"))
    try:
        _wait_for(server.answers, timeout=START_TIMEOUT, process=server.process, what="/healthz")
        yield server
    except BaseException:
        print(server.output())
        raise
    finally:
        server.stop()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    yield from _running_server(tmp_path_factory)


@pytest.fixture
def own_server(tmp_path_factory):
    """A server of its own, for a test that stops it: the tests run in a random order,
    and the module's shared server must outlive every other test."""
    yield from _running_server(tmp_path_factory)


def test_healthz_answers_ok_over_plain_http(server):
    status, headers, body = server.request("GET", "/healthz")

    assert status == 200
    assert json.loads(body) == {"status": "ok"}
    assert headers.get("X-Request-ID")
    assert headers.get("Server", "").startswith("gunicorn")


def test_other_paths_redirect_to_https(server):
    status, headers, _ = server.request("GET", "/")

    assert status == 301
    assert headers["Location"] == "https://127.0.0.1/"


def test_the_gateway_https_header_is_honoured(server):
    status, headers, _ = server.request(
        "GET", "/healthz", {"X-Forwarded-Proto": "https", "X-Request-ID": "probe-0000-0001"}
    )

    assert status == 200
    assert headers["X-Request-ID"] == "probe-0000-0001"
    assert "max-age=31536000" in headers["Strict-Transport-Security"]


def test_access_log_is_json_with_the_request_id(server):
    server.request("GET", "/healthz", {"X-Request-ID": "access-log-0001"})

    def logged():
        return [r for r in json_lines(server.output()) if r.get("request_id") == "access-log-0001"]

    _wait_for(logged, timeout=5, process=server.process, what="access log line")
    record = logged()[0]
    assert record["logger"] == "gunicorn.access"
    assert (record["method"], record["path"], record["status"]) == ("GET", "/healthz", "200")


def test_a_worker_builds_the_communes_before_its_first_request(server):
    """post_worker_init runs apps.core.warmup: a worker's first search does not wait for the
    gazetteer, and its memory is at its working size from the start."""

    def warmed():
        return [
            r for r in json_lines(server.output()) if r.get("message") == "web process warmed up"
        ]

    _wait_for(warmed, timeout=5, process=server.process, what="warm-up log line")
    assert "directory.gazetteer" in warmed()[0]["warmed"]


def test_the_dockerfile_healthcheck_passes(server):
    _, stages = parse_dockerfile(REPO_ROOT / "Dockerfile")
    (healthcheck,) = stages[-1].all("HEALTHCHECK")

    result = run(healthcheck.exec_form, env=server.env, timeout=10)

    assert result.returncode == 0, result.stderr


def test_a_200_mb_body_is_refused_at_once_without_being_read(server):
    """Only the headers and 5 bytes are sent: a server that waited for the body would time
    out; Django's guard answers 413 on Content-Length alone."""
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
    started = time.monotonic()
    try:
        connection.putrequest("POST", "/api/v1/reviews/", skip_host=True)
        for name, value in {
            "Host": "127.0.0.1",
            "X-Forwarded-Proto": "https",
            "Content-Type": "multipart/form-data; boundary=x",
            "Content-Length": str(200 * 1024 * 1024),
        }.items():
            connection.putheader(name, value)
        connection.endheaders(b"--x\r\n")
        response = connection.getresponse()
        assert response.status == 413
        assert time.monotonic() - started < 1
    finally:
        connection.close()


def test_oversized_headers_are_refused_by_gunicorn(server):
    status, _, _ = server.request("GET", "/healthz", {"X-Padding": "x" * 9000})
    assert status in (400, 431)  # 431 Request Header Fields Too Large (recent gunicorn)
    too_many = {f"X-Header-{i}": "1" for i in range(60)}
    assert server.request("GET", "/healthz", too_many)[0] in (400, 431)


def test_stops_cleanly_on_sigterm(own_server):
    assert own_server.stop() == 0
    assert "Shutting down: Master" in own_server.output()
    assert "Traceback" not in own_server.output()


# --- the other roles of the entrypoint ----------------------------------------------------


def test_entrypoint_manage_runs_manage_py_from_anywhere(tmp_path):
    result = run(
        ["sh", str(ENTRYPOINT), "manage", "check", "--deploy", "--fail-level", "WARNING"],
        env=production_env(tmp_path),
        cwd=tmp_path,
    )

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_entrypoint_migrate_builds_the_database_and_exits(tmp_path):
    """The release step of every deploy, for real, on the embedded defaults (SQLite)."""
    env = production_env(tmp_path)
    database = Path(env["ELDO_VAR_DIR"]) / "eldo.sqlite3"
    assert not database.exists()

    result = run(["sh", str(ENTRYPOINT), "migrate"], env=env, cwd=tmp_path, timeout=300)

    assert result.returncode == 0, result.stdout + result.stderr
    connection = sqlite3.connect(database)
    try:
        rows = connection.execute("SELECT name FROM sqlite_master WHERE type='table'").fetchall()
    finally:
        connection.close()
    tables = {name for (name,) in rows}
    for table in ("django_migrations", "accounts_user", "directory_proprofile", "reviews_review"):
        assert table in tables, table
    shown = run(["sh", str(ENTRYPOINT), "manage", "showmigrations", "--plan"], env=env)
    assert shown.returncode == 0, shown.stderr
    assert "[X]" in shown.stdout and "[ ]" not in shown.stdout
    # Run again, as every deploy does: nothing left to apply.
    again = run(["sh", str(ENTRYPOINT), "migrate"], env=env, cwd=tmp_path, timeout=300)
    assert again.returncode == 0, again.stderr
    assert "No migrations to apply." in again.stdout


def test_entrypoint_runs_any_other_command_as_is(tmp_path):
    result = run(
        ["sh", str(ENTRYPOINT), "python", "-c", "import os, sys; print(os.getcwd(), sys.argv[1:])"],
        env=production_env(tmp_path),
        cwd=tmp_path,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"{REPO_ROOT} []"


@pytest.mark.parametrize(("role", "started"), [("worker", "ready."), ("beat", "beat: Starting...")])
def test_entrypoint_celery_roles_start_and_stop(tmp_path, role, started):
    env = production_env(
        tmp_path,
        CELERY_BROKER_URL="memory://",
        CELERY_CONCURRENCY="1",
        CELERY_BEAT_SCHEDULE_FILE=str(tmp_path / "beat-schedule"),
    )
    log = tmp_path / f"{role}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            ["sh", str(ENTRYPOINT), role], cwd=REPO_ROOT, env=env, stdout=out, stderr=out
        )
    try:
        _wait_for(
            lambda: started in log.read_text(),
            timeout=START_TIMEOUT,
            process=process,
            what=f"{role} start",
        )
        if role == "beat":
            # "Starting..." comes before beat opens its schedule file: a SIGTERM landing in
            # the middle of that open fails the shutdown ("unknown encoding: Latin-1").
            _wait_for(
                lambda: list(tmp_path.glob("beat-schedule*")),
                timeout=START_TIMEOUT,
                process=process,
                what="beat schedule file",
            )
            time.sleep(1)
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=STOP_TIMEOUT) == 0, log.read_text()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=STOP_TIMEOUT)
    if role == "beat":
        assert list(tmp_path.glob("beat-schedule*")), "beat wrote no schedule under /tmp"
