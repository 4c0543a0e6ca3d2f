"""The boundaries between contexts, checked where import-linter cannot see them."""

import re
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CONTEXTS = ["accounts", "directory", "reviews", "quotes", "leads", "stats"]
PUBLIC = {"api", "contracts", "events", "tests", "migrations", "__init__"}


def _contracts() -> list[dict]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    return config["tool"]["importlinter"]["contracts"]


def _internal_modules(context: str) -> set[str]:
    base = ROOT / "apps" / context
    names = {p.stem for p in base.glob("*.py")} | {
        p.name for p in base.iterdir() if p.is_dir() and (p / "__init__.py").exists()
    }
    return {f"apps.{context}.{n}" for n in names - PUBLIC}


@pytest.mark.parametrize("context", CONTEXTS)
def test_every_internal_module_of_a_context_is_protected(context):
    contract = next(
        c for c in _contracts() if c["type"] == "protected" and c["name"].startswith(context)
    )
    assert set(contract["protected_modules"]) == _internal_modules(context), (
        "Add the new module to the context's protected contract in pyproject.toml"
    )


def test_layers_follow_the_dependency_order():
    layers = next(c for c in _contracts() if c["type"] == "layers")["layers"]
    assert layers == [
        "eldo",
        "apps.stats",
        "apps.leads",
        "apps.quotes | apps.reviews",
        "apps.directory",
        "apps.accounts",
        "apps.core",
    ]


def test_no_get_model_reach_ins_across_contexts():
    """``apps.get_model("other", ...)`` hides an edge from import-linter."""
    pattern = re.compile(r"get_model\(\s*[\"'](\w+)[\"']")
    for context in [*CONTEXTS, "core"]:
        for path in (ROOT / "apps" / context).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            for label in pattern.findall(path.read_text()):
                assert label == context, f"{path} reaches into {label} with get_model"


def test_every_event_subscribed_by_name_is_published():
    """``on_named`` subscriptions (a context reacting to one above it) name a real event: a
    typo would silently never fire."""
    from django.apps import apps as django_apps

    from apps.core import events

    assert django_apps.ready
    assert set(events._handlers) <= set(events._event_types)


# The contexts that keep other contexts' rows (accounts' organizations and users) by plain
# id only, so that each could move to its own database.
WITHOUT_FOREIGN_KEYS_OUT = ["directory", "leads"]


@pytest.mark.parametrize("context", WITHOUT_FOREIGN_KEYS_OUT)
def test_no_foreign_key_leaves_the_context(context):
    from django.apps import apps

    crossing = [
        f"{model.__name__}.{field.name} -> {field.related_model._meta.label}"
        for model in apps.get_app_config(context).get_models()
        for field in model._meta.get_fields()
        if field.is_relation
        and field.concrete
        and field.related_model is not None
        and field.related_model._meta.app_label != context
    ]
    assert crossing == []  # a new one: keep the id, react to the owner's events
