"""Helpers for the deployment tests: the production environment, Dockerfile and .dockerignore,
the documented variables, YAML files, the Helm chart and the published JSON schemas.

The container image cannot be built here (no Docker engine), so the tests read its recipe
and run its exact commands against the project's virtualenv instead. No cluster either: the
chart is rendered by Helm's own engine (helm-python-sdk) and checked against the Kubernetes
schemas (kubernetes-validate); compose and the workflows against the schemas that
check-jsonschema ships. All of it works offline.
"""

from __future__ import annotations

import copy
import functools
import json
import os
import re
import secrets
import shlex
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
DEPLOY_DOCS = REPO_ROOT / "docs" / "deploy.md"
KONG_TABLE = REPO_ROOT / "deploy" / "kong" / "kong.yml"
COMPOSE_FILE = REPO_ROOT / "deploy" / "compose.yaml"
CHART_DIR = REPO_ROOT / "deploy" / "helm" / "eldo"
WORKFLOWS_DIR = REPO_ROOT / ".github" / "workflows"
# The virtualenv's bin directory (not resolved: a venv's python is a symlink to the base
# interpreter), so that gunicorn, celery and python on PATH are the project's.
VENV_BIN = Path(sys.executable).parent

# Only these survive from the caller's environment: a CI job's DATABASE_URL, REDIS_URL or
# DJANGO_* must not change what production mode means in these tests.
_INHERITED = ("HOME", "LANG", "LC_ALL", "TMPDIR", "SYSTEMROOT")


def production_env(tmp_path: Path, **overrides: str | None) -> dict[str, str]:
    """The environment of a production container, writing only under ``tmp_path``.

    An override of None removes the variable.
    """
    var_dir = tmp_path / "var"
    static_root = tmp_path / "staticfiles"
    static_root.mkdir(parents=True, exist_ok=True)
    env = {name: os.environ[name] for name in _INHERITED if name in os.environ}
    env.update(
        PATH=os.pathsep.join([str(VENV_BIN), os.environ.get("PATH", os.defpath)]),
        PYTHONDONTWRITEBYTECODE="1",
        PYTHONUNBUFFERED="1",
        DJANGO_SETTINGS_MODULE="eldo.settings",
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=random_secret_key(),
        JWT_PRIVATE_KEYS=jwt_private_keys(),
        DJANGO_ALLOWED_HOSTS="eldo.example",
        ELDO_VAR_DIR=str(var_dir),
        STATIC_ROOT=str(static_root),
        MEDIA_ROOT=str(tmp_path / "media"),
    )
    for name, value in overrides.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


@functools.cache
def jwt_private_keys(kid: str = "deploy-test") -> str:
    """A JWT_PRIVATE_KEYS value with one fresh EC P-256 key (one per test session)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    pem = (
        ec.generate_private_key(ec.SECP256R1())
        .private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        .decode()
    )
    return json.dumps({kid: pem})


def random_secret_key(length: int = 64) -> str:
    return secrets.token_urlsafe(length)[:length]


def run(args: list[str], *, env: dict[str, str], cwd: Path = REPO_ROOT, timeout: float = 60):
    return subprocess.run(
        args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )


def json_lines(text: str) -> list[dict]:
    """The lines of ``text`` that are JSON objects (banners and tracebacks are skipped)."""
    records = []
    for line in text.splitlines():
        line = line.strip()
        if not line.startswith("{"):
            continue
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if isinstance(record, dict):
            records.append(record)
    return records


# --- Dockerfile -------------------------------------------------------------------------


@dataclass(frozen=True)
class Instruction:
    keyword: str  # upper case: FROM, RUN, COPY...
    value: str  # the arguments, continuation lines joined

    @property
    def exec_form(self) -> list[str] | None:
        """The JSON array of RUN/CMD/ENTRYPOINT/HEALTHCHECK CMD, None for the shell form."""
        text = self.value
        if self.keyword == "HEALTHCHECK":
            text = re.sub(r"^(--\S+\s+)*CMD\s+", "", text)
        if not text.startswith("["):
            return None
        return json.loads(text)

    def flags(self) -> dict[str, str]:
        """The leading ``--name=value`` options (COPY --from=..., HEALTHCHECK --interval=...)."""
        return dict(re.findall(r"--([\w-]+)=(\S+)", self.value.split(" CMD ")[0]))

    def arguments(self) -> list[str]:
        """The shell-split arguments after the leading ``--`` options."""
        return [word for word in shlex.split(self.value) if not word.startswith("--")]


@dataclass
class Stage:
    image: str  # with ARG defaults substituted
    name: str | None
    instructions: list[Instruction] = field(default_factory=list)

    def all(self, keyword: str) -> list[Instruction]:
        return [i for i in self.instructions if i.keyword == keyword]

    def env(self) -> dict[str, str]:
        values: dict[str, str] = {}
        for instruction in self.all("ENV"):
            values.update(parse_key_values(instruction.value))
        return values


def parse_key_values(text: str) -> dict[str, str]:
    """``ENV A=1 B="two words"`` (or the legacy ``ENV A 1``) as a dict."""
    words = shlex.split(text)
    if words and "=" not in words[0]:
        return {words[0]: " ".join(words[1:])}
    return dict(word.split("=", 1) for word in words)


def logical_lines(text: str) -> list[str]:
    """Instructions with their backslash continuations joined and comment lines dropped."""
    lines: list[str] = []
    current = ""
    for raw in text.splitlines():
        stripped = raw.strip()
        if stripped.startswith("#") or (not stripped and not current):
            continue
        if stripped.endswith("\\"):
            current += stripped[:-1].strip() + " "
            continue
        current += stripped
        if current.strip():
            lines.append(current.strip())
        current = ""
    if current.strip():
        lines.append(current.strip())
    return lines


def parse_dockerfile(path: Path) -> tuple[dict[str, str], list[Stage]]:
    """Global ARG defaults and the build stages of a Dockerfile."""
    global_args: dict[str, str] = {}
    stages: list[Stage] = []
    for line in logical_lines(path.read_text()):
        keyword, _, value = line.partition(" ")
        instruction = Instruction(keyword.upper(), value.strip())
        if instruction.keyword == "FROM":
            words = instruction.arguments()
            image = re.sub(
                r"\$\{?(\w+)\}?", lambda m: global_args.get(m.group(1), m.group(0)), words[0]
            )
            name = words[2] if len(words) > 2 and words[1].upper() == "AS" else None
            stages.append(Stage(image=image, name=name))
        elif not stages:
            if instruction.keyword == "ARG":
                name, _, default = instruction.value.partition("=")
                global_args[name.strip()] = default.strip().strip('"')
        else:
            stages[-1].instructions.append(instruction)
    return global_args, stages


# --- .dockerignore ----------------------------------------------------------------------


def _pattern_regex(pattern: str) -> re.Pattern[str]:
    """A .dockerignore pattern (Go filepath.Match plus ``**``) as a regular expression."""
    out = ""
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if pattern.startswith("**/", i):
            out += "(?:.*/)?"
            i += 3
            continue
        if pattern.startswith("**", i):
            out += ".*"
            i += 2
            continue
        if char == "*":
            out += "[^/]*"
        elif char == "?":
            out += "[^/]"
        elif char == "[":
            end = pattern.index("]", i)
            out += pattern[i : end + 1].replace("[!", "[^")
            i = end
        else:
            out += re.escape(char)
        i += 1
    return re.compile(out)


def dockerignore_rules(path: Path) -> list[tuple[bool, re.Pattern[str]]]:
    rules = []
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        negated = line.startswith("!")
        pattern = line.lstrip("!").strip().strip("/")
        rules.append((negated, _pattern_regex(os.path.normpath(pattern))))
    return rules


def is_excluded(relative_path: str, rules: list[tuple[bool, re.Pattern[str]]]) -> bool:
    """Whether the build context leaves out ``relative_path`` (the last matching rule wins;
    a rule matching a directory covers everything under it)."""
    parts = Path(relative_path).parts
    candidates = ["/".join(parts[: n + 1]) for n in range(len(parts))]
    excluded = False
    for negated, regex in rules:
        if any(regex.fullmatch(candidate) for candidate in candidates):
            excluded = not negated
    return excluded


# --- Documentation ----------------------------------------------------------------------


def documented_variables() -> set[str]:
    """Names in the first column of the tables of docs/deploy.md."""
    text = DEPLOY_DOCS.read_text()
    return set(re.findall(r"^\|\s*`([A-Z][A-Z0-9_]+)`\s*\|", text, re.MULTILINE))


# --- YAML, schemas ----------------------------------------------------------------------


def load_yaml(path: Path):
    return yaml.safe_load(path.read_text())


def check_jsonschema(builtin_schema: str, *paths: Path) -> subprocess.CompletedProcess:
    """check-jsonschema against one of the schemas it ships (no download)."""
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "check_jsonschema",
            "--builtin-schema",
            builtin_schema,
            *map(str, paths),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


# --- Helm -------------------------------------------------------------------------------


def deep_merge(base: dict, override: dict) -> dict:
    """Helm's coalescing of values files: maps merge, anything else is replaced."""
    merged = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


@functools.cache
def _chart(chart_dir: Path = CHART_DIR):
    import helm_python

    helm_python.disable_logging()
    return helm_python.Chart.load(chart_dir)


def render(
    chart_dir: Path, values: dict | None = None, *, name: str, namespace: str = "eldo"
) -> list[dict]:
    """`helm template <name> <chart_dir>` with ``values`` over the chart's defaults."""
    rendered = _chart(chart_dir).render(
        values or {}, name=name, namespace=namespace, is_install=True
    )
    return [
        document
        for template, text in sorted(rendered.items())
        if template.endswith((".yaml", ".yml"))
        for document in yaml.safe_load_all(text)
        if document
    ]


def render_chart(
    values_file: str | None = None, overrides: dict | None = None, *, namespace: str = "eldo"
) -> list[dict]:
    """The manifests of `helm template eldo deploy/helm/eldo -f <values_file>`, as dicts,
    rendered by Helm's own template engine (helm-python-sdk, no binary)."""
    return json.loads(_render_json(values_file, json.dumps(overrides or {}), namespace))


@functools.cache
def _render_json(values_file: str | None, overrides_json: str, namespace: str) -> str:
    values = load_yaml(CHART_DIR / values_file) if values_file else {}
    values = deep_merge(values or {}, json.loads(overrides_json))
    rendered = _chart().render(values, name="eldo", namespace=namespace, is_install=True)
    manifests = [
        document
        for template, text in sorted(rendered.items())
        if template.endswith((".yaml", ".yml"))
        for document in yaml.safe_load_all(text)
        if document
    ]
    return json.dumps(manifests)


# --- Terraform and Vault (HCL) -------------------------------------------------------------


def _plain_hcl(node):
    """python-hcl2's tree with the quotes of keys and literal strings removed and its own
    markers (__is_block__, __comments__) dropped; interpolations stay ``${...}``."""
    if isinstance(node, dict):
        return {
            key.strip('"'): _plain_hcl(value)
            for key, value in node.items()
            if key not in {"__is_block__", "__comments__", "__inline_comments__"}
        }
    if isinstance(node, list):
        return [_plain_hcl(item) for item in node]
    if isinstance(node, str) and len(node) >= 2 and node[0] == node[-1] == '"':
        return node[1:-1]
    return node


def load_hcl(path: Path) -> dict:
    import hcl2

    with path.open() as handle:
        return _plain_hcl(hcl2.load(handle))


def hcl_blocks(tree: dict, kind: str) -> dict[str, dict]:
    """``resource``/``module``/``variable``/``output`` blocks by name (resources by
    ``type.name``)."""
    found: dict[str, dict] = {}
    for block in tree.get(kind, []):
        for name, body in block.items():
            if kind in {"resource", "data"}:
                for inner, inner_body in body.items():
                    found[f"{name}.{inner}"] = inner_body
            else:
                found[name] = body
    return found
