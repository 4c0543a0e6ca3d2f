"""deploy/helm/monitoring: rendered by Helm's engine, and every metric its alerts and its
dashboard query is one the application exports (read from a real /metrics page after
requests, cache reads and tasks), so that a renamed metric cannot leave an alert silent."""

from __future__ import annotations

import functools
import json
import re

import kubernetes_validate
import pytest
from celery import current_app
from django.core.cache import cache
from prometheus_client.parser import text_string_to_metric_families

from tests.deploy.support import REPO_ROOT, render_chart

MONITORING_DIR = REPO_ROOT / "deploy" / "helm" / "monitoring"
ALERTS = {"EldoHigh5xxRate", "EldoSlowRequests", "EldoOutboxLag", "EldoWorkerDown"}
# Series Prometheus makes itself for every scraped target, not the application.
PROMETHEUS_SERIES = {"up"}
PROMQL_WORDS = {"by", "without", "and", "or", "unless", "on", "ignoring", "bool", "offset"}
PROMQL_WORDS |= {"group_left", "group_right", "inf", "nan"}


@functools.cache
def _render(overrides_json: str = "{}") -> list[dict]:
    import helm_python
    import yaml

    helm_python.disable_logging()
    chart = helm_python.Chart.load(MONITORING_DIR)
    rendered = chart.render(
        json.loads(overrides_json), name="eldo-monitoring", namespace="monitoring", is_install=True
    )
    return [
        document
        for template, text in sorted(rendered.items())
        if template.endswith(".yaml")
        for document in yaml.safe_load_all(text)
        if document
    ]


def render(overrides: dict | None = None) -> list[dict]:
    return _render(json.dumps(overrides or {}, sort_keys=True))


def of_kind(manifests: list[dict], kind: str) -> list[dict]:
    return [m for m in manifests if m["kind"] == kind]


def rule_expressions(manifests) -> list[str]:
    (rule,) = of_kind(manifests, "PrometheusRule")
    return [r["expr"] for group in rule["spec"]["groups"] for r in group["rules"]]


def dashboard(manifests) -> dict:
    (configmap,) = of_kind(manifests, "ConfigMap")
    return json.loads(configmap["data"]["eldo.json"])


def dashboard_expressions(manifests) -> list[str]:
    return [t["expr"] for p in dashboard(manifests)["panels"] for t in p["targets"]]


def metric_names(expression: str) -> set[str]:
    """The metric names of a PromQL expression: what is left once strings, label matchers,
    `by (...)` groupings, ranges, numbers and function calls are taken out."""
    text = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expression)
    text = re.sub(r"\{[^}]*\}", " ", text)
    text = re.sub(r"\b(by|without|on|ignoring)\s*\([^)]*\)", " ", text)
    text = re.sub(r"\[[^\]]*\]", " ", text)
    names = set()
    for match in re.finditer(r"[A-Za-z_:][A-Za-z0-9_:]*", text):
        following = text[match.end() :].lstrip()
        word = match.group()
        if following.startswith("(") or word.lower() in PROMQL_WORDS:
            continue  # a function or an operator
        if (
            re.fullmatch(r"\d+(\.\d+)?e-?\d+", word)
            or text[match.start() - 1 : match.start()].isdigit()
        ):
            continue
        names.add(word)
    return names


@current_app.task(name="tests.monitoring_ok")
def monitoring_ok():
    return "ok"


@current_app.task(name="tests.monitoring_boom")
def monitoring_boom():
    raise RuntimeError("boom")


@pytest.fixture
def exported(client, settings) -> set[str]:
    """Sample names of /metrics once the app has served, cached and run tasks."""
    settings.CELERY_TASK_ALWAYS_EAGER = True
    client.get("/healthz")
    client.get("/no-such-page/")
    cache.set("monitoring", 1, 5)
    cache.get("monitoring")
    cache.get("monitoring-absent")
    monitoring_ok.apply()
    monitoring_boom.apply(throw=False)
    response = client.get("/metrics")
    assert response.status_code == 200
    return {
        sample.name
        for family in text_string_to_metric_families(response.content.decode())
        for sample in family.samples
    }


def test_the_chart_renders_monitors_rules_and_a_dashboard():
    manifests = render()
    assert {m["kind"] for m in manifests} == {"PodMonitor", "PrometheusRule", "ConfigMap"}
    monitors = {
        m["spec"]["selector"]["matchLabels"]["app.kubernetes.io/component"]: m
        for m in of_kind(manifests, "PodMonitor")
    }
    assert set(monitors) == {"web", "worker"}
    assert monitors["web"]["spec"]["podMetricsEndpoints"][0]["port"] == "http"
    for monitor in monitors.values():
        assert monitor["apiVersion"] == "monitoring.coreos.com/v1"
        assert monitor["spec"]["namespaceSelector"]["matchNames"] == ["eldo-production"]
        endpoint = monitor["spec"]["podMetricsEndpoints"][0]
        assert endpoint["path"] == "/metrics"
        targets = {r["targetLabel"] for r in endpoint["relabelings"]}
        assert targets == {"component", "instance_name"}  # what the rules select by


def test_the_web_and_worker_pods_expose_the_ports_the_monitors_scrape():
    eldo = {
        d["metadata"]["name"]: d
        for d in render_chart("values-production.yaml")
        if d["kind"] == "Deployment"
    }
    for monitor in of_kind(render(), "PodMonitor"):
        component = monitor["metadata"]["name"].rsplit("-", 1)[1]
        (container,) = eldo[f"eldo-{component}"]["spec"]["template"]["spec"]["containers"]
        port = monitor["spec"]["podMetricsEndpoints"][0]["port"]
        assert port in {p["name"] for p in container["ports"]}, component


def test_the_alerts_page_on_what_operations_need():
    (rule,) = of_kind(render(), "PrometheusRule")
    assert rule["apiVersion"] == "monitoring.coreos.com/v1"
    assert rule["metadata"]["labels"]["release"] == "kube-prometheus-stack"
    rules = {r["alert"]: r for group in rule["spec"]["groups"] for r in group["rules"]}
    assert set(rules) >= ALERTS
    for name, spec in rules.items():
        assert re.fullmatch(r"\d+m", spec["for"]), name
        assert spec["labels"]["severity"] in {"warning", "critical"}, name
        assert spec["annotations"]["summary"], name
        assert 'namespace="eldo-production"' in spec["expr"], name
    assert "histogram_quantile(0.95" in rules["EldoSlowRequests"]["expr"]
    assert 'status=~"5.."' in rules["EldoHigh5xxRate"]["expr"]
    assert "absent(up{" in rules["EldoWorkerDown"]["expr"]


def test_the_target_namespace_is_a_value():
    manifests = render({"target": {"namespace": "eldo-staging"}})
    for expression in rule_expressions(manifests) + dashboard_expressions(manifests):
        assert 'namespace="eldo-staging"' in expression
        assert "eldo-production" not in expression


def test_the_dashboard_is_a_grafana_configmap():
    (configmap,) = of_kind(render(), "ConfigMap")
    assert configmap["metadata"]["labels"]["grafana_dashboard"] == "1"
    for version in ("1.29", kubernetes_validate.utils.latest_version()):
        kubernetes_validate.validate(configmap, version, strict=True)
    board = dashboard(render())
    assert board["uid"] and board["title"]
    assert all(panel["targets"] for panel in board["panels"])
    assert "__NAMESPACE__" not in configmap["data"]["eldo.json"]


@pytest.mark.django_db
def test_every_metric_queried_is_one_the_app_exports(exported):
    manifests = render()
    queried = set()
    for expression in rule_expressions(manifests) + dashboard_expressions(manifests):
        queried |= metric_names(expression)
    assert queried >= {
        "django_http_responses_total_by_status_view_method_total",
        "django_http_requests_latency_seconds_by_view_method_bucket",
        "eldo_outbox_lag_seconds",
        "eldo_celery_queue_length",
        "eldo_celery_task_duration_seconds_bucket",
        "eldo_celery_task_failures_total",
        "django_cache_get_hits_total",
    }
    unknown = queried - exported - PROMETHEUS_SERIES
    assert not unknown, f"queried but not exported by the app: {sorted(unknown)}"


def test_the_metric_name_reader():
    expression = 'sum by (le, view) (rate(a_bucket{x="b(c)",y=~"5.."}[5m]))'
    expression += " / clamp_min(sum(b_total), 1e-9) > 0.5"
    assert metric_names(expression) == {"a_bucket", "b_total"}
    assert metric_names("sum(up{job='x'}) == 0 or absent(up{a=\"b\"})") == {"up"}
