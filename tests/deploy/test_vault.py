"""Vault, the one store of Eldo's secrets: the catalogue deploy/vault/secrets.yaml lists
every secret the code reads, the chart's ExternalSecret requires the required ones and
copies the rest, and each cluster's ClusterSecretStore, Vault policy and Kubernetes auth
role (deploy/cluster, deploy/vault/policies, deploy/terraform/modules/vault-access) agree
on names and paths."""

from __future__ import annotations

import re

import pytest

from tests.deploy.support import (
    CHART_DIR,
    REPO_ROOT,
    hcl_blocks,
    load_hcl,
    load_yaml,
    render_chart,
)

CATALOGUE = load_yaml(REPO_ROOT / "deploy/vault/secrets.yaml")
ENVIRONMENTS = ["staging", "production"]
_READS = re.compile(r"""env_\w+\(\s*["']([A-Z][A-Z0-9_]+)["']""")
# What looks like a secret by its name (the chart tests' rule), and the URLs that carry
# credentials (user:password@host).
_SECRET_NAME = re.compile(r"SECRET|PASSWORD|TOKEN|(^|_)KEYS?$")
CREDENTIAL_URLS = {"DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL"}
# Read by the settings, named like secrets, and public or not a credential at all.
NOT_SECRETS = {
    "VAPID_PUBLIC_KEY": "the public half of the Web Push key pair, sent to browsers",
    "THROTTLE_PASSWORD_RESET": "a rate (requests per period), not a password",
}


def _settings_secrets() -> set[str]:
    names = set(_READS.findall((REPO_ROOT / "eldo/settings.py").read_text()))
    secrets = {n for n in names if _SECRET_NAME.search(n)} | (names & CREDENTIAL_URLS)
    return secrets - set(NOT_SECRETS)


def test_the_catalogue_lists_every_secret_the_settings_read():
    keys = CATALOGUE["keys"]
    read_by_settings = {k for k, v in keys.items() if v.get("reader", "settings") == "settings"}
    assert read_by_settings == _settings_secrets()
    assert "JWT_PRIVATE_KEYS" in keys and keys["JWT_PRIVATE_KEYS"]["required"]
    assert "JWT_SIGNING_KEY" not in keys, "HS256 is gone: the tokens are signed ES256"
    # The others are read by boto3, from the environment, as its documentation says.
    assert {k for k in keys if k not in read_by_settings} == {
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
    }


def test_not_secrets_are_really_read_and_documented_as_plain_settings():
    text = (REPO_ROOT / "docs/deploy.md").read_text()
    for name in NOT_SECRETS:
        assert f"`{name}`" in text


def test_the_chart_requires_the_required_keys_and_copies_the_others():
    values = load_yaml(CHART_DIR / "values.yaml")
    required = {k for k, v in CATALOGUE["keys"].items() if v["required"]}
    assert set(values["secrets"]["externalSecret"]["keys"]) == required
    for environment in ENVIRONMENTS:
        (external,) = [
            m for m in render_chart(f"values-{environment}.yaml") if m["kind"] == "ExternalSecret"
        ]
        path = CATALOGUE["path"].format(environment=environment)
        assert {d["secretKey"] for d in external["spec"]["data"]} == required
        assert {d["remoteRef"]["key"] for d in external["spec"]["data"]} == {path}
        assert external["spec"]["dataFrom"] == [{"extract": {"key": path}}]
        assert external["spec"]["secretStoreRef"] == {"kind": "ClusterSecretStore", "name": "vault"}


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_store_policy_and_role_agree(environment):
    store = load_yaml(REPO_ROOT / f"deploy/cluster/{environment}/cluster-secret-store.yaml")
    vault = store["spec"]["provider"]["vault"]
    auth = vault["auth"]["kubernetes"]
    policy = load_hcl(REPO_ROOT / f"deploy/vault/policies/eldo-{environment}.hcl")
    resources = hcl_blocks(
        load_hcl(REPO_ROOT / "deploy/terraform/modules/vault-access/main.tf"), "resource"
    )
    role = resources["vault_kubernetes_auth_backend_role.external_secrets"]
    backend = resources["vault_auth_backend.kubernetes"]

    assert store["metadata"]["name"] == "vault"
    assert (vault["path"], vault["version"]) == (CATALOGUE["mount"], "v2")
    # The policy reads this environment's secret and nothing else.
    secret = CATALOGUE["path"].format(environment=environment)
    paths = {name for block in policy["path"] for name in block}
    assert paths == {
        f"{CATALOGUE['mount']}/data/{secret}",
        f"{CATALOGUE['mount']}/metadata/{secret}",
    }
    for block in policy["path"]:
        for body in block.values():
            assert body["capabilities"] == ["read"]
    # The store logs in where and as whom the role expects.
    assert backend["path"] == "kubernetes-${var.environment}"
    assert auth["mountPath"] == f"kubernetes-{environment}"
    assert auth["role"] == role["role_name"]
    account = auth["serviceAccountRef"]
    assert role["bound_service_account_names"] == [account["name"]]
    assert role["bound_service_account_namespaces"] == [account["namespace"]]
    assert account["audiences"] == [role["audience"]]
    # Only Eldo's namespace may use the store.
    assert store["spec"]["conditions"] == [{"namespaces": [f"eldo-{environment}"]}]
