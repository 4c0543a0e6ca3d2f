"""deploy/compose.yaml, the full stack of `make up`, checked without a Docker engine: against
the Compose Specification's schema (as check-jsonschema ships it), then for what the stack
must do: start in order, report health, run the image's roles as production does.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from urllib.parse import urlparse

import pytest

from tests.deploy.support import (
    COMPOSE_FILE,
    KONG_TABLE,
    REPO_ROOT,
    check_jsonschema,
    documented_variables,
    load_yaml,
    run,
)

ELDO_ROLES = {"web", "worker", "beat", "migrate", "kong-config"}
ENTRYPOINT = REPO_ROOT / "deploy" / "entrypoint.sh"


@pytest.fixture(scope="module")
def compose() -> dict:
    return load_yaml(COMPOSE_FILE)


@pytest.fixture(scope="module")
def services(compose) -> dict[str, dict]:
    return compose["services"]


def _eldo(services) -> dict[str, dict]:
    """The services of the default stack that run the Eldo image, by role."""
    return {name: s for name, s in services.items() if s.get("build") and not s.get("profiles")}


def _carved(services) -> dict[str, dict]:
    """The Eldo containers of the profile carved (reviews as its own service)."""
    return {n: s for n, s in services.items() if s.get("build") and s.get("profiles")}


def test_compose_file_matches_the_compose_specification():
    result = check_jsonschema("vendor.compose-spec", COMPOSE_FILE)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_whole_stack_is_there(services):
    assert set(services) >= ELDO_ROLES | {"postgres", "redis", "mailpit", "kong", "media", "minio"}


def test_every_eldo_role_runs_the_image_through_its_entrypoint(services):
    roles = set(re.findall(r"^\s+([a-z-]+)\)$", ENTRYPOINT.read_text(), re.MULTILINE))
    eldo = _eldo(services)

    assert set(eldo) == ELDO_ROLES
    assert len({s["image"] for s in eldo.values()}) == 1
    for name, service in eldo.items():
        assert service["build"] == {"context": "..", "dockerfile": "Dockerfile"}
        (role,) = service["command"]
        assert role == name and role in roles


def test_eldo_containers_are_hardened_like_production(services):
    for name, service in _eldo(services).items():
        assert service["read_only"] is True, name
        assert service["tmpfs"] == ["/tmp"], name
        assert service["cap_drop"] == ["ALL"], name
        assert "no-new-privileges:true" in service["security_opt"], name
        assert "user" not in service, "the image's own non-root user (10001)"


def test_migrations_run_once_before_the_application(services):
    migrate = services["migrate"]
    assert migrate["restart"] == "no"
    for name in ("web", "worker", "beat"):
        condition = services[name]["depends_on"]["migrate"]["condition"]
        assert condition == "service_completed_successfully", name


def test_one_shot_services_are_awaited_so_that_up_wait_succeeds(services):
    """`docker compose up --wait` (make up) fails on an exited container unless a running
    service depends on it with service_completed_successfully."""
    one_shots = {name for name, s in services.items() if s.get("restart") == "no"}
    adopted = {
        dependency
        for service in services.values()
        for dependency, spec in (service.get("depends_on") or {}).items()
        if spec.get("condition") == "service_completed_successfully"
    }
    assert one_shots == adopted == {"migrate", "buckets", "kong-config", "reviews-migrate"}


def test_dependencies_wait_for_health(services):
    for name, service in services.items():
        for dependency, spec in (service.get("depends_on") or {}).items():
            assert isinstance(spec, dict) and "condition" in spec, (name, dependency)
            if spec["condition"] == "service_healthy":
                healthcheck = services[dependency].get("healthcheck", {})
                assert healthcheck.get("test") and not healthcheck.get("disable"), dependency


def test_long_running_services_report_their_health(services):
    # beat answers nothing: there is no probe worth running; the one-shot services exit.
    for name, service in services.items():
        healthcheck = service.get("healthcheck")
        assert healthcheck, f"{name} has no healthcheck"
        if name in {"beat", "migrate", "buckets", "kong-config", "reviews-beat", "reviews-migrate"}:
            assert healthcheck == {"disable": True}
        else:
            assert healthcheck["test"][0] in {"CMD", "CMD-SHELL"}, name


def test_web_is_healthy_when_ready_and_sends_an_allowed_host(services):
    web = services["web"]
    probe = " ".join(web["healthcheck"]["test"])
    allowed = web["environment"]["DJANGO_ALLOWED_HOSTS"].split(",")

    assert "/readyz" in probe
    (host,) = re.findall(r"'Host': '([^']+)'", probe)
    assert host in allowed
    compile(web["healthcheck"]["test"][-1], "healthcheck", "exec")


def test_the_environment_is_production_behind_one_proxy(services):
    documented = documented_variables()
    for name, service in {**_eldo(services), **_carved(services)}.items():
        env = service["environment"]
        assert env["DJANGO_DEBUG"] == "0"
        assert env["NUM_PROXIES"] == "1", "Kong is the one proxy in front of Django"
        assert urlparse(env["DATABASE_URL"]).hostname == "postgres"
        assert urlparse(env["REDIS_URL"]).hostname == "redis"
        assert env["EMAIL_HOST"] == "mailpit"
        undocumented = sorted(set(env) - documented)
        assert not undocumented, f"{name}: {undocumented} not in docs/deploy.md"


def test_the_local_secret_key_is_accepted_by_production_mode(services):
    env = services["web"]["environment"]
    default = re.fullmatch(r"\$\{DJANGO_SECRET_KEY:-(.+)\}", env["DJANGO_SECRET_KEY"]).group(1)
    assert len(default) >= 50


def _make_env_file(tmp_path: Path) -> Path:
    """Run the Makefile's recipe of deploy/.env (what `make up` does first) into tmp_path."""
    makefile = (REPO_ROOT / "Makefile").read_text()
    recipe = re.search(r"^deploy/\.env:\n((?:\t.*\n)+)", makefile, re.MULTILINE).group(1)
    target = tmp_path / ".env"
    command = recipe.replace("\t", "").replace("\\\n", "").replace("$@", str(target))
    result = run(["sh", "-c", command.replace("$$", "$")], env={"PATH": "/usr/bin:/bin"})
    assert result.returncode == 0, result.stderr
    return target


def _dotenv_value(path: Path, name: str) -> str:
    """A single-quoted value of a compose .env file (taken literally, as compose does)."""
    (value,) = re.findall(rf"^{name}='(.*)'$", path.read_text(), re.MULTILINE)
    return value


def test_up_generates_the_signing_key_that_compose_requires(services, tmp_path):
    from apps.core.token_keys import parse_key_set

    env_file = _make_env_file(tmp_path)

    assert re.search(r"^up: deploy/\.env$", (REPO_ROOT / "Makefile").read_text(), re.MULTILINE)
    assert "deploy/.env" in (REPO_ROOT / ".gitignore").read_text().splitlines()
    assert oct(env_file.stat().st_mode & 0o777) == "0o600"
    assert parse_key_set(_dotenv_value(env_file, "JWT_PRIVATE_KEYS"), "").active_kid == "compose"
    for name, service in _eldo(services).items():
        required = service["environment"]["JWT_PRIVATE_KEYS"]
        assert re.fullmatch(r"\$\{JWT_PRIVATE_KEYS:\?.+\}", required), name


def test_settings_load_with_the_compose_environment(services, tmp_path):
    """The web container's environment, given to the real settings module."""
    generated = _dotenv_value(_make_env_file(tmp_path), "JWT_PRIVATE_KEYS")
    env = {
        key: re.sub(r"\$\{\w+:-(.*)\}", r"\1", value)
        for key, value in services["web"]["environment"].items()
    }
    env["JWT_PRIVATE_KEYS"] = generated  # what compose reads from deploy/.env
    env.update(
        PATH="/usr/bin:/bin",
        ELDO_VAR_DIR=str(tmp_path),
        STATIC_ROOT=str(tmp_path / "static"),
    )
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.DATABASES['default']['ENGINE'], s.CACHES['default']['BACKEND'], "
        "s.REST_FRAMEWORK['NUM_PROXIES'], s.SECURE_SSL_REDIRECT, s.EMAIL_HOST, s.DEBUG)"
    )

    result = run(
        [sys.executable, "-c", code], env={"DJANGO_SETTINGS_MODULE": "eldo.settings", **env}
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "django.db.backends.postgresql",
        "apps.core.cache.ResilientRedisCache",
        "1",
        "False",
        "mailpit",
        "False",
    ]


def test_only_the_gateway_and_mailpit_are_published_on_loopback(services):
    published = {name: s["ports"] for name, s in services.items() if s.get("ports")}

    assert set(published) == {"kong", "mailpit"}
    for ports in published.values():
        for port in ports:
            assert str(port).startswith("127.0.0.1:"), port


def test_kong_runs_db_less_on_the_routing_table(services):
    kong = services["kong"]
    env = kong["environment"]

    assert env["KONG_DATABASE"] == "off"
    # Kong reads the table kong-config wrote: kong.yml plus the token keys' public halves.
    (mount,) = kong["volumes"]
    volume, directory, mode = mount.split(":")
    assert mode == "ro"
    writer = services["kong-config"]
    assert f"{volume}:{directory}" in writer["volumes"]
    # The table file is a variable: kong.yml by default, kong-carved.yml for `make up-carved`.
    (source,) = [
        re.sub(r"\$\{KONG_TABLE_FILE:-(.+?)\}", r"\1", v).split(":")
        for v in writer["volumes"]
        if v.startswith("./")
    ]
    assert (COMPOSE_FILE.parent / source[0]).resolve() == KONG_TABLE.resolve()
    assert source[1] == "/kong-src/kong.yml"  # where the entrypoint's kong-config reads it
    assert env["KONG_DECLARATIVE_CONFIG"] == f"{directory}/kong.yml"
    assert kong["depends_on"]["kong-config"]["condition"] == "service_completed_successfully"
    # The Admin API is not published: reading it would list the whole routing table.
    assert env["KONG_ADMIN_LISTEN"].startswith("127.0.0.1:")
    assert kong["depends_on"]["web"]["condition"] == "service_healthy"


def test_kong_upstreams_are_services_of_the_stack(services):
    for upstream in load_yaml(KONG_TABLE)["services"]:
        url = urlparse(upstream["url"])
        assert url.hostname in services, upstream
        if url.hostname == "web":
            assert url.port == 8000  # the image's PORT


def test_pinned_images(services):
    for name, service in services.items():
        image = service["image"]
        if service.get("build"):
            continue
        tag = image.rpartition(":")[2]
        # A version (1.2) or MinIO's dated release (RELEASE.2025-04-22T22-12-26Z).
        version = re.search(r"\d+\.\d+|^RELEASE\.\d{4}-\d\d-\d\dT", tag)
        assert tag and tag != "latest" and version, f"{name}: {image}"


def test_uploads_live_on_object_storage_served_by_the_media_server(services):
    """MinIO stands in for S3 as production uses it: public uploads in one bucket, read by
    the media server; staff-only documents in another that nothing serves."""
    env = services["web"]["environment"]
    media = services["media"]
    (config,) = [v for v in media["volumes"] if v.endswith("default.conf:ro")]
    nginx = (COMPOSE_FILE.parent / config.split(":")[0]).read_text()

    assert env["MEDIA_STORAGE"] == "s3"
    assert urlparse(env["MEDIA_S3_ENDPOINT_URL"]).hostname == "minio"
    assert f"proxy_pass {env['MEDIA_S3_ENDPOINT_URL']}/{env['MEDIA_S3_BUCKET']}/;" in nginx
    assert env["MEDIA_S3_PRIVATE_BUCKET"] not in nginx
    assert "nosniff" in nginx and "sandbox" in nginx
    buckets = " ".join(services["buckets"]["command"])
    assert f"anonymous set download local/{env['MEDIA_S3_BUCKET']}" in buckets
    assert f"anonymous set none local/{env['MEDIA_S3_PRIVATE_BUCKET']}" in buckets
    assert "ports" not in services["minio"]
    for name in ("web", "worker", "media"):
        assert services[name]["depends_on"]["buckets"]["condition"] == (
            "service_completed_successfully"
        )
    # No shared upload volume any more: the containers keep a read-only filesystem.
    for name in ("web", "worker", "beat", "migrate", "media"):
        assert not any("/data/" in v for v in services[name].get("volumes", [])), name


# --- Profile carved: reviews as its own service -------------------------------------------


def test_the_carved_profile_runs_reviews_apart_with_its_consumers(services):
    roles = set(re.findall(r"^\s+([a-z]+)\)$", ENTRYPOINT.read_text(), re.MULTILINE))
    carved = _carved(services)

    assert set(carved) == {
        "reviews-migrate",
        "reviews-web",
        "reviews-worker",
        "reviews-beat",
        "reviews-consumer",
        *(f"events-{context}" for context in ("accounts", "directory", "quotes", "leads", "stats")),
    }
    for name, service in carved.items():
        assert service["profiles"] == ["carved"], name
        assert service["command"][0] in roles, name
        env = service["environment"]
        reviews = name.startswith("reviews-")
        assert (env.get("DJANGO_SETTINGS_MODULE") == "services.reviews.settings") is reviews, name
        if reviews:
            # Its own database and Redis database, no private key, events over RabbitMQ.
            assert urlparse(env["REVIEWS_DATABASE_URL"]).hostname == "reviews-postgres"
            assert env["REDIS_URL"] != services["web"]["environment"]["REDIS_URL"]
            assert env["JWT_PRIVATE_KEYS"] == ""
            assert env["JWT_JWKS_URL"] == "http://web:8000/.well-known/jwks.json"
            assert env["EVENTS_TRANSPORT"] == "rabbitmq"
        if "consume_events" in service["command"]:
            consumer = "reviews" if reviews else name.removeprefix("events-")
            assert service["command"][-2:] == ["--consumer", consumer], name
    for name in ("reviews-postgres", "rabbitmq"):
        assert services[name]["profiles"] == ["carved"]
    # The default stack is unchanged: nothing there depends on the carved containers.
    for name, service in services.items():
        if not service.get("profiles"):
            assert not set(service.get("depends_on") or {}) & set(carved), name


def test_the_monolith_and_the_service_accept_each_other_s_host(services):
    allowed = services["web"]["environment"]["DJANGO_ALLOWED_HOSTS"].split(",")
    for name in ("REVIEWS_SERVICE_URL", "EVENTS_TRANSPORT", "FACADES_TOKEN"):
        assert services["web"]["environment"][name] == f"${{{name}:-}}"
    assert {"web:8000", "reviews-web:8000"} <= set(allowed)
    makefile = (REPO_ROOT / "Makefile").read_text()
    up_carved = re.search(r"^up-carved:.*\n((?:\t.*\n)+)", makefile, re.MULTILINE).group(1)
    assert "REVIEWS_SERVICE_URL=http://reviews-web:8000" in up_carved
    assert "EVENTS_TRANSPORT=rabbitmq" in up_carved
    assert "KONG_TABLE_FILE=kong-carved.yml" in up_carved


def test_the_carved_kong_table_is_kong_yml_with_reviews_at_reviews_web():
    """Regenerate: ``make deploy/kong/kong-carved.yml`` (after touching kong.yml)."""
    carved = (KONG_TABLE.parent / "kong-carved.yml").read_text()
    header, _, body = carved.partition("\n")

    assert header.startswith("# Generated from kong.yml")
    assert body == KONG_TABLE.read_text().replace(
        "  - name: reviews\n    url: http://web:8000\n",
        "  - name: reviews\n    url: http://reviews-web:8000\n",
    )
    upstreams = {
        s["name"]: s["url"] for s in load_yaml(KONG_TABLE.parent / "kong-carved.yml")["services"]
    }
    assert upstreams["reviews"] == "http://reviews-web:8000"
    assert {url for name, url in upstreams.items() if name not in {"reviews", "media"}} == {
        "http://web:8000"
    }


def test_make_up_writes_the_facades_token(tmp_path):
    env_file = _make_env_file(tmp_path)

    (token,) = re.findall(r"^FACADES_TOKEN=([0-9a-f]{64})$", env_file.read_text(), re.MULTILINE)
    assert token
