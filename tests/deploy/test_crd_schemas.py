"""Custom resources against their CRDs' schemas: the Argo CD Applications and project, the
External Secrets stores and ExternalSecret, the monitoring chart's PodMonitors and
PrometheusRule. Built-in kinds are validated by kubernetes-validate in the other tests.

The schemas are vendored as npm packages pinned with their hashes in
deploy/schemas/package-lock.json (kubernetes-models-ts compiles each project's published
CRDs into validators); `make install` runs `npm ci` there when npm is installed.
"""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest
import yaml

from tests.deploy.support import REPO_ROOT, render_chart
from tests.deploy.test_monitoring_chart import render as render_monitoring

SCHEMAS = REPO_ROOT / "deploy" / "schemas"
CUSTOM_GROUPS = ("argoproj.io/", "external-secrets.io/", "monitoring.coreos.com/")


def _validate(manifests: list[dict]) -> dict:
    if shutil.which("node") is None or not (SCHEMAS / "node_modules").is_dir():
        pytest.skip("the CRD schemas need Node.js and `make install` (npm ci in deploy/schemas)")
    result = subprocess.run(
        ["node", "validate.mjs"],
        input=json.dumps(manifests),
        capture_output=True,
        text=True,
        cwd=SCHEMAS,
        timeout=60,
        check=True,
    )
    return json.loads(result.stdout)


def _custom(manifests: list[dict]) -> list[dict]:
    return [m for m in manifests if m.get("apiVersion", "").startswith(CUSTOM_GROUPS)]


def _committed_manifests() -> list[dict]:
    paths = sorted((REPO_ROOT / "deploy" / "argocd").rglob("*.yaml"))
    paths += sorted((REPO_ROOT / "deploy" / "cluster").rglob("*.yaml"))
    return [d for path in paths for d in yaml.safe_load_all(path.read_text()) if d]


def test_every_custom_resource_matches_its_crd_schema():
    manifests = _custom(
        _committed_manifests()
        + render_chart("values-staging.yaml")
        + render_chart("values-production.yaml")
        + render_monitoring()
    )
    report = _validate(manifests)
    assert report["errors"] == []
    kinds = {name.split("/")[0] for name in report["validated"]}
    assert kinds >= {
        "AppProject",
        "Application",
        "ClusterSecretStore",
        "ExternalSecret",
        "PodMonitor",
        "PrometheusRule",
    }
    assert len(report["validated"]) == len(manifests)


def test_a_resource_that_breaks_its_schema_is_reported():
    (application, *_rest) = [m for m in _committed_manifests() if m["kind"] == "Application"]
    broken = json.loads(json.dumps(application))
    broken["spec"]["source"]["targetRevision"] = 3  # a number where the CRD wants a string
    unknown = {"apiVersion": "monitoring.coreos.com/v1", "kind": "Nope", "metadata": {"name": "x"}}
    report = _validate([broken, unknown])
    assert len(report["errors"]) == 2
    assert "targetRevision must be string" in report["errors"][0]
    assert "no schema" in report["errors"][1]
