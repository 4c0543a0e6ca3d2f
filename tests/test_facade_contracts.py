"""The contracts of the facades reached through ports (``apps.core.facade_ports``) say exactly
what the ``api`` modules do, so that the HTTP client generated from them
(``apps.core.remote_facades``) can stand in for the module.

- each method of ``<Ctx>Facade`` has the signature of ``apps.<ctx>.api``'s function: names,
  kinds, defaults and (resolved) annotations;
- every attribute used through a port (``x = facade("ctx")``) in production code is on the
  contract: a function missing from it would work in-process and fail once carved out;
- every annotation builds a pydantic ``TypeAdapter`` (the codec of the wire);
- the contracts import no model, no ``api`` module, no Django.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import subprocess
import sys
import typing
from collections import defaultdict
from pathlib import Path

import pytest

from apps.core.remote_facades import contract_for, contract_functions, operations

ROOT = Path(__file__).resolve().parent.parent
CONTEXTS = ["accounts", "directory", "reviews"]
SOURCES = [ROOT / "apps", ROOT / "eldo"]


def port_uses() -> dict[str, dict[str, set[str]]]:
    """{context: {attribute: {"path:line", ...}}} of the attributes production code reads
    through a port: the names bound to ``facade("<context>")`` in a module, then every
    ``name.attribute`` in that module."""
    uses: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for source in SOURCES:
        for path in source.rglob("*.py"):
            if "tests" in path.parts or "migrations" in path.parts:
                continue
            tree = ast.parse(path.read_text())
            ports = {}
            for node in ast.walk(tree):
                if not isinstance(node, ast.Assign | ast.AnnAssign):
                    continue
                value = node.value
                if (
                    isinstance(value, ast.Call)
                    and isinstance(value.func, ast.Name)
                    and value.func.id == "facade"
                    and value.args
                    and isinstance(value.args[0], ast.Constant)
                ):
                    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                    ports.update(
                        {t.id: value.args[0].value for t in targets if isinstance(t, ast.Name)}
                    )
            for node in ast.walk(tree):
                if (
                    isinstance(node, ast.Attribute)
                    and isinstance(node.value, ast.Name)
                    and node.value.id in ports
                ):
                    where = f"{path.relative_to(ROOT)}:{node.lineno}"
                    uses[ports[node.value.id]][node.attr].add(where)
    return uses


def test_ports_are_found():
    uses = port_uses()
    assert {"accounts", "directory", "reviews"} <= set(uses)
    assert "pro_profile" in uses["directory"]


@pytest.mark.parametrize("context", CONTEXTS)
def test_every_function_used_through_a_port_is_in_the_contract(context):
    listed = set(contract_functions(contract_for(context)))
    missing = {
        name: sorted(where) for name, where in port_uses()[context].items() if name not in listed
    }
    assert not missing, f"add these functions to {context}'s contract: {missing}"


@pytest.mark.parametrize("context", CONTEXTS)
def test_every_contract_method_has_the_signature_of_the_api_function(context):
    contract = contract_for(context)
    api = importlib.import_module(f"apps.{context}.api")
    for name in contract_functions(contract):
        method = getattr(contract, name)
        function = getattr(api, name, None)
        assert function is not None, f"{context}.{name} is in the contract, not in the api"
        expected = list(inspect.signature(function).parameters.values())
        listed = list(inspect.signature(method).parameters.values())[1:]  # self
        shape = [(p.name, p.kind, p.default) for p in expected]
        assert [(p.name, p.kind, p.default) for p in listed] == shape, f"{context}.{name}"
        assert typing.get_type_hints(method) == typing.get_type_hints(function), (
            f"{context}.{name}: annotations differ"
        )


@pytest.mark.parametrize("context", CONTEXTS)
def test_every_annotation_builds_a_type_adapter(context):
    contract = contract_for(context)
    built = operations(context)
    assert list(built) == contract_functions(contract)
    for operation in built.values():
        missing = [
            p.name
            for p in operation.signature.parameters.values()
            if p.annotation is inspect.Parameter.empty
        ]
        assert not missing, f"{context}.{operation.name}: annotate {missing}"
        assert operation.signature.return_annotation is not inspect.Signature.empty


def test_contracts_import_no_model_no_api_and_no_django():
    modules = [f"apps.{context}.contracts" for context in CONTEXTS]
    script = (
        "import importlib, sys\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        "loaded = [m for m in sys.modules\n"
        "          if m.startswith('django') or m.endswith(('.models', '.api'))]\n"
        "print(loaded)\n"
        "sys.exit(1 if loaded else 0)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
