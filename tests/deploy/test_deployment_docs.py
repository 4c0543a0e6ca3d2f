"""docs/deployment.md documents every environment variable the code reads."""

from __future__ import annotations

import re

import pytest

from tests.deploy.support import REPO_ROOT

DOCS = REPO_ROOT / "docs" / "deployment.md"
# env_str("NAME"...), env_bool(...), os.environ.get("NAME"...), and ${NAME:-...} in sh.
_READS = re.compile(
    r"""(?:env_\w+\(\s*|os\.environ\.get\(\s*|os\.environ\[\s*)["']([A-Z][A-Z0-9_]+)["']"""
    r"""|\$\{([A-Z][A-Z0-9_]+)(?::-[^}]*)?\}"""
)
SOURCES = ["eldo/settings.py", "deploy/gunicorn.conf.py", "deploy/entrypoint.sh"]


def _documented() -> set[str]:
    """Names in the first column of the tables of docs/deployment.md."""
    return set(re.findall(r"^\|\s*`([A-Z][A-Z0-9_]+)`\s*\|", DOCS.read_text(), re.MULTILINE))


@pytest.mark.parametrize("source", SOURCES)
def test_every_environment_variable_is_documented(source):
    text = (REPO_ROOT / source).read_text()
    read = {a or b for a, b in _READS.findall(text)}
    assert read, f"found no environment variable in {source}"

    missing = sorted(read - _documented())

    assert not missing, f"{source} reads {missing}: add them to docs/deployment.md"
