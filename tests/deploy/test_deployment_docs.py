"""docs/deploy.md documents every environment variable the code reads, and the operations
a newcomer needs (environments, secrets, migrations, rollbacks, scaling, carving out)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.deploy.support import DEPLOY_DOCS, REPO_ROOT, documented_variables

# env_str("NAME"...), env_bool(...), os.environ.get("NAME"...), and ${NAME:-...} in sh.
_READS = re.compile(
    r"""(?:env_\w+\(\s*|os\.environ\.get\(\s*|os\.environ\[\s*)["']([A-Z][A-Z0-9_]+)["']"""
    r"""|\$\{([A-Z][A-Z0-9_]+)(?::-[^}]*)?\}"""
)
SOURCES = ["eldo/settings.py", "deploy/gunicorn.conf.py", "deploy/entrypoint.sh"]
SECTIONS = [
    "Environments",
    "Configuration and secrets",
    "Migrations",
    "Rollbacks",
    "Scaling workers",
    "Carve out a context",
    "The full stack with Docker Compose",
    "The gateway (Kong)",
    "Kubernetes: the Helm chart",
    "Releases: CI and CD",
    "Environment variables",
]


@pytest.mark.parametrize("source", SOURCES)
def test_every_environment_variable_is_documented(source):
    text = (REPO_ROOT / source).read_text()
    read = {a or b for a, b in _READS.findall(text)}
    assert read, f"found no environment variable in {source}"

    missing = sorted(read - documented_variables())

    assert not missing, f"{source} reads {missing}: add them to docs/deploy.md"


def test_the_operations_are_documented():
    headings = set(re.findall(r"^#{2,3} (.+)$", DEPLOY_DOCS.read_text(), re.MULTILINE))
    assert not [s for s in SECTIONS if s not in headings]


def test_nothing_points_at_the_old_deployment_doc():
    for path in ["README.md", "Dockerfile", "deploy/gunicorn.conf.py", "docs/architecture.md"]:
        assert "docs/deployment.md" not in (REPO_ROOT / path).read_text(), path


def test_what_the_docs_say_about_translations_is_true():
    """docs/deploy.md says there is no message catalogue yet, and LOCALE_PATHS is wired."""
    from django.conf import settings

    text = re.sub(r"\s+", " ", DEPLOY_DOCS.read_text())
    catalogues = list((REPO_ROOT / "locale").rglob("*.po"))
    says_none = "There is no `locale/` directory and no message catalogue today" in text
    assert says_none == (not catalogues), "update the locale/ paragraph of docs/deploy.md"
    assert REPO_ROOT / "locale" in [Path(p) for p in settings.LOCALE_PATHS]


def test_a_newcomer_can_create_an_environment_from_nothing_in_order():
    """Terraform, then the cluster's add-ons, then Argo CD's applications, then the first
    release: each step names the files it uses, and they exist."""
    text = DEPLOY_DOCS.read_text()
    section = text.split("## An environment from nothing", 1)[1].split("\n## ", 1)[0]
    steps = re.findall(r"^(\d)\. \*\*(.+?)\*\*", section, re.MULTILINE)
    assert [n for n, _ in steps] == ["1", "2", "3", "4"]
    titles = [title.lower() for _, title in steps]
    assert "terraform" in titles[0]
    assert "add-ons" in titles[1]
    assert "argo cd" in titles[2]
    assert "first release" in titles[3]
    for path in re.findall(r"`(deploy/[\w./<>-]+)`", section):
        concrete = path.replace("<env>", "staging").rstrip("/")
        assert (REPO_ROOT / concrete).exists(), path
    assert "cannot be fetched" in section and "terraform validate" in section
