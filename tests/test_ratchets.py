"""make lint's ratchets (scripts/): a new complex function, a file with more mypy errors
and an unused function each fail; what is recorded passes."""

from __future__ import annotations

import importlib.util
from collections import Counter

import pytest

from tests.deploy.support import REPO_ROOT


def _script(name: str):
    spec = importlib.util.spec_from_file_location(name, REPO_ROOT / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


COMPLEX = (
    "def tangled(x):\n"
    + "".join(f"    if x == {i}:\n        return {i}\n" for i in range(20))
    + "    return -1\n"
)


@pytest.fixture
def tree(tmp_path):
    (tmp_path / "apps").mkdir()
    (tmp_path / "eldo").mkdir()
    (tmp_path / ".ratchet").mkdir()
    (tmp_path / "pyproject.toml").write_text(
        "[tool.ruff.lint.mccabe]\nmax-complexity = 15\n[tool.ruff.lint.pylint]\n"
        "max-statements = 50\n"
    )
    return tmp_path


def test_a_new_complex_function_fails_and_a_recorded_one_passes(tree, monkeypatch, capsys):
    ratchet = _script("complexity_ratchet")
    monkeypatch.setattr(ratchet, "ROOT", tree)
    monkeypatch.setattr(ratchet, "LIST", tree / ".ratchet" / "complexity.txt")
    (tree / "apps" / "module.py").write_text(COMPLEX)
    assert ratchet.main([]) == 1
    assert "apps/module.py::tangled::C901" in capsys.readouterr().out
    assert ratchet.main(["--update"]) == 0
    assert ratchet.main([]) == 0
    (tree / "apps" / "module.py").write_text("def simple():\n    return 1\n")
    assert ratchet.main([]) == 0  # fixed: reported, the list may shrink
    assert "remove its line" in capsys.readouterr().out


def test_more_mypy_errors_in_a_file_fail(tree, monkeypatch):
    ratchet = _script("mypy_ratchet")
    monkeypatch.setattr(ratchet, "LIST", tree / ".ratchet" / "mypy.txt")
    monkeypatch.setattr(ratchet, "ROOT", tree)
    errors = Counter({"apps/a.py": 2})
    monkeypatch.setattr(ratchet, "current", lambda: (errors, ""))
    assert ratchet.main(["--update"]) == 0
    assert ratchet.main([]) == 0
    errors["apps/a.py"] = 1
    assert ratchet.main([]) == 0  # fewer: fine
    errors["apps/a.py"], errors["apps/b.py"] = 2, 1
    assert ratchet.main([]) == 1  # a file that had none


def test_an_unused_function_fails_unless_listed_with_a_reason(tree, monkeypatch, capsys):
    dead = _script("dead_code")
    monkeypatch.setattr(dead, "ROOT", tree)
    monkeypatch.setattr(dead, "WHITELIST", tree / ".ratchet" / "dead_code_whitelist.txt")
    monkeypatch.setattr(dead, "USERS", [])
    (tree / "apps" / "module.py").write_text(
        "def used():\n    return 1\n\n\ndef forgotten():\n    return used()\n"
    )
    assert dead.main() == 1
    assert "unused function 'forgotten'" in capsys.readouterr().out
    dead.WHITELIST.write_text("apps/module.py::forgotten\n")
    assert dead.main() == 1  # no reason given
    dead.WHITELIST.write_text("apps/module.py::forgotten  # called by a partner's script\n")
    assert dead.main() == 0
