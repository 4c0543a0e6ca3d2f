"""The gateway as its own release (deploy/helm/gateway) and the generic service chart
(deploy/helm/service): routes point at Services by name, so a context carved out of the
monolith is one more release of the service chart and one line of the gateway's values.

Rendered by Helm's engine (helm-python-sdk), validated against the Kubernetes schemas
(kubernetes-validate, strict) and, for KongPlugin, field by field.
"""

from __future__ import annotations

import re

import jsonschema
import kubernetes_validate
import pytest

from tests.deploy.support import (
    CHART_DIR,
    KONG_TABLE,
    REPO_ROOT,
    load_yaml,
    render,
    render_chart,
)

GATEWAY_DIR = REPO_ROOT / "deploy" / "helm" / "gateway"
SERVICE_DIR = REPO_ROOT / "deploy" / "helm" / "service"
KUBERNETES_VERSIONS = ["1.29", kubernetes_validate.utils.latest_version()]
ENVIRONMENTS = ["staging", "production"]
REVIEWS = {"reviews": {"service": "reviews", "port": 8000}}
# The reviews service's releases of the service chart: release name -> values file.
REVIEWS_VALUES = sorted((SERVICE_DIR / "ci").glob("reviews*-values.yaml"))


def _of_kind(manifests, kind: str) -> dict[str, dict]:
    return {m["metadata"]["name"]: m for m in manifests if m["kind"] == kind}


def _gateway(environment: str, overrides: dict | None = None) -> list[dict]:
    values = load_yaml(GATEWAY_DIR / f"values-{environment}.yaml")
    values.update(overrides or {})
    return render(GATEWAY_DIR, values, name="eldo-gateway", namespace=f"eldo-{environment}")


def _reviews_release() -> list[dict]:
    return render(
        SERVICE_DIR,
        load_yaml(SERVICE_DIR / "ci" / "reviews-values.yaml"),
        name="reviews",
        namespace="eldo-staging",
    )


def _validate(manifests, version: str) -> int:
    checked = 0
    for manifest in manifests:
        if manifest["kind"] in {"KongPlugin", "KongConsumer"}:  # CRDs: checked below
            continue
        try:
            kubernetes_validate.validate(manifest, version, strict=True)
        except kubernetes_validate.ValidationError as error:
            where = f"{manifest['kind']}/{manifest['metadata']['name']}"
            pytest.fail(f"{where}: {error.message} at {list(error.path)}")
        checked += 1
    return checked


# --- The gateway release ----------------------------------------------------------------


@pytest.mark.parametrize("environment", ENVIRONMENTS)
@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
def test_the_gateway_renders_valid_manifests(environment, version):
    manifests = _gateway(environment)
    assert _validate(manifests, version) == len(load_yaml(KONG_TABLE)["routes"])
    seen = [(m["kind"], m["metadata"]["name"]) for m in manifests]
    assert len(seen) == len(set(seen))


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_helm_lint_strict_is_clean(environment):
    import helm_python

    values = load_yaml(GATEWAY_DIR / f"values-{environment}.yaml")
    report = helm_python.lint(GATEWAY_DIR, values, strict=True, kube_version="v1.29.0")
    assert not report["errors"] and not [m for m in report["messages"] if m["severity"] >= 2]


def test_the_gateway_owns_no_service_and_selects_no_pod():
    """Welded to no release: no Service, no selector, no `instance` label of another."""
    for manifest in _gateway("production"):
        assert manifest["kind"] in {"Ingress", "KongPlugin", "KongConsumer"}
        assert "selector" not in manifest.get("spec", {})
        assert manifest["metadata"]["labels"]["app.kubernetes.io/instance"] == "eldo-gateway"


def test_kong_plugins_are_well_formed():
    plugins = _of_kind(_gateway("production"), "KongPlugin")
    assert plugins
    for name, plugin in plugins.items():
        assert plugin["apiVersion"] == "configuration.konghq.com/v1"
        assert re.fullmatch(r"[a-z0-9]([-a-z0-9.]*[a-z0-9])?", name) and len(name) <= 253
        assert set(plugin) <= {"apiVersion", "kind", "metadata", "plugin", "config"}
        assert isinstance(plugin["plugin"], str) and isinstance(plugin.get("config", {}), dict)


def test_the_edge_token_check_has_its_consumers_and_keys():
    """kong.yml's consumers become KongConsumers; the token issuer's credentials are the
    environment's public keys, and every jwt plugin's anonymous consumer exists."""
    manifests = _gateway("production")
    consumers = {c["username"]: c for c in _of_kind(manifests, "KongConsumer").values()}
    assert set(consumers) == {"eldo-token-issuer", "eldo-visitor"}
    assert consumers["eldo-token-issuer"]["credentials"] == ["eldo-jwt-edge-active"]
    assert "credentials" not in consumers["eldo-visitor"]
    for consumer in consumers.values():
        assert set(consumer) <= {"apiVersion", "kind", "metadata", "username", "credentials"}
        assert consumer["metadata"]["annotations"]["kubernetes.io/ingress.class"] == "kong"
    jwt_plugins = [p for p in _of_kind(manifests, "KongPlugin").values() if p["plugin"] == "jwt"]
    assert jwt_plugins
    for plugin in jwt_plugins:
        assert plugin["config"].get("anonymous", "eldo-visitor") in consumers


def test_inline_public_keys_become_credential_secrets():
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    pem = (
        ec.generate_private_key(ec.SECP256R1())
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    manifests = _gateway(
        "staging",
        {"jwtKeys": [{"kid": "2027-01", "publicKey": pem}], "jwtCredentialSecrets": []},
    )
    (secret,) = _of_kind(manifests, "Secret").values()
    assert secret["metadata"]["labels"]["konghq.com/credential"] == "jwt"
    assert secret["stringData"] == {"key": "2027-01", "algorithm": "ES256", "rsa_public_key": pem}
    issuer = next(
        c
        for c in _of_kind(manifests, "KongConsumer").values()
        if c["username"] == "eldo-token-issuer"
    )
    assert issuer["credentials"] == [secret["metadata"]["name"]]
    kubernetes_validate.validate(secret, KUBERNETES_VERSIONS[0], strict=True)


def test_the_gateway_refuses_to_check_tokens_without_keys():
    import helm_python

    with pytest.raises(helm_python.HelmError, match="jwtKeys or jwtCredentialSecrets"):
        _gateway("staging", {"jwtKeys": [], "jwtCredentialSecrets": []})


def test_no_deprecated_kong_resources():
    for ingress in _of_kind(_gateway("production"), "Ingress").values():
        annotations = ingress["metadata"].get("annotations", {})
        assert "konghq.com/override" not in annotations
        assert "kubernetes.io/ingress.class" not in annotations


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_ingresses_reproduce_the_kong_routing_table(environment):
    """One Ingress per kong.yml route, one KongPlugin per plugin, attached where kong.yml
    attaches it (a service's plugins to every route of that service): Kubernetes and
    docker compose route exactly alike."""
    table = load_yaml(KONG_TABLE)
    values = load_yaml(GATEWAY_DIR / "values.yaml")
    manifests = _gateway(environment)
    ingresses = {
        i["metadata"]["labels"]["eldo.fr/kong-route"]: i
        for i in _of_kind(manifests, "Ingress").values()
    }
    plugins = _of_kind(manifests, "KongPlugin")
    upstream_of = {
        service["name"]: values["upstreams"][re.match(r"https?://([^:/]+)", service["url"])[1]]
        for service in table["services"]
    }

    assert set(ingresses) == {route["name"] for route in table["routes"]}
    assert sorted(p["plugin"] for p in plugins.values()) == sorted(
        p["name"] for p in table["plugins"]
    )
    for route in table["routes"]:
        ingress = ingresses[route["name"]]
        annotations = ingress["metadata"]["annotations"]
        assert ingress["spec"]["ingressClassName"] == "kong"
        assert annotations["konghq.com/strip-path"] == str(route.get("strip_path", True)).lower()
        assert annotations["konghq.com/preserve-host"] == (
            str(route.get("preserve_host", False)).lower()
        )
        assert annotations.get("konghq.com/methods", "") == ",".join(route.get("methods", []))
        expected = upstream_of[route.get("service") or values["terminatedRouteBackend"]]
        for rule in ingress["spec"]["rules"]:
            paths = [p["path"] for p in rule["http"]["paths"]]
            # The Kong Ingress Controller writes a Kong regex path ~... as /~...
            assert paths == [("/" + p if p.startswith("~") else p) for p in route["paths"]]
            for path in rule["http"]["paths"]:
                assert path["pathType"] == "ImplementationSpecific"
                backend = path["backend"]["service"]
                assert backend == {
                    "name": expected["service"],
                    "port": {"number": expected["port"]},
                }

        attached = annotations.get("konghq.com/plugins", "").split(",")
        for plugin in table["plugins"]:
            applies = (
                plugin.get("route") == route["name"]
                or (plugin.get("service") and plugin["service"] == route.get("service"))
                or not (plugin.get("route") or plugin.get("service"))
            )
            if applies:
                assert any(
                    plugins[name]["plugin"] == plugin["name"] for name in attached if name
                ), (route["name"], plugin["name"])


def test_plugins_referenced_by_annotations_exist():
    manifests = _gateway("production")
    plugins = set(_of_kind(manifests, "KongPlugin"))
    for manifest in manifests:
        names = manifest["metadata"].get("annotations", {}).get("konghq.com/plugins")
        if names:
            assert set(names.split(",")) <= plugins, manifest["metadata"]["name"]


def test_production_counts_the_rate_limits_in_the_redis_argo_cd_installs():
    plugins = [
        p
        for p in _of_kind(_gateway("production"), "KongPlugin").values()
        if p["plugin"] == "rate-limiting"
    ]
    addon = load_yaml(REPO_ROOT / "deploy/argocd/addons/production/kong-redis.yaml")
    release = addon["spec"]["sources"][0]["helm"].get("releaseName", addon["metadata"]["name"])
    namespace = addon["spec"]["destination"]["namespace"]
    kong = load_yaml(REPO_ROOT / "deploy/kong/values-production.yaml")

    assert kong["replicaCount"] > 1
    assert plugins
    for plugin in plugins:
        assert plugin["config"]["policy"] == "redis"
        # bitnami/redis standalone: the Service <release>-master.
        assert (
            plugin["config"]["redis"]["host"] == f"{release}-master.{namespace}.svc.cluster.local"
        )


def test_staging_counts_locally_on_its_single_kong():
    kong = load_yaml(REPO_ROOT / "deploy/kong/values-staging.yaml")
    assert kong["replicaCount"] == 1 and not kong.get("autoscaling", {}).get("enabled")
    for plugin in _of_kind(_gateway("staging"), "KongPlugin").values():
        if plugin["plugin"] == "rate-limiting":
            assert plugin["config"]["policy"] == "local"


def test_the_gateway_refuses_a_kong_service_without_a_backend():
    import helm_python

    values = load_yaml(GATEWAY_DIR / "values.yaml")
    with pytest.raises(helm_python.HelmError, match="no Service"):
        # null removes a default key in Helm's coalescing, as `--set upstreams.web=null`.
        render(GATEWAY_DIR, {**values, "upstreams": {"web": None}}, name="eldo-gateway")


# --- A service carved out into its own release --------------------------------------------


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
def test_reviews_as_a_separate_release_behind_the_gateway(version):
    """reviews deployed by the service chart as release `reviews`; the gateway sends the
    reviews routes to its Service, every other route to the monolith's, and both
    releases' manifests are valid Kubernetes together."""
    gateway = _gateway("staging", {"services": REVIEWS})
    reviews = _reviews_release()
    monolith = render_chart("values-staging.yaml", namespace="eldo-staging")
    table = load_yaml(KONG_TABLE)

    assert _validate(gateway + reviews, version) > len(table["routes"])
    services = {s["metadata"]["name"]: s for s in _of_kind(monolith + reviews, "Service").values()}
    pods = [d["spec"]["template"] for d in _of_kind(monolith + reviews, "Deployment").values()]
    for ingress in _of_kind(gateway, "Ingress").values():
        route = ingress["metadata"]["labels"]["eldo.fr/kong-route"]
        kong_service = next(r for r in table["routes"] if r["name"] == route).get("service")
        for rule in ingress["spec"]["rules"]:
            for path in rule["http"]["paths"]:
                backend = path["backend"]["service"]
                service = services[backend["name"]]  # exists, in one release or the other
                (port,) = service["spec"]["ports"]
                assert port["port"] == backend["port"]["number"]
                selected = [
                    pod
                    for pod in pods
                    if service["spec"]["selector"].items() <= pod["metadata"]["labels"].items()
                ]
                assert selected, backend["name"]
                if kong_service == "reviews":
                    assert backend["name"] == "reviews"
                    assert all(
                        p["metadata"]["labels"]["app.kubernetes.io/instance"] == "reviews"
                        for p in selected
                    )
                elif kong_service:
                    assert backend["name"] in {"eldo-web", "eldo-media"}
    # The reviews release's selector cannot pick the monolith's pods, nor the reverse.
    (reviews_service,) = _of_kind(reviews, "Service").values()
    for deployment in _of_kind(monolith, "Deployment").values():
        labels = deployment["spec"]["template"]["metadata"]["labels"]
        assert not reviews_service["spec"]["selector"].items() <= labels.items()


def test_the_service_chart_lints_clean():
    import helm_python

    values = load_yaml(SERVICE_DIR / "ci" / "reviews-values.yaml")
    report = helm_python.lint(SERVICE_DIR, values, strict=True, kube_version="v1.29.0")
    assert not report["errors"] and not [m for m in report["messages"] if m["severity"] >= 2]


def test_the_service_chart_is_hardened_like_every_eldo_pod():
    (deployment,) = _of_kind(_reviews_release(), "Deployment").values()
    pod = deployment["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["automountServiceAccountToken"] is False
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert container["securityContext"]["capabilities"]["drop"] == ["ALL"]
    assert [m["mountPath"] for m in container["volumeMounts"]] == ["/tmp"]
    assert {"cpu", "memory"} <= set(container["resources"]["limits"])
    # The HPA owns the replica count.
    assert "replicas" not in deployment["spec"]


# --- Values schemas -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("chart", "values_files"),
    [
        (GATEWAY_DIR, ["values.yaml", "values-staging.yaml", "values-production.yaml"]),
        (SERVICE_DIR, ["values.yaml", *(f"ci/{f.name}" for f in REVIEWS_VALUES)]),
    ],
    ids=["gateway", "service"],
)
def test_values_match_the_charts_schema(chart, values_files):
    schema = load_yaml(chart / "values.schema.json")
    jsonschema.Draft202012Validator.check_schema(schema)
    defaults = load_yaml(chart / "values.yaml")
    for name in values_files:
        merged = {**defaults, **(load_yaml(chart / name) or {})}
        jsonschema.Draft202012Validator(schema).validate(merged)


def test_helm_refuses_values_outside_the_schema():
    import helm_python

    bad = {**load_yaml(SERVICE_DIR / "ci" / "reviews-values.yaml"), "replicas": "two"}
    with pytest.raises(helm_python.HelmError):
        render(SERVICE_DIR, bad, name="reviews")
    with pytest.raises(helm_python.HelmError):
        render(GATEWAY_DIR, {"services": {"reviews": {"service": "Reviews_Web"}}}, name="g")


def test_the_monolith_keeps_the_names_the_gateway_expects():
    values = load_yaml(GATEWAY_DIR / "values.yaml")
    names = set(_of_kind(render_chart("values-production.yaml"), "Service"))
    assert {u["service"] for u in values["upstreams"].values()} <= names
    assert not (CHART_DIR / "templates" / "gateway.yaml").exists()


def test_web_worker_beat_and_every_service_share_one_workload_template():
    """The eldo chart's processes and a carved-out context's release are rendered by the same
    library (deploy/helm/workload): a hardening or probe fix lands everywhere at once."""
    workload = REPO_ROOT / "deploy" / "helm" / "workload"
    assert load_yaml(workload / "Chart.yaml")["type"] == "library"
    for chart in ("eldo", "service"):
        chart_dir = REPO_ROOT / "deploy" / "helm" / chart
        (dependency,) = load_yaml(chart_dir / "Chart.yaml")["dependencies"]
        assert dependency["name"] == "workload"
        assert (chart_dir / "charts" / "workload").resolve() == workload.resolve()
    templates = REPO_ROOT / "deploy" / "helm" / "eldo" / "templates"
    for process in ("web", "worker", "beat"):
        text = (templates / f"{process}.yaml").read_text()
        assert "kind: Deployment" not in text and "eldo.renderWorkload" in text, process
    labels = {
        d["metadata"]["name"]: d["spec"]["template"]["metadata"]["labels"]
        for d in render_chart("values-production.yaml")
        if d["kind"] == "Deployment"
    }
    for process in ("web", "worker", "beat"):
        assert labels[f"eldo-{process}"]["app.kubernetes.io/component"] == process


# --- The reviews service's releases -------------------------------------------------------


def _release_name(values_file) -> str:
    return values_file.name.removesuffix("-values.yaml")


def test_the_reviews_releases_run_the_service_s_project_with_one_config():
    """web (+ its migrations), worker, beat and consumer: one settings module, one Secret
    without the monolith's private key, the same config in each release."""
    assert sorted(_release_name(f) for f in REVIEWS_VALUES) == [
        "reviews",
        "reviews-beat",
        "reviews-consumer",
        "reviews-worker",
    ]
    values = {_release_name(f): load_yaml(f) for f in REVIEWS_VALUES}
    configs = {name: v["config"] for name, v in values.items()}
    secrets = {v["existingSecret"] for v in values.values()}

    assert all(config == configs["reviews"] for config in configs.values()), configs
    assert secrets == {"eldo-reviews-staging"}
    config = configs["reviews"]
    assert config["DJANGO_SETTINGS_MODULE"] == "services.reviews.settings"
    assert config["EVENTS_TRANSPORT"] == "rabbitmq"
    assert config["JWT_JWKS_URL"] == config["MONOLITH_URL"] + "/.well-known/jwks.json"
    assert "JWT_PRIVATE_KEYS" not in config
    assert "reviews:8000" in config["DJANGO_ALLOWED_HOSTS"].split(",")
    assert values["reviews-consumer"]["args"] == [
        "manage",
        "consume_events",
        "--consumer",
        "reviews",
    ]
    assert values["reviews-beat"]["replicas"] == 1
    assert values["reviews-beat"]["strategy"] == {"type": "Recreate"}


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
def test_the_reviews_releases_render_valid_manifests(version):
    manifests = {
        _release_name(f): render(
            SERVICE_DIR, load_yaml(f), name=_release_name(f), namespace="eldo-staging"
        )
        for f in REVIEWS_VALUES
    }
    for name, release in manifests.items():
        assert _validate(release, version), name
        (deployment,) = _of_kind(release, "Deployment").values()
        assert deployment["metadata"]["name"] == name
    # Only the web release has a Service (named reviews, for the gateway) and the
    # migrations, a hook Job whose pods its Service never selects.
    services = {n for release in manifests.values() for n in _of_kind(release, "Service")}
    assert services == {"reviews"}
    (job,) = _of_kind(manifests["reviews"], "Job").values()
    assert job["metadata"]["annotations"]["helm.sh/hook"] == "pre-install,pre-upgrade"
    (container,) = job["spec"]["template"]["spec"]["containers"]
    assert container["args"] == ["migrate"]
    env = {e["name"]: e["value"] for e in container["env"]}
    assert env["DJANGO_SETTINGS_MODULE"] == "services.reviews.settings"
    assert container["envFrom"] == [{"secretRef": {"name": "eldo-reviews-staging"}}]
    (service,) = _of_kind(manifests["reviews"], "Service").values()
    assert (
        not service["spec"]["selector"].items()
        <= job["spec"]["template"]["metadata"]["labels"].items()
    )
    assert service["spec"]["selector"]["app.kubernetes.io/instance"] == "reviews"


def test_the_monolith_carved_overlay_lets_the_reviews_pods_in_and_consumes_its_queues():
    """values-carved-reviews.yaml over staging: reviews over HTTP, events over RabbitMQ with
    one consumer per monolith context, and the reviews releases' pods allowed to call the
    web pods (facades, JWKS) through the NetworkPolicy."""
    overlay = load_yaml(REPO_ROOT / "deploy/helm/eldo/values-carved-reviews.yaml")
    monolith = render_chart("values-staging.yaml", overlay, namespace="eldo-staging")
    web_config = _of_kind(monolith, "ConfigMap")["eldo-web"]["data"]

    assert web_config["REVIEWS_SERVICE_URL"] == "http://reviews:8000"
    assert web_config["EVENTS_TRANSPORT"] == "rabbitmq"
    consumers = {
        name: d
        for name, d in _of_kind(monolith, "Deployment").items()
        if name.startswith("eldo-consumer-")
    }
    assert set(consumers) == {f"eldo-consumer-{c}" for c in overlay["consumer"]["contexts"]}
    assert "reviews" not in overlay["consumer"]["contexts"]
    for name, deployment in consumers.items():
        (container,) = deployment["spec"]["template"]["spec"]["containers"]
        assert container["args"][-1] == name.removeprefix("eldo-consumer-")
        (config_map,) = [
            e["configMapRef"]["name"] for e in container["envFrom"] if "configMapRef" in e
        ]
        assert _of_kind(monolith, "ConfigMap")[config_map]["data"]["EVENTS_TRANSPORT"] == "rabbitmq"
    selectors = [
        d["spec"]["selector"]["matchLabels"] for d in _of_kind(monolith, "Deployment").values()
    ]
    assert len({tuple(sorted(s.items())) for s in selectors}) == len(selectors)

    (policy,) = _of_kind(monolith, "NetworkPolicy").values()
    allowed = [
        peer["podSelector"]["matchLabels"]
        for rule in policy["spec"]["ingress"]
        for peer in rule["from"]
        if "podSelector" in peer
    ]
    for f in REVIEWS_VALUES:
        release = render(SERVICE_DIR, load_yaml(f), name=_release_name(f), namespace="eldo-staging")
        (deployment,) = _of_kind(release, "Deployment").values()
        labels = deployment["spec"]["template"]["metadata"]["labels"]
        assert any(selector.items() <= labels.items() for selector in allowed), f.name
    # The monolith's own pods are not among the internal callers' selectors.
    web = _of_kind(monolith, "Deployment")["eldo-web"]["spec"]["template"]["metadata"]["labels"]
    assert not any(selector.items() <= web.items() for selector in allowed)
