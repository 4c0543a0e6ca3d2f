"""The GitHub workflows: valid against the published workflow schema (as check-jsonschema
ships it), CI running what .ci/run runs, and the release path the docs describe."""

from __future__ import annotations

import re
import subprocess

import pytest

from tests.deploy.support import (
    REPO_ROOT,
    VENV_BIN,
    WORKFLOWS_DIR,
    check_jsonschema,
    load_yaml,
    parse_dockerfile,
)

WORKFLOWS = sorted(WORKFLOWS_DIR.glob("*.yml"))


def _on(workflow: dict) -> dict:
    # PyYAML reads the key `on` as the boolean True (YAML 1.1).
    return workflow.get("on", workflow.get(True))


def _runs(job: dict) -> str:
    return "\n".join(step.get("run", "") for step in job.get("steps", []))


def _uses(job: dict) -> list[str]:
    return [step["uses"] for step in job.get("steps", []) if "uses" in step]


@pytest.fixture(scope="module")
def ci() -> dict:
    return load_yaml(WORKFLOWS_DIR / "ci.yml")


@pytest.fixture(scope="module")
def release() -> dict:
    return load_yaml(WORKFLOWS_DIR / "release.yml")


def test_both_workflows_exist():
    assert {path.name for path in WORKFLOWS} >= {"ci.yml", "release.yml"}


@pytest.mark.parametrize(
    "schema", ["vendor.github-workflows", "custom.github-workflows-require-timeout"]
)
def test_workflows_match_the_published_schema(schema):
    result = check_jsonschema(schema, *WORKFLOWS)
    assert result.returncode == 0, result.stdout + result.stderr


def test_workflows_only_read_the_repository_by_default():
    for path in WORKFLOWS:
        assert load_yaml(path)["permissions"] == {"contents": "read"}, path.name


def test_ci_runs_the_make_targets_of_ci_run(ci):
    ci_run = (REPO_ROOT / ".ci" / "run").read_text()
    targets = set(re.findall(r"\bmake (\w+)", ci_run))
    commands = "\n".join(_runs(job) for job in ci["jobs"].values())

    assert targets == {"lint", "test"}
    for target in targets:
        assert f"make {target}" in commands


def test_ci_runs_on_the_image_python_and_debian(ci):
    global_args, _ = parse_dockerfile(REPO_ROOT / "Dockerfile")
    for name in ("lint", "test-embedded", "test-services"):
        assert ci["jobs"][name]["container"] == global_args["PYTHON_IMAGE"], name


def test_ci_tests_the_embedded_defaults(ci):
    job = ci["jobs"]["test-embedded"]
    assert "env -u DATABASE_URL -u REDIS_URL" in _runs(job)
    assert "services" not in job


def test_ci_tests_on_postgresql_redis_and_rabbitmq_service_containers(ci):
    job = ci["jobs"]["test-services"]
    services = job["services"]

    assert services["postgres"]["image"].startswith("postgres:")
    assert services["redis"]["image"].startswith("redis:")
    for service in services.values():
        assert "--health-cmd" in service["options"], "steps must wait for a healthy service"
    # The job runs in a container: the services are reached by their names.
    assert (
        job["env"]["DATABASE_URL"].startswith("postgres://")
        and "@postgres:" in job["env"]["DATABASE_URL"]
    )
    assert job["env"]["REDIS_URL"].startswith("redis://redis:")
    # ELDO_REQUIRE_SERVICES fails the run when RabbitMQ does not answer (`rabbitmq` tests).
    assert services["rabbitmq"]["image"].startswith("rabbitmq:")
    assert "@rabbitmq:5672/" in job["env"]["EVENTS_BROKER_URL"]
    assert job["env"]["ELDO_REQUIRE_SERVICES"] == "1"
    database = job["env"]["DATABASE_URL"].rsplit("/", 1)[1]
    assert services["postgres"]["env"]["POSTGRES_DB"] == database


def test_ci_installs_what_the_tests_need(ci):
    ci_run = (REPO_ROOT / ".ci" / "run").read_text()
    apt = set(re.findall(r"apt-get install [^\n]*", ci_run)[0].split()) & {
        "chromium",
        "chromium-driver",
    }
    for name in ("test-embedded", "test-services"):
        assert apt <= set(_runs(ci["jobs"][name]).split()), name
    # The outbox test starts a private redis-server to stop and restart the broker.
    assert "redis-server" in _runs(ci["jobs"]["test-services"]).split()


def test_ci_keeps_the_browser_screenshots_even_when_the_tests_fail(ci):
    screenshots = (REPO_ROOT / "tests" / "e2e" / "conftest.py").read_text()
    assert '"var" / "screenshots"' in screenshots  # where the browser tests write them
    names = set()
    for job in ("test-embedded", "test-services"):
        steps = ci["jobs"][job]["steps"]
        make_test = next(i for i, s in enumerate(steps) if "make test" in s.get("run", ""))
        (upload,) = [s for s in steps if s.get("uses", "").startswith("actions/upload-artifact")]
        assert upload["uses"].startswith("actions/upload-artifact@"), job
        assert steps.index(upload) > make_test, job
        assert upload["if"] == "always()", job
        assert upload["with"]["path"].rstrip("/") == "var/screenshots", job
        names.add(upload["with"]["name"])
    assert len(names) == 2  # artifact names are unique within a run (v4)


def test_ci_builds_the_image_without_pushing(ci):
    (build,) = [
        s
        for s in ci["jobs"]["image"]["steps"]
        if s.get("uses", "").startswith("docker/build-push-action")
    ]
    assert build["with"]["push"] is False


def test_release_is_triggered_by_main_and_by_semver_tags(release):
    on = _on(release)
    assert on["push"]["branches"] == ["main"]
    assert on["push"]["tags"] == ["v[0-9]+.[0-9]+.[0-9]+"]
    assert "workflow_dispatch" in on, "the rollback path: redeploy an existing version"


def test_main_is_tested_then_built_once_with_the_commit_tag(release, ci):
    jobs = release["jobs"]
    assert jobs["ci"]["uses"] == "./.github/workflows/ci.yml"
    assert "workflow_call" in _on(ci)
    assert jobs["image"]["needs"] == "ci"
    (build,) = [
        s
        for s in jobs["image"]["steps"]
        if s.get("uses", "").startswith("docker/build-push-action") and s["with"]["push"]
    ]
    assert build["with"]["tags"].endswith(":${{ github.sha }}")
    assert jobs["image"]["permissions"]["packages"] == "write"


def _step(job: dict, text: str) -> dict:
    (step,) = [step for step in job["steps"] if text in step.get("run", "")]
    return step


@pytest.mark.parametrize(
    ("job", "environment", "tag"),
    [
        ("promote-staging", "staging", '"$GITHUB_SHA"'),
        ("promote-production", "production", '"$GITHUB_REF_NAME"'),
    ],
)
def test_promotions_open_a_pull_request_and_hold_no_cluster_credentials(
    release, job, environment, tag
):
    """GitOps: the workflow pins deploy/argocd/apps/<env> to the image digest in a pull
    request; each cluster's Argo CD applies what is merged."""
    spec = release["jobs"][job]
    bump = _step(spec, "promote.py bump")["run"]

    assert spec["environment"]["name"] == environment
    assert f"promote.py bump {environment}" in bump
    assert f"--tag {tag}" in bump and '--digest "$DIGEST"' in bump
    opened = _step(spec, "gh pr create")["run"]
    assert "git push" in opened and "--base main" in opened
    assert spec["permissions"] == {"contents": "write", "pull-requests": "write"}
    text = str(spec)
    assert "KUBECONFIG" not in text and "helm upgrade" not in text and "kubectl" not in text
    assert (REPO_ROOT / "deploy" / "argocd" / "apps" / environment / "eldo.yaml").is_file()


def test_no_job_holds_cluster_credentials(release):
    text = (WORKFLOWS_DIR / "release.yml").read_text()
    assert "KUBECONFIG" not in text and "helm upgrade" not in text


def test_staging_follows_main_by_itself_production_by_review(release):
    assert "gh pr merge" in _step(release["jobs"]["promote-staging"], "gh pr create")["run"]
    assert "--auto" in _step(release["jobs"]["promote-staging"], "gh pr create")["run"]
    assert "gh pr merge" not in _step(release["jobs"]["promote-production"], "gh pr create")["run"]


def test_production_promotes_the_staging_image_after_staging_is_healthy_at_it(release):
    jobs = release["jobs"]
    promote = jobs["promote"]
    production = jobs["promote-production"]

    assert set(jobs["promote-staging"]["needs"]) == {"image", "charts"}
    assert production["needs"] == "promote"
    assert not [u for u in _uses(promote) if u.startswith("docker/build-push-action")]
    commands = _runs(promote)
    assert "merge-base --is-ancestor" in commands, "only a commit of main is released"
    assert 'imagetools create --tag "$IMAGE:$GITHUB_REF_NAME" "$IMAGE:$GITHUB_SHA"' in commands
    # Staging must run exactly that digest, synced and healthy, before the pull request.
    check = _step(production, "check-staging")
    assert check["env"]["DIGEST"] == "${{ needs.promote.outputs.digest }}"
    assert check["env"]["IMAGE"] == "${{ needs.promote.outputs.image }}"
    assert production["steps"].index(check) < production["steps"].index(
        _step(production, "promote.py bump")
    )


def test_charts_are_published_by_version_never_overwritten(release):
    job = release["jobs"]["charts"]
    script = _runs(job)
    assert "helm push" in script and "already published" in script
    for chart in ("eldo", "gateway", "service"):
        assert f"deploy/helm/{chart}" in script


def test_rollback_pins_an_existing_version_by_its_verified_digest(release):
    job = release["jobs"]["redeploy"]

    assert job["if"] == "github.event_name == 'workflow_dispatch'"
    assert job["environment"]["name"] == "${{ inputs.environment }}"
    # The tag is resolved once to a digest, whose signature must be this repository's release
    # workflow's; the environment is pinned to the digest.
    (resolve,) = [s for s in job["steps"] if "imagetools inspect" in s.get("run", "")]
    assert "cosign verify" in resolve["run"]
    assert "/.github/workflows/release.yml@" in resolve["run"]
    assert "token.actions.githubusercontent.com" in resolve["run"]
    bump = _step(job, "promote.py bump")
    assert bump["env"]["DIGEST"] == f"${{{{ steps.{resolve['id']}.outputs.digest }}}}"
    assert '--digest "$DIGEST"' in bump["run"] and "--keep-charts" in bump["run"]
    assert job["steps"].index(resolve) < job["steps"].index(bump)
    assert "gh pr create" in _step(job, "gh pr create")["run"]
    assert set(_on(release)["workflow_dispatch"]["inputs"]["environment"]["options"]) == {
        "staging",
        "production",
    }


def test_deployments_are_never_cancelled_half_way(release):
    assert release["concurrency"]["cancel-in-progress"] is False


# --- Supply chain --------------------------------------------------------------------------

# `uses: owner/repo[/path]@<40 hex> # vX.Y.Z`: a tag can be moved to other code, a commit
# cannot; the comment says which release the SHA is.
PINNED = re.compile(r"^\s*(?:- )?uses: ([\w.-]+/[\w./-]+)@([0-9a-f]{40}) # v\d+\.\d+\.\d+\s*$")


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_every_action_is_pinned_to_a_commit_sha(path):
    uses = [line for line in path.read_text().splitlines() if re.match(r"^\s*(- )?uses:", line)]
    assert uses
    for line in uses:
        if line.split("uses:", 1)[1].strip().startswith("./"):
            continue  # a workflow of this repository, at the same commit
        assert PINNED.match(line), f"{path.name}: not pinned to a commit SHA: {line.strip()}"
    # One action, one SHA across the workflows: a bump moves every use.
    shas: dict[str, set[str]] = {}
    for workflow in WORKFLOWS:
        for match in map(PINNED.match, workflow.read_text().splitlines()):
            if match:
                shas.setdefault(match[1], set()).add(match[2])
    assert {action: pins for action, pins in shas.items() if len(pins) > 1} == {}


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_checkouts_do_not_keep_the_token(path):
    jobs = load_yaml(path)["jobs"].values()
    checkouts = [
        step
        for job in jobs
        for step in job.get("steps", [])
        if step.get("uses", "").startswith("actions/checkout@")
    ]
    assert checkouts
    for step in checkouts:
        assert step.get("with", {}).get("persist-credentials") is False, step


def test_zizmor_finds_nothing_high_in_the_workflows():
    result = subprocess.run(
        [VENV_BIN / "zizmor", "--offline", "--min-severity", "high", "--no-progress", *WORKFLOWS],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    makefile = (REPO_ROOT / "Makefile").read_text()
    assert "zizmor --offline --min-severity high" in makefile  # make lint runs it too


def _step_index(steps: list[dict], predicate) -> int:
    (index,) = [i for i, step in enumerate(steps) if predicate(step)]
    return index


def test_release_scans_the_image_before_pushing_it(release):
    steps = release["jobs"]["image"]["steps"]
    builds = [s for s in steps if s.get("uses", "").startswith("docker/build-push-action@")]
    local, pushed = builds
    assert local["with"]["load"] is True and local["with"]["push"] is False
    assert pushed["with"]["push"] is True
    scan = next(
        s
        for s in steps
        if s.get("uses", "").startswith("aquasecurity/trivy-action@")
        and s["with"].get("exit-code") == "1"
    )
    assert scan["with"]["image-ref"] == local["with"]["tags"]
    assert {"HIGH", "CRITICAL"} <= set(scan["with"]["severity"].split(","))
    assert steps.index(local) < steps.index(scan) < steps.index(pushed)
    # No build cache shared with other workflow runs in the release (cache poisoning).
    assert all("cache-from" not in build["with"] for build in builds)


def test_release_signs_the_pushed_digest_and_attests_its_sbom(release):
    job = release["jobs"]["image"]
    steps = job["steps"]
    assert job["permissions"]["id-token"] == "write"  # keyless: the job's OIDC identity
    push = _step_index(steps, lambda s: s.get("with", {}).get("push") is True)
    build_id = steps[push]["id"]
    sbom = _step_index(steps, lambda s: s.get("with", {}).get("format") == "cyclonedx")
    assert steps[sbom]["with"]["image-ref"].endswith(f"@${{{{ steps.{build_id}.outputs.digest }}}}")
    sign = _step_index(steps, lambda s: "cosign sign" in s.get("run", ""))
    assert '"$IMAGE@$DIGEST"' in steps[sign]["run"]
    assert "cosign attest --yes --type cyclonedx --predicate " in steps[sign]["run"]
    assert steps[sign]["env"]["DIGEST"] == f"${{{{ steps.{build_id}.outputs.digest }}}}"
    installer = _step_index(steps, lambda s: "sigstore/cosign-installer@" in s.get("uses", ""))
    assert push < sbom < sign and installer < sign
