"""deploy/terraform without providers (none can be fetched offline; CI runs `terraform
validate`): every file parses as HCL2 (python-hcl2) and is `terraform fmt` clean, every
module call passes exactly the module's variables, and the environments' outputs agree
with the Helm and Kong values they feed."""

from __future__ import annotations

import ipaddress
import shutil
import subprocess

import pytest

from tests.deploy.support import (
    CHART_DIR,
    REPO_ROOT,
    WORKFLOWS_DIR,
    deep_merge,
    hcl_blocks,
    load_hcl,
    load_yaml,
    render_chart,
)

TERRAFORM = REPO_ROOT / "deploy" / "terraform"
ENVIRONMENTS = {"staging": "k3s-cluster", "production": "eks-cluster"}
FILES = sorted(TERRAFORM.rglob("*.tf"))


def _environment(name: str) -> dict:
    """The blocks of an environment's files, merged."""
    merged: dict[str, list] = {}
    for path in sorted((TERRAFORM / "environments" / name).glob("*.tf")):
        for kind, blocks in load_hcl(path).items():
            merged.setdefault(kind, []).extend(blocks)
    return merged


def _locals(tree: dict) -> dict:
    values: dict = {}
    for block in tree.get("locals", []):
        values.update(block)
    return values


def _module_tree(source: str) -> dict:
    merged: dict[str, list] = {}
    for path in sorted((TERRAFORM / "modules" / source).glob("*.tf")):
        for kind, blocks in load_hcl(path).items():
            merged.setdefault(kind, []).extend(blocks)
    return merged


def test_there_is_terraform_for_both_clusters():
    modules = {p.name for p in (TERRAFORM / "modules").iterdir()}
    assert {
        "network",
        "k3s-cluster",
        "eks-cluster",
        "postgres",
        "redis",
        "media-storage",
        "vault-access",
    } <= modules
    assert len(FILES) >= 10


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(TERRAFORM)))
def test_every_file_parses_as_hcl(path):
    assert load_hcl(path)


@pytest.mark.skipif(not shutil.which("terraform"), reason="terraform is not installed")
def test_terraform_fmt_is_clean():
    result = subprocess.run(
        ["terraform", "fmt", "-check", "-recursive", "-diff", str(TERRAFORM)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_module_calls_pass_exactly_the_modules_variables(environment):
    tree = _environment(environment)
    calls = hcl_blocks(tree, "module")
    assert calls
    for name, call in calls.items():
        source = call["source"]
        assert source.startswith("../../modules/"), (name, source)
        module = _module_tree(source.removeprefix("../../modules/"))
        variables = hcl_blocks(module, "variable")
        given = set(call) - {"source", "providers", "depends_on", "count", "for_each"}
        assert given <= set(variables), (name, given - set(variables))
        required = {v for v, body in variables.items() if "default" not in body}
        assert required <= given, (name, required - given)


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_each_environment_builds_its_own_kind_of_cluster_and_everything_eldo_needs(
    environment,
):
    sources = {
        call["source"].rsplit("/", 1)[-1]
        for call in hcl_blocks(_environment(environment), "module").values()
    }
    assert sources == {
        "network",
        ENVIRONMENTS[environment],
        "postgres",
        "redis",
        "media-storage",
        "vault-access",
    }


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_outputs_match_the_helm_values(environment):
    tree = _environment(environment)
    local = _locals(tree)
    output = hcl_blocks(tree, "output")["helm_values"]["value"]
    values = deep_merge(
        load_yaml(CHART_DIR / "values.yaml"), load_yaml(CHART_DIR / f"values-{environment}.yaml")
    )
    storage_module = hcl_blocks(_module_tree("media-storage"), "resource")["aws_s3_bucket.this"]

    # The buckets are named "${var.name}-media" and "-private", var.name = local.name.
    assert storage_module["bucket"] == "${var.name}-${each.key}"
    assert hcl_blocks(tree, "module")["media"]["name"] == "${local.name}"
    assert values["objectStorage"]["bucket"] == f"{local['name']}-media"
    assert values["objectStorage"]["privateBucket"] == f"{local['name']}-private"
    assert values["objectStorage"]["region"] == local["region"]
    assert output["eldo"]["objectStorage"]["region"] == "${local.region}"
    assert values["secrets"]["externalSecret"]["remoteKey"] == f"eldo/{environment}"

    # Kong believes X-Forwarded-For from the VPC, the network this environment creates.
    kong = load_yaml(REPO_ROOT / f"deploy/kong/values-{environment}.yaml")
    assert output["kong"]["trusted_ips"] == ["${module.network.cidr}"]
    assert [kong["env"]["trusted_ips"]] == [local["cidr"]]
    assert ipaddress.ip_network(local["cidr"]).is_private


def _storage_classes(node) -> set[str]:
    found: set[str] = set()
    if isinstance(node, dict):
        for key, value in node.items():
            if key in {"storageClass", "storageClassName"} and value:
                found.add(value)
            else:
                found |= _storage_classes(value)
    elif isinstance(node, list):
        for item in node:
            found |= _storage_classes(item)
    return found


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_storage_classes_exist_on_the_environments_cluster(environment):
    """A volume naming a class its cluster lacks stays Pending (an EFS class on k3s)."""
    cluster = hcl_blocks(_module_tree(ENVIRONMENTS[environment]), "output")
    offered = set(cluster["storage_classes"]["value"])
    named = _storage_classes(render_chart(f"values-{environment}.yaml"))
    for path in (REPO_ROOT / "deploy" / "kong").glob(f"*values-{environment}.yaml"):
        named |= _storage_classes(load_yaml(path))
    assert named <= offered, (environment, named - offered)
    if environment == "production":
        production = _environment("production")
        classes = hcl_blocks(production, "resource")
        assert classes["kubernetes_storage_class_v1.gp3"]["metadata"][0]["name"] in offered
    else:
        assert "efs-sc" not in named and offered == {"local-path"}


def test_production_binds_the_apps_role_to_the_charts_service_account():
    manifests = render_chart("values-production.yaml")
    (account,) = [m for m in manifests if m["kind"] == "ServiceAccount"]
    media = hcl_blocks(_environment("production"), "module")["media"]
    assert media["access"] == "pod_identity"
    assert media["service_account"] == account["metadata"]["name"]
    assert media["namespace"] == "eldo-production"
    for deployment in ("eldo-web", "eldo-worker"):
        (pod,) = [
            m["spec"]["template"]["spec"]
            for m in manifests
            if m["kind"] == "Deployment" and m["metadata"]["name"] == deployment
        ]
        assert pod["serviceAccountName"] == account["metadata"]["name"]
    # Staging's k3s has no per-pod IAM: an access key, which goes to Vault.
    staging = hcl_blocks(_environment("staging"), "module")["media"]
    assert staging["access"] == "access_key"
    secrets = hcl_blocks(_environment("staging"), "output")["vault_secrets"]["value"]
    assert {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"} <= set(secrets)


def test_ci_validates_every_environment():
    ci = load_yaml(WORKFLOWS_DIR / "ci.yml")
    steps = [step.get("run", "") for job in ci["jobs"].values() for step in job.get("steps", [])]
    script = "\n".join(steps)
    assert "terraform fmt -check -recursive" in script
    assert "for environment in deploy/terraform/environments/*/" in script
    assert 'terraform -chdir="$environment" init -backend=false' in script
    assert 'terraform -chdir="$environment" validate' in script
