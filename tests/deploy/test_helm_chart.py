"""The Helm chart deploy/helm/eldo, rendered by Helm's own template engine for staging and
production and checked against the Kubernetes API schemas, then read like a reviewer would.

No cluster here: helm-python-sdk links Helm's Go SDK (the same engine as `helm template`),
kubernetes-validate ships the OpenAPI schemas of each Kubernetes release (strict: unknown
fields are errors). The custom resource the chart renders (ExternalSecret) is checked
against its vendored CRD schema (tests/deploy/test_crds.py). The routes are the gateway
chart's (tests/deploy/test_gateway_chart.py).
"""

from __future__ import annotations

import re

import kubernetes_validate
import pytest

from tests.deploy.support import (
    CHART_DIR,
    REPO_ROOT,
    documented_variables,
    load_yaml,
    render_chart,
)

VALUES_FILES = ["values-staging.yaml", "values-production.yaml"]
# The chart's kubeVersion floor and the newest release kubernetes-validate knows.
KUBERNETES_VERSIONS = ["1.29", kubernetes_validate.utils.latest_version()]
APP_UID = 10001
COMPONENTS = ["web", "worker", "beat", "migrate"]
SECRET_NAME = re.compile(r"SECRET|PASSWORD|TOKEN|(^|_)KEYS?$")


@pytest.fixture(scope="module", params=VALUES_FILES)
def values_file(request) -> str:
    return request.param


@pytest.fixture(scope="module")
def values(values_file) -> dict:
    from tests.deploy.support import deep_merge

    return deep_merge(load_yaml(CHART_DIR / "values.yaml"), load_yaml(CHART_DIR / values_file))


@pytest.fixture(scope="module")
def manifests(values_file) -> list[dict]:
    return render_chart(values_file)


def _of_kind(manifests, kind: str) -> dict[str, dict]:
    return {m["metadata"]["name"]: m for m in manifests if m["kind"] == kind}


def _workloads(manifests) -> dict[str, dict]:
    """Component -> Deployment or Job, for the Eldo image's components."""
    return {
        m["metadata"]["labels"]["app.kubernetes.io/component"]: m
        for m in manifests
        if m["kind"] in {"Deployment", "Job"}
    }


def _pod(workload: dict) -> dict:
    return workload["spec"]["template"]["spec"]


def _eldo_container(workload: dict) -> dict:
    (container,) = _pod(workload)["containers"]
    return container


# --- Helm and Kubernetes ----------------------------------------------------------------


@pytest.mark.parametrize("values_name", [None, *VALUES_FILES])
def test_helm_lint_strict_is_clean(values_name):
    import helm_python

    values = load_yaml(CHART_DIR / values_name) if values_name else None
    report = helm_python.lint(CHART_DIR, values, strict=True, kube_version="v1.29.0")

    problems = [m for m in report["messages"] if m["severity"] >= 2]
    assert not report["errors"] and not problems, report


@pytest.mark.parametrize("kubernetes_version", KUBERNETES_VERSIONS)
def test_every_manifest_is_valid_for_kubernetes(manifests, kubernetes_version):
    checked = 0
    for manifest in manifests:
        if manifest["kind"] == "ExternalSecret":
            continue
        try:
            kubernetes_validate.validate(manifest, kubernetes_version, strict=True)
        except kubernetes_validate.ValidationError as error:
            where = f"{manifest['kind']}/{manifest['metadata']['name']}"
            pytest.fail(f"{where}: {error.message} at {list(error.path)}")
        checked += 1
    assert checked >= 12  # the Ingresses are the gateway chart's


def test_names_are_unique_per_kind(manifests):
    seen = [(m["kind"], m["metadata"]["name"]) for m in manifests]
    assert len(seen) == len(set(seen))


def test_web_worker_beat_and_the_migration(manifests):
    workloads = _workloads(manifests)
    assert {"web", "worker", "beat", "migrate"} <= set(workloads)
    for component in COMPONENTS:
        assert _eldo_container(workloads[component])["args"] == [component]


def test_one_image_for_every_component(manifests, values):
    images = {_eldo_container(_workloads(manifests)[c])["image"] for c in COMPONENTS}
    assert len(images) == 1
    assert images.pop().startswith(values["image"]["repository"] + ":")


def test_the_release_sets_the_image_tag_or_digest():
    by_tag = render_chart("values-staging.yaml", {"image": {"tag": "0123abc"}})
    by_digest = render_chart(
        "values-staging.yaml", {"image": {"tag": "v1.2.3", "digest": "sha256:" + "a" * 64}}
    )

    assert _eldo_container(_workloads(by_tag)["web"])["image"].endswith(":0123abc")
    assert _eldo_container(_workloads(by_digest)["web"])["image"].endswith("@sha256:" + "a" * 64)


def test_exactly_one_beat_recreated_never_scaled(manifests):
    beat = _workloads(manifests)["beat"]

    assert beat["spec"]["replicas"] == 1
    assert beat["spec"]["strategy"] == {"type": "Recreate"}
    targets = [
        h["spec"]["scaleTargetRef"]["name"]
        for h in _of_kind(manifests, "HorizontalPodAutoscaler").values()
    ]
    assert beat["metadata"]["name"] not in targets
    assert "beat" not in {
        p["spec"]["selector"]["matchLabels"].get("app.kubernetes.io/component")
        for p in _of_kind(manifests, "PodDisruptionBudget").values()
    }


def test_web_and_worker_autoscale_in_production():
    manifests = render_chart("values-production.yaml")
    targets = {
        h["spec"]["scaleTargetRef"]["name"]: h
        for h in _of_kind(manifests, "HorizontalPodAutoscaler").values()
    }

    assert set(targets) == {"eldo-web", "eldo-worker"}
    for hpa in targets.values():
        assert hpa["spec"]["minReplicas"] >= 2
        assert hpa["spec"]["metrics"][0]["resource"]["name"] == "cpu"
    # The HPA owns the replica count: the Deployment must not fight it on every upgrade.
    for name in targets:
        assert "replicas" not in _of_kind(manifests, "Deployment")[name]["spec"]


def test_web_and_worker_have_a_disruption_budget(manifests):
    budgets = {
        p["spec"]["selector"]["matchLabels"]["app.kubernetes.io/component"]: p
        for p in _of_kind(manifests, "PodDisruptionBudget").values()
    }
    assert {"web", "worker"} <= set(budgets)


def test_the_migration_is_a_hook_that_runs_before_the_rollout(manifests):
    job = _workloads(manifests)["migrate"]
    annotations = job["metadata"]["annotations"]

    assert job["kind"] == "Job"
    assert set(annotations["helm.sh/hook"].split(",")) == {"pre-install", "pre-upgrade"}
    assert "before-hook-creation" in annotations["helm.sh/hook-delete-policy"]
    assert _pod(job)["restartPolicy"] == "Never"
    assert job["spec"]["backoffLimit"] <= 2 and job["spec"]["activeDeadlineSeconds"]

    # What the Job reads exists before it: hooks run before the release's other resources.
    weight = int(annotations["helm.sh/hook-weight"])
    config = _of_kind(manifests, "ConfigMap")[_config_map_name(job)]
    assert "pre-install" in config["metadata"]["annotations"]["helm.sh/hook"]
    assert int(config["metadata"]["annotations"]["helm.sh/hook-weight"]) < weight
    for external in _of_kind(manifests, "ExternalSecret").values():
        assert int(external["metadata"]["annotations"]["helm.sh/hook-weight"]) < weight


# --- Pods -------------------------------------------------------------------------------


def test_pods_run_as_non_root_on_a_read_only_filesystem(manifests):
    for component, workload in _workloads(manifests).items():
        pod = _pod(workload)
        assert pod["securityContext"]["runAsNonRoot"] is True
        assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
        assert pod["automountServiceAccountToken"] is False
        if component in COMPONENTS:
            assert pod["securityContext"]["runAsUser"] == APP_UID
            assert pod["securityContext"]["runAsGroup"] == APP_UID
        for container in pod["containers"]:
            context = container["securityContext"]
            assert context["readOnlyRootFilesystem"] is True, component
            assert context["allowPrivilegeEscalation"] is False, component
            assert context["capabilities"]["drop"] == ["ALL"], component
            assert "add" not in context["capabilities"]


def test_tmp_is_the_only_writable_place_besides_uploads(manifests):
    for component, workload in _workloads(manifests).items():
        pod = _pod(workload)
        volumes = {v["name"]: v for v in pod["volumes"]}
        for container in pod["containers"]:
            mounts = {m["mountPath"]: m for m in container["volumeMounts"]}
            assert "emptyDir" in volumes[mounts["/tmp"]["name"]], component
            writable = {path for path, mount in mounts.items() if not mount.get("readOnly")}
            assert writable <= {"/tmp", "/data/media", "/data/private"}, (component, writable)


def test_staff_only_documents_persist_and_are_never_served_by_the_media_server():
    """On volumes (objectStorage off, the chart's defaults); with object storage the same
    rule holds on buckets (tests/deploy/test_object_storage.py)."""
    manifests = render_chart(None)
    claims = _of_kind(manifests, "PersistentVolumeClaim")
    workloads = _workloads(manifests)
    for component in ("web", "worker"):
        pod = _pod(workloads[component])
        volumes = {v["name"]: v for v in pod["volumes"]}
        mounts = {
            m["mountPath"]: m["name"] for m in _eldo_container(workloads[component])["volumeMounts"]
        }
        claim = volumes[mounts["/data/private"]]["persistentVolumeClaim"]["claimName"]
        assert claim in claims, component
    media_pod = _pod(workloads["media"])
    media_claims = {
        v["persistentVolumeClaim"]["claimName"]
        for v in media_pod["volumes"]
        if "persistentVolumeClaim" in v
    }
    assert claim not in media_claims


def test_every_container_has_requests_and_limits(manifests):
    for component, workload in _workloads(manifests).items():
        for container in _pod(workload)["containers"]:
            resources = container["resources"]
            for kind in ("requests", "limits"):
                assert {"cpu", "memory"} <= set(resources[kind]), (component, kind)


def test_web_probes_use_healthz_readyz_and_an_allowed_host(manifests, values):
    web = _workloads(manifests)["web"]
    container = _eldo_container(web)
    ports = {port["name"] for port in container["ports"]}
    allowed_hosts = _config(manifests, web)["DJANGO_ALLOWED_HOSTS"].split(",")

    probes = {
        kind: container[kind]["httpGet"]
        for kind in ("startupProbe", "livenessProbe", "readinessProbe")
    }

    assert probes["livenessProbe"]["path"] == "/healthz"
    assert probes["startupProbe"]["path"] == "/healthz"
    # Readiness asks the database only: a Redis outage degrades, it does not empty the Service.
    assert probes["readinessProbe"]["path"] == "/readyz?checks=database"
    for probe in probes.values():
        assert probe["port"] in ports
        # Django answers 400 to a Host outside ALLOWED_HOSTS, even to a probe.
        (host,) = [h["value"] for h in probe["httpHeaders"] if h["name"] == "Host"]
        assert host in allowed_hosts == values["hosts"]
    # gunicorn's graceful stop fits in the grace period, after the preStop pause.
    config = _config(manifests, web)
    pause = int(container["lifecycle"]["preStop"]["exec"]["command"][1])
    assert (
        pause + int(config["GUNICORN_GRACEFUL_TIMEOUT"])
        < _pod(web)["terminationGracePeriodSeconds"]
    )


def test_the_worker_is_probed_through_the_broker(manifests):
    probe = _eldo_container(_workloads(manifests)["worker"])["livenessProbe"]
    assert "inspect ping" in " ".join(probe["exec"]["command"])


def test_the_worker_serves_its_metrics_where_the_monitoring_chart_scrapes(manifests):
    """The monitoring chart's PodMonitor scrapes the worker's container port by name; the
    worker serves its samples only when CELERY_METRICS_PORT is set (apps.core.metrics)."""
    monitoring = load_yaml(REPO_ROOT / "deploy" / "helm" / "monitoring" / "values.yaml")
    container = _eldo_container(_workloads(manifests)["worker"])
    (port,) = [p for p in container["ports"] if p["name"] == monitoring["scrape"]["workerPort"]]
    env = {e["name"]: e["value"] for e in container["env"]}
    assert env["CELERY_METRICS_PORT"] == str(port["containerPort"])
    # Where a network policy lets a monitoring namespace in, it lets it reach that port.
    for policy in _of_kind(manifests, "NetworkPolicy").values():
        for rule in policy["spec"]["ingress"]:
            namespaces = {
                peer["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"]
                for peer in rule["from"]
            }
            if "monitoring" in namespaces:
                assert port["containerPort"] in {p["port"] for p in rule["ports"]}


# --- Configuration and secrets ----------------------------------------------------------


def _config_map_name(workload: dict) -> str:
    (name,) = [
        s["configMapRef"]["name"]
        for s in _eldo_container(workload)["envFrom"]
        if "configMapRef" in s
    ]
    return name


def _config(manifests, workload: dict) -> dict[str, str]:
    return _of_kind(manifests, "ConfigMap")[_config_map_name(workload)]["data"]


def test_one_config_map_per_component(manifests):
    workloads = _workloads(manifests)
    names = {component: _config_map_name(workloads[component]) for component in COMPONENTS}
    config_maps = _of_kind(manifests, "ConfigMap")

    assert len(set(names.values())) == len(COMPONENTS), names
    for component, name in names.items():
        labels = config_maps[name]["metadata"]["labels"]
        assert labels["app.kubernetes.io/component"] == component


def test_production_settings_behind_one_gateway(manifests, values):
    for component in COMPONENTS:
        config = _config(manifests, _workloads(manifests)[component])
        assert config["DJANGO_DEBUG"] == "0"
        # One proxy (Kong) appends to X-Forwarded-For: docs/deploy.md, NUM_PROXIES.
        assert config["NUM_PROXIES"] == "1"
        assert config["DJANGO_ALLOWED_HOSTS"].split(",") == values["hosts"]
        assert config["SITE_URL"] == f"https://{values['hosts'][0]}"


def test_config_maps_hold_documented_variables_and_no_secret(manifests):
    documented = documented_variables()
    for workload in _workloads(manifests).values():
        if _eldo_container(workload)["image"].startswith("nginx"):
            continue
        for name, value in _config(manifests, workload).items():
            assert name in documented, f"{name} is not in docs/deploy.md"
            assert not SECRET_NAME.search(name), (
                f"{name} looks like a secret: it belongs in the Secret"
            )
            assert isinstance(value, str)


def test_secrets_are_referenced_never_rendered(manifests, values):
    assert not _of_kind(manifests, "Secret")
    for component in COMPONENTS:
        container = _eldo_container(_workloads(manifests)[component])
        refs = [s["secretRef"]["name"] for s in container["envFrom"] if "secretRef" in s]
        assert refs == [values["secrets"]["existingSecret"]]
        assert not [
            e for e in container.get("env", []) if "value" in e and SECRET_NAME.search(e["name"])
        ]


def test_the_secret_comes_from_vault_through_external_secrets(manifests, values):
    (external,) = _of_kind(manifests, "ExternalSecret").values()
    spec = external["spec"]

    assert external["apiVersion"].startswith("external-secrets.io/")
    assert spec["target"]["name"] == values["secrets"]["existingSecret"]
    assert spec["secretStoreRef"] == {"kind": "ClusterSecretStore", "name": "vault"}
    keys = {entry["secretKey"] for entry in spec["data"]}
    assert {"DJANGO_SECRET_KEY", "DATABASE_URL", "REDIS_URL", "JWT_PRIVATE_KEYS"} <= keys
    assert {entry["remoteRef"]["key"] for entry in spec["data"]} == {
        values["secrets"]["externalSecret"]["remoteKey"]
    }


def test_rendering_refuses_a_release_without_a_secret():
    import helm_python

    with pytest.raises(helm_python.HelmError, match="existingSecret"):
        render_chart(None, {"secrets": {"existingSecret": ""}})


# --- Behind the gateway -----------------------------------------------------------------


def test_the_gateway_finds_the_services_by_name(manifests):
    """The gateway release's default upstreams name this release's Services."""
    gateway = load_yaml(CHART_DIR.parent / "gateway" / "values.yaml")
    services = _of_kind(manifests, "Service")
    for upstream in gateway["upstreams"].values():
        (port,) = services[upstream["service"]]["spec"]["ports"]
        assert port["port"] == upstream["port"]


def test_services_select_pods_that_serve_their_port(manifests):
    pods = [w["spec"]["template"] for w in _of_kind(manifests, "Deployment").values()]
    for service in _of_kind(manifests, "Service").values():
        selector = service["spec"]["selector"]
        matching = [pod for pod in pods if selector.items() <= pod["metadata"]["labels"].items()]
        assert matching, service["metadata"]["name"]
        (port,) = service["spec"]["ports"]
        for pod in matching:
            names = {p["name"] for c in pod["spec"]["containers"] for p in c.get("ports", [])}
            assert port["targetPort"] in names


def test_only_the_gateway_reaches_the_pods(manifests):
    (policy,) = _of_kind(manifests, "NetworkPolicy").values()
    (gateway, *_) = policy["spec"]["ingress"]
    assert policy["spec"]["policyTypes"] == ["Ingress"]
    assert gateway["from"][0]["namespaceSelector"]["matchLabels"] == {
        "kubernetes.io/metadata.name": "kong"
    }
