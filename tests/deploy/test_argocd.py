"""GitOps with Argo CD (deploy/argocd): each environment's Applications pin the charts'
versions, the image's digest and the values' commit; the release workflow changes them
only through deploy/argocd/promote.py (tests/deploy/test_workflows.py checks it runs it).

No Argo CD here, and its CRD schemas are not vendored: the manifests are checked field by
field, against the AppProject they belong to and the files they name.
"""

from __future__ import annotations

import importlib.util
import re

import kubernetes_validate
import pytest
import yaml

from tests.deploy.support import REPO_ROOT, load_yaml

ARGOCD = REPO_ROOT / "deploy" / "argocd"
ENVIRONMENTS = ["staging", "production"]
APPLICATIONS = sorted(ARGOCD.glob("*/*/*.yaml"))
SEMVER = re.compile(r"^\d+\.\d+\.\d+$")
DIGEST = re.compile(r"^sha256:[0-9a-f]{64}$")
GIT_REPO = "https://github.com/eldo-fr/eldo.git"


def _promote():
    spec = importlib.util.spec_from_file_location("promote", ARGOCD / "promote.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _sources(application: dict) -> list[dict]:
    spec = application["spec"]
    return spec.get("sources") or [spec["source"]]


def _chart_version(name: str) -> str:
    return load_yaml(REPO_ROOT / "deploy" / "helm" / name / "Chart.yaml")["version"]


@pytest.fixture(scope="module")
def project() -> dict:
    return load_yaml(ARGOCD / "project.yaml")


@pytest.mark.parametrize("path", APPLICATIONS, ids=lambda p: str(p.relative_to(ARGOCD)))
def test_every_application_is_well_formed_and_inside_the_project(path, project):
    application = load_yaml(path)
    spec = application["spec"]

    assert application["apiVersion"] == "argoproj.io/v1alpha1"
    assert application["kind"] == "Application"
    assert application["metadata"]["namespace"] == "argocd"
    assert set(spec) <= {"project", "source", "sources", "destination", "syncPolicy"}
    assert spec["project"] == project["metadata"]["name"]
    destination = spec["destination"]
    assert any(
        d["server"] == destination["server"]
        and re.fullmatch(d["namespace"].replace("*", ".*"), destination["namespace"])
        for d in project["spec"]["destinations"]
    ), destination
    for source in _sources(application):
        assert source["repoURL"] in project["spec"]["sourceRepos"], source["repoURL"]
        assert set(source) <= {"repoURL", "chart", "path", "targetRevision", "helm", "ref"}
        if "chart" in source:
            # A chart at an exact version: no range, no `*`, no HEAD.
            assert SEMVER.match(source["targetRevision"]), (path.name, source)
        for values_file in source.get("helm", {}).get("valueFiles", []):
            assert values_file.startswith("$values/"), values_file
            assert (REPO_ROOT / values_file.removeprefix("$values/")).is_file(), values_file
        if "path" in source:
            assert (REPO_ROOT / source["path"]).is_dir()
    if any("$values/" in str(s.get("helm", {})) for s in _sources(application)):
        refs = [s for s in _sources(application) if s.get("ref") == "values"]
        assert [s["repoURL"] for s in refs] == [GIT_REPO]
    assert spec["syncPolicy"]["automated"] == {"prune": True, "selfHeal": True}


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_eldo_and_its_gateway_are_pinned_to_chart_version_digest_and_commit(environment):
    eldo = load_yaml(ARGOCD / "apps" / environment / "eldo.yaml")
    gateway = load_yaml(ARGOCD / "apps" / environment / "gateway.yaml")
    revisions = set()
    for application, chart in ((eldo, "eldo"), (gateway, "gateway")):
        (chart_source,) = [s for s in _sources(application) if "chart" in s]
        (values_source,) = [s for s in _sources(application) if s.get("ref") == "values"]
        assert chart_source["chart"] == chart
        assert chart_source["targetRevision"] == _chart_version(chart)
        assert chart_source["helm"]["valueFiles"] == [
            f"$values/deploy/helm/{chart}/values-{environment}.yaml"
        ]
        revision = values_source["targetRevision"]
        assert re.fullmatch(r"[0-9a-f]{40}|v\d+\.\d+\.\d+", revision), revision
        revisions.add(revision)
        assert application["spec"]["destination"]["namespace"] == f"eldo-{environment}"
    assert len(revisions) == 1, "the service and its routes come from the same commit"
    (chart_source,) = [s for s in _sources(eldo) if "chart" in s]
    image = chart_source["helm"]["valuesObject"]["image"]
    assert DIGEST.match(image["digest"])
    assert image["tag"]
    assert chart_source["helm"]["releaseName"] == "eldo"


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_the_cluster_add_ons_are_pinned(environment):
    names = {path.stem for path in (ARGOCD / "addons" / environment).glob("*.yaml")}
    assert {"kong", "external-secrets", "cluster-config"} <= names
    kong = load_yaml(ARGOCD / "addons" / environment / "kong.yaml")
    (chart,) = [s for s in _sources(kong) if "chart" in s]
    assert chart["helm"]["valueFiles"] == [f"$values/deploy/kong/values-{environment}.yaml"]
    config = load_yaml(ARGOCD / "addons" / environment / "cluster-config.yaml")
    assert config["spec"]["source"]["path"] == f"deploy/cluster/{environment}"


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_the_cluster_configuration_is_valid(environment):
    for path in sorted((REPO_ROOT / "deploy" / "cluster" / environment).glob("*.yaml")):
        manifest = load_yaml(path)
        if manifest["apiVersion"].startswith("rbac.authorization.k8s.io/"):
            kubernetes_validate.validate(manifest, "1.29", strict=True)
        else:
            assert manifest["kind"] == "ClusterSecretStore"  # tests/deploy/test_vault.py


# --- The promotion ------------------------------------------------------------------------


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_a_promotion_changes_the_pins_and_nothing_else(environment):
    promote = _promote()
    digest = "sha256:" + "ab" * 32
    revision = "c" * 40
    for path in sorted((ARGOCD / "apps" / environment).glob("*.yaml")):
        before = path.read_text()
        after = promote.bump(
            before,
            tag=revision,
            digest=digest,
            revision=revision,
            charts={"eldo": "9.8.7", "gateway": "6.5.4"},
        )
        application = yaml.safe_load(after)
        (values_source,) = [s for s in _sources(application) if s.get("ref") == "values"]
        (chart_source,) = [s for s in _sources(application) if "chart" in s]
        assert values_source["targetRevision"] == revision
        assert (
            chart_source["targetRevision"]
            == {"eldo": "9.8.7", "gateway": "6.5.4"}[chart_source["chart"]]
        )
        if chart_source["chart"] == "eldo":
            assert chart_source["helm"]["valuesObject"]["image"] == {
                "tag": revision,
                "digest": digest,
            }
        # Comments and every other line kept.
        changed = [
            (a, b) for a, b in zip(before.splitlines(), after.splitlines(), strict=True) if a != b
        ]
        assert all("targetRevision" in a or "tag:" in a or "digest:" in a for a, _ in changed)


def test_a_promotion_pins_the_charts_of_the_checkout_and_refuses_a_bad_digest():
    promote = _promote()
    charts = [path.parent.name for path in (REPO_ROOT / "deploy" / "helm").glob("*/Chart.yaml")]
    assert {"eldo", "gateway", "service"} <= set(charts)
    assert promote.chart_versions() == {name: _chart_version(name) for name in charts}
    text = (ARGOCD / "apps" / "staging" / "eldo.yaml").read_text()
    for digest in ("latest", "sha256:abc", "sha256:" + "A" * 64):
        with pytest.raises(ValueError):
            promote.bump(text, tag="x", digest=digest, revision="c" * 40)
    with pytest.raises(ValueError):
        promote.bump(text, tag="x", digest="sha256:" + "a" * 64, revision="main")


def _application(sync="Synced", health="Healthy", images=(), phase="Succeeded") -> dict:
    return {
        "status": {
            "sync": {"status": sync},
            "health": {"status": health},
            "summary": {"images": list(images)},
            "operationState": {"phase": phase},
        }
    }


def test_production_waits_for_staging_synced_and_healthy_at_that_digest():
    check = _promote().staging_is_healthy
    image, digest = "ghcr.io/eldo-fr/eldo", "sha256:" + "d" * 64
    running = [f"{image}@{digest}", "nginxinc/nginx-unprivileged:1.28.0-alpine"]

    assert check(_application(images=running), image=image, digest=digest) == []
    other = [f"{image}@sha256:" + "e" * 64]
    assert check(_application(images=other), image=image, digest=digest)
    assert check(_application(health="Degraded", images=running), image=image, digest=digest)
    assert check(_application(sync="OutOfSync", images=running), image=image, digest=digest)
    assert check(_application(phase="Failed", images=running), image=image, digest=digest)
    assert check({}, image=image, digest=digest)
