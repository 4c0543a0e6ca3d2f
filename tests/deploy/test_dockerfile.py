"""Static checks of the image recipe, which fail when the Dockerfile regresses.

There is no Docker engine here: the Dockerfile is parsed, and the commands of its RUN
steps that can run outside a container (collectstatic, the health probe in
test_gunicorn.py) are run against the project's virtualenv.
"""

from __future__ import annotations

import re
import sys

import pytest

from tests.deploy.support import (
    REPO_ROOT,
    dockerignore_rules,
    is_excluded,
    parse_dockerfile,
    production_env,
    run,
)

DOCKERFILE = REPO_ROOT / "Dockerfile"
DOCKERIGNORE = REPO_ROOT / ".dockerignore"
# What the application needs at run time, relative to the repository root; a directory
# listed here that exists (locale/ once translations land) must be in the image.
RUNTIME_PATHS = ["manage.py", "eldo", "apps", "templates", "static", "locale", "deploy"]


@pytest.fixture(scope="module")
def dockerfile():
    return parse_dockerfile(DOCKERFILE)


@pytest.fixture(scope="module")
def stages(dockerfile):
    return dockerfile[1]


@pytest.fixture(scope="module")
def final(stages):
    return stages[-1]


def test_is_multi_stage(stages, final):
    assert len(stages) >= 2
    names = {stage.name for stage in stages[:-1]}
    copied_from = {i.flags().get("from") for i in final.all("COPY")}
    assert names & copied_from, "the final stage copies nothing from a builder stage"


def test_base_images_are_pinned_to_a_release_and_a_digest(stages):
    """A readable x.y.z tag and the immutable digest: a rebuild starts from the same bytes."""
    names = {stage.name for stage in stages if stage.name}
    external = [stage.image for stage in stages if stage.image not in names]
    assert external
    for image in external:
        assert "$" not in image, f"unresolved build argument in FROM {image}"
        reference, at, digest = image.partition("@")
        assert at, f"FROM {image}: not pinned by digest (@sha256:...)"
        assert re.fullmatch(r"sha256:[0-9a-f]{64}", digest), f"FROM {image}: bad digest"
        _, _, tag = reference.partition(":")
        assert tag, f"{image}: no tag means latest"
        assert re.match(r"\d+\.\d+\.\d+", tag), f"{image}: tag is not a full x.y.z release"
        assert "latest" not in tag


def test_builder_installs_the_hash_locked_runtime_dependencies(stages):
    builder = stages[:-1]
    copies = [i for stage in builder for i in stage.all("COPY")]
    assert any("requirements/base.txt" in (i.exec_form or i.arguments()) for i in copies)
    builder_runs = " ".join(i.value for stage in builder for i in stage.all("RUN"))
    assert re.search(r"pip install --require-hashes -r \S*requirements", builder_runs)
    assert "[dev]" not in builder_runs
    assert "dev.txt" not in builder_runs
    # Nothing resolved outside the lock: no bare `pip install <name>` or of the project.
    assert not re.search(r"pip install (?!--require-hashes)", builder_runs)


def test_final_stage_runs_as_an_unprivileged_user(final):
    users = final.all("USER")
    assert users, "the final stage runs as root"
    user = users[-1].value.split(":")[0]
    assert user not in {"root", "0"}
    assert user == "10001"
    creation = " ".join(i.value for i in final.all("RUN") if "useradd" in i.value)
    assert "--uid 10001" in creation
    assert "nologin" in creation


def test_production_environment(final):
    env = final.env()
    assert env["DJANGO_DEBUG"] == "0"
    assert env["PYTHONDONTWRITEBYTECODE"] == "1"
    assert env["PYTHONUNBUFFERED"] == "1"
    # Read-only root filesystem: run-time state under /tmp, uploads on a volume.
    assert env["ELDO_VAR_DIR"].startswith("/tmp/")
    assert env["MEDIA_ROOT"] in " ".join(i.value for i in final.all("VOLUME"))


def test_no_secret_is_baked_into_the_image(stages):
    secret_name = re.compile(r"SECRET|PASSWORD|TOKEN|(^|_)KEY$", re.IGNORECASE)
    for stage in stages:
        for instruction in stage.instructions:
            if instruction.keyword in {"ENV", "ARG", "LABEL"}:
                names = re.findall(r"(?:^|\s)([\w.]+)(?==|\s|$)", instruction.value)
                leaked = [name for name in names if secret_name.search(name)]
                assert not leaked, f"{instruction.keyword} {instruction.value}"
            elif "DJANGO_SECRET_KEY" in instruction.value or "JWT_PRIVATE" in instruction.value:
                assert instruction.keyword == "RUN", instruction


BUILD_KEYS_PLACEHOLDER = "unused-at-build"


def test_static_files_are_collected_with_a_throwaway_key(final):
    (collect,) = [i for i in final.all("RUN") if "collectstatic" in i.value]
    assert "manage.py collectstatic --noinput" in collect.value
    # The key is an inline assignment for this RUN only, generated at build time.
    assert re.search(r"DJANGO_SECRET_KEY=\"\$\(python -c .*secrets", collect.value)
    # Production settings refuse to start without signing keys; none is baked in.
    assert f"JWT_PRIVATE_KEYS={BUILD_KEYS_PLACEHOLDER} " in collect.value


def test_collectstatic_succeeds_in_production_mode(tmp_path):
    """The build step for real: the manifest storage fails on a missing referenced file.
    With the build's placeholder signing keys: collectstatic loads none."""
    env = production_env(tmp_path, JWT_PRIVATE_KEYS=BUILD_KEYS_PLACEHOLDER)

    result = run([sys.executable, "manage.py", "collectstatic", "--noinput"], env=env)

    assert result.returncode == 0, result.stderr
    assert (tmp_path / "staticfiles" / "staticfiles.json").is_file()


def test_healthcheck_probes_healthz_with_python(final):
    (healthcheck,) = final.all("HEALTHCHECK")
    command = healthcheck.exec_form
    assert command[:2] == ["python", "-c"]
    assert "/healthz" in command[2]
    compile(command[2], "HEALTHCHECK", "exec")
    assert not {"curl", "wget"} & set(healthcheck.value.split())
    assert {"interval", "timeout"} <= healthcheck.flags().keys()


def test_entrypoint_command_and_port(final):
    (entrypoint,) = final.all("ENTRYPOINT")
    assert entrypoint.exec_form[0].endswith("deploy/entrypoint.sh")
    assert final.all("CMD")[-1].exec_form == ["web"]
    assert "8000" in [i.value for i in final.all("EXPOSE")]


def test_every_copied_file_is_in_the_build_context(stages):
    rules = dockerignore_rules(DOCKERIGNORE)
    for stage in stages:
        for copy in stage.all("COPY") + stage.all("ADD"):
            if "from" in copy.flags():
                continue
            *sources, _destination = copy.exec_form or copy.arguments()
            for source in sources:
                assert (REPO_ROOT / source).exists(), f"COPY {source}: not in the repository"
                assert not is_excluded(source, rules), f"COPY {source}: excluded by .dockerignore"


def test_the_runtime_files_are_all_in_the_image(final):
    copied = {
        source.rstrip("/")
        for copy in final.all("COPY")
        if "from" not in copy.flags()
        for source in (copy.exec_form or copy.arguments())[:-1]
    }
    for path in RUNTIME_PATHS:
        if (REPO_ROOT / path).exists():
            assert path in copied, f"{path} exists but the image does not COPY it"


@pytest.mark.parametrize(
    "path",
    [
        ".git",
        ".git/config",
        ".venv/bin/python",
        ".env",
        "var/eldo.sqlite3",
        "staticfiles/staticfiles.json",
        "eldo/__pycache__/settings.cpython-311.pyc",
        "apps/core/tests/test_outbox.py",
        "tests/deploy/test_dockerfile.py",
        "node_modules/x/index.js",
        ".ci/run",
        "bench/results.json",
        "eldo.egg-info/PKG-INFO",
    ],
)
def test_dockerignore_keeps_local_state_out(path):
    assert is_excluded(path, dockerignore_rules(DOCKERIGNORE))


@pytest.mark.parametrize(
    "path",
    [
        "pyproject.toml",
        "manage.py",
        "eldo/settings.py",
        "apps/core/health.py",
        "apps/core/migrations/0001_initial.py",
        "templates/base.html",
        "static/css/eldo.css",
        "locale/fr/LC_MESSAGES/django.po",
        "deploy/entrypoint.sh",
        "deploy/gunicorn.conf.py",
    ],
)
def test_dockerignore_keeps_what_the_build_needs(path):
    assert not is_excluded(path, dockerignore_rules(DOCKERIGNORE))
