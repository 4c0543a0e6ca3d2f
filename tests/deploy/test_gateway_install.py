"""Kong's own install, the same in every environment where it matters: compose's Kong
(deploy/compose.yaml) and the Kong chart's values per cluster (deploy/kong/values-*.yaml),
against gunicorn (deploy/gunicorn.conf.py) and Django's body limits.

- who the client is: X-Forwarded-For believed from the cluster's network only, never
  from anywhere; the load balancer keeps the client's address (externalTrafficPolicy
  Local), or every per-address rate limit becomes one bucket;
- idle upstream connections: Kong drops them before gunicorn does (no 502 on reuse);
- request bodies: nginx refuses what Django's largest limit refuses;
- the rate-limit counters are shared wherever Kong runs several replicas.
"""

from __future__ import annotations

import ipaddress
import re

import pytest
from django.conf import settings

from tests.deploy.support import (
    COMPOSE_FILE,
    REPO_ROOT,
    load_yaml,
    production_env,
    render_chart,
    run,
)

KONG_DIR = REPO_ROOT / "deploy" / "kong"
ENVIRONMENTS = ["staging", "production"]


def _kong_values(environment: str) -> dict:
    return load_yaml(KONG_DIR / f"values-{environment}.yaml")


def _compose_kong() -> dict[str, str]:
    """compose's KONG_* variables as the chart's `env` keys (kong.conf names)."""
    env = load_yaml(COMPOSE_FILE)["services"]["kong"]["environment"]
    return {k.removeprefix("KONG_").lower(): str(v) for k, v in env.items()}


def _installs() -> dict[str, dict[str, str]]:
    installs = {"compose": _compose_kong()}
    for environment in ENVIRONMENTS:
        env = _kong_values(environment)["env"]
        installs[environment] = {k: str(v) for k, v in env.items()}
    return installs


@pytest.fixture(scope="module")
def gunicorn_keepalive(tmp_path_factory) -> int:
    """deploy/gunicorn.conf.py's keepalive, as gunicorn reads it in production."""
    tmp_path = tmp_path_factory.mktemp("gunicorn-conf")
    code = "import runpy; print(runpy.run_path('deploy/gunicorn.conf.py')['keepalive'])"
    result = run(["python", "-c", code], env=production_env(tmp_path))
    assert result.returncode == 0, result.stderr
    return int(result.stdout.strip().splitlines()[-1])


def _megabytes(size: str) -> int:
    number, unit = re.fullmatch(r"(\d+)([km]?)", size.lower()).groups()
    return int(number) * {"": 1, "k": 1024, "m": 1024 * 1024}[unit]


@pytest.mark.parametrize("install", ["compose", *ENVIRONMENTS])
def test_kong_drops_idle_upstream_connections_before_gunicorn(install, gunicorn_keepalive):
    idle = int(_installs()[install]["upstream_keepalive_idle_timeout"])
    assert 0 < idle < gunicorn_keepalive, (install, idle, gunicorn_keepalive)


def test_no_environment_lowers_gunicorns_keepalive():
    for values_file in ("values-staging.yaml", "values-production.yaml"):
        for config_map in [m for m in render_chart(values_file) if m["kind"] == "ConfigMap"]:
            assert "GUNICORN_KEEPALIVE" not in config_map.get("data", {}), values_file
    web = load_yaml(COMPOSE_FILE)["services"]["web"]["environment"]
    assert "GUNICORN_KEEPALIVE" not in web


@pytest.mark.parametrize("install", ["compose", *ENVIRONMENTS])
def test_nginx_refuses_bodies_above_djangos_largest_limit(install):
    size = _installs()[install]["nginx_http_client_max_body_size"]
    assert _megabytes(size) == settings.REQUEST_MAX_MULTIPART_BYTES


@pytest.mark.parametrize("install", ["compose", *ENVIRONMENTS])
def test_kong_believes_forwarded_addresses_from_its_own_network_only(install):
    config = _installs()[install]
    assert config["real_ip_header"] == "X-Forwarded-For"
    assert config["real_ip_recursive"] == "on"
    trusted = [part.strip() for part in config["trusted_ips"].split(",") if part.strip()]
    if install == "compose":
        # The first hop: nobody in front of it to believe.
        assert trusted == []
    else:
        assert trusted
    for cidr in trusted:
        network = ipaddress.ip_network(cidr)
        assert network.is_private and network.prefixlen >= 8, (install, cidr)


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_the_load_balancer_keeps_the_clients_address(environment):
    proxy = _kong_values(environment)["proxy"]
    assert proxy["type"] == "LoadBalancer"
    assert proxy["externalTrafficPolicy"] == "Local"


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_kong_runs_db_less_with_its_ingress_controller_and_no_admin_api(environment):
    values = _kong_values(environment)
    assert values["env"]["database"] == "off"
    assert values["ingressController"]["enabled"] is True
    assert values["admin"]["enabled"] is False
    compose_image = load_yaml(COMPOSE_FILE)["services"]["kong"]["image"]
    assert f"{values['image']['repository']}:{values['image']['tag']}" == compose_image


def test_django_trusts_exactly_one_proxy_everywhere():
    compose = load_yaml(COMPOSE_FILE)["services"]["web"]["environment"]
    assert compose["NUM_PROXIES"] == "1"
    for values_file in ("values-staging.yaml", "values-production.yaml"):
        web = next(
            m
            for m in render_chart(values_file)
            if m["metadata"]["name"] == "eldo-web" and m["kind"] == "ConfigMap"
        )
        assert web["data"]["NUM_PROXIES"] == "1"
