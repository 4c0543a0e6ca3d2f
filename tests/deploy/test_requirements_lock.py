"""The hash-locked requirements agree with pyproject.toml.

pyproject.toml says what the project depends on (ranges); requirements/base.txt (the image)
and requirements/dev.txt (make install, CI) say exactly what is installed, each file with its
sha256. `make lock` compiles them; these tests fail when someone edits one side only.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from tests.deploy.support import REPO_ROOT

PYPROJECT = REPO_ROOT / "pyproject.toml"
LOCKS = {
    "base": REPO_ROOT / "requirements" / "base.txt",
    "dev": REPO_ROOT / "requirements" / "dev.txt",
}
RELOCK = "run `make lock` and commit pyproject.toml with requirements/"


@dataclass
class Pin:
    version: Version
    hashes: list[str] = field(default_factory=list)
    via: list[str] = field(default_factory=list)


def parse_lock(path) -> dict[str, Pin]:
    """`name==version [; marker] \\` lines, their `--hash=sha256:` lines and `# via` notes."""
    pins: dict[str, Pin] = {}
    current = None
    for line in path.read_text().splitlines():
        stripped = line.strip()
        if match := re.match(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)", line):
            current = pins.setdefault(canonicalize_name(match[1]), Pin(Version(match[2])))
        elif current and (match := re.match(r"--hash=(sha256:[0-9a-f]{64})", stripped)):
            current.hashes.append(match[1])
        elif current and stripped.startswith("#") and stripped not in {"# via", "#"}:
            current.via.append(stripped.removeprefix("# via").strip("# ").strip())
    return pins


def direct_requirements(scope: str) -> list[Requirement]:
    project = tomllib.loads(PYPROJECT.read_text())["project"]
    requirements = [Requirement(r) for r in project["dependencies"]]
    if scope == "dev":
        requirements += [Requirement(r) for r in project["optional-dependencies"]["dev"]]
    return requirements


@pytest.mark.parametrize("scope", LOCKS)
def test_every_direct_dependency_is_pinned_within_its_range(scope):
    pins = parse_lock(LOCKS[scope])
    for requirement in direct_requirements(scope):
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{requirement} is not in {LOCKS[scope].name}: {RELOCK}"
        version = pins[name].version
        assert requirement.specifier.contains(version, prereleases=True), (
            f"{LOCKS[scope].name} pins {name}=={version}, outside {requirement}: {RELOCK}"
        )


@pytest.mark.parametrize("scope", LOCKS)
def test_no_pin_is_left_from_a_removed_dependency(scope):
    """A package pinned only because pyproject.toml asked for it must still be asked for."""
    direct = {canonicalize_name(r.name) for r in direct_requirements(scope)}
    for name, pin in parse_lock(LOCKS[scope]).items():
        if pin.via and all(v.startswith("eldo") for v in pin.via):
            assert name in direct, f"{name} is pinned for eldo but not a dependency: {RELOCK}"


@pytest.mark.parametrize("scope", LOCKS)
def test_every_pin_carries_its_hashes(scope):
    pins = parse_lock(LOCKS[scope])
    assert pins
    for name, pin in pins.items():
        assert pin.hashes, f"{name}: no --hash (pip install --require-hashes would refuse it)"


def test_dev_installs_the_same_runtime_versions_as_the_image():
    base, dev = parse_lock(LOCKS["base"]), parse_lock(LOCKS["dev"])
    assert base.keys() <= dev.keys()
    for name, pin in base.items():
        assert dev[name].version == pin.version, f"{name}: base and dev disagree: {RELOCK}"
        assert set(dev[name].hashes) == set(pin.hashes), name


def test_make_install_and_the_image_install_from_the_locks():
    makefile = (REPO_ROOT / "Makefile").read_text()
    assert re.search(r"^\$\(STAMP\): requirements/dev\.txt", makefile, re.MULTILINE)
    assert "pip install --quiet --require-hashes -r requirements/dev.txt" in makefile
    assert "pip install --quiet --no-deps -e ." in makefile
    assert re.search(r"^lock:", makefile, re.MULTILINE)
    assert "--generate-hashes" in makefile
    dockerfile = (REPO_ROOT / "Dockerfile").read_text()
    assert "COPY requirements/base.txt" in dockerfile
    assert "pip install --require-hashes -r" in dockerfile
