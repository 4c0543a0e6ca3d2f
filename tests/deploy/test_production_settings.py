"""Production mode (DJANGO_DEBUG=0), checked in fresh processes as a container starts it."""

from __future__ import annotations

import importlib
import sys

import pytest

from tests.deploy.support import (
    json_lines,
    jwt_private_keys,
    production_env,
    random_secret_key,
    run,
)


def test_deploy_check_reports_no_issue(tmp_path):
    env = production_env(tmp_path)
    assert len(env["DJANGO_SECRET_KEY"]) == 64

    result = run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"], env=env
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


@pytest.mark.parametrize(
    "secret_key",
    [
        pytest.param(None, id="unset"),
        pytest.param("", id="empty"),
        pytest.param(random_secret_key(49), id="49-characters"),
        pytest.param(importlib.import_module("eldo.settings").DEFAULT_SECRET_KEY, id="default"),
    ],
)
def test_refuses_to_start_without_a_real_secret_key(tmp_path, secret_key):
    env = production_env(tmp_path, DJANGO_SECRET_KEY=secret_key)

    result = run([sys.executable, "manage.py", "check"], env=env)

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_accepts_a_secret_key_of_fifty_characters(tmp_path):
    env = production_env(tmp_path, DJANGO_SECRET_KEY=random_secret_key(50))

    result = run([sys.executable, "manage.py", "check"], env=env)

    assert result.returncode == 0, result.stderr


def _python(tmp_path, code: str):
    return run([sys.executable, "-c", code], env=production_env(tmp_path))


def test_log_lines_are_json_with_a_request_id(tmp_path):
    result = _python(
        tmp_path,
        "import logging, django; django.setup(); logging.getLogger('eldo.test').warning('x')",
    )

    assert result.returncode == 0, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    records = json_lines(result.stderr)
    assert len(records) == len(lines), f"non-JSON log output: {result.stderr}"
    ours = [r for r in records if r.get("logger") == "eldo.test"]
    assert len(ours) == 1, result.stderr
    assert {"level", "logger", "message", "request_id"} <= ours[0].keys()
    assert (ours[0]["level"], ours[0]["message"], ours[0]["request_id"]) == ("WARNING", "x", "-")


_REQUEST_SCRIPT = """
import django
from django.test import Client

django.setup()
response = Client().get(
    "/api/v1/no-such-endpoint/",
    headers={
        "host": "eldo.example",
        "x-forwarded-proto": "https",
        "x-request-id": "deploy-test-0001",
    },
)
assert response.status_code == 404, response.status_code
assert response["X-Request-ID"] == "deploy-test-0001"
"""


def test_request_log_lines_carry_the_request_id(tmp_path):
    result = _python(tmp_path, _REQUEST_SCRIPT)

    assert result.returncode == 0, result.stderr
    logged = [r for r in json_lines(result.stderr) if r.get("logger") == "django.request"]
    assert logged, result.stderr
    assert logged[0]["message"] == "Not Found: /api/v1/no-such-endpoint/"
    assert logged[0]["request_id"] == "deploy-test-0001"


@pytest.mark.parametrize("keys", [None, "", "  "], ids=["unset", "empty", "blank"])
def test_refuses_to_start_without_jwt_signing_keys(tmp_path, keys):
    env = production_env(tmp_path, JWT_PRIVATE_KEYS=keys)

    result = run([sys.executable, "manage.py", "check"], env=env)

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "JWT_PRIVATE_KEYS" in result.stderr


@pytest.mark.parametrize(
    ("keys", "active"),
    [
        ('{"k1": "pas une cle"}', ""),
        (jwt_private_keys(), "autre-kid"),
    ],
    ids=["not-a-pem", "active-kid-unknown"],
)
def test_the_release_check_refuses_keys_it_cannot_load(tmp_path, keys, active):
    env = production_env(tmp_path, JWT_PRIVATE_KEYS=keys, JWT_ACTIVE_KID=active)

    result = run([sys.executable, "manage.py", "check"], env=env)

    assert result.returncode != 0
    assert "core.E010" in result.stderr
    assert not (tmp_path / "var" / "jwt").exists(), "production never generates a key"
