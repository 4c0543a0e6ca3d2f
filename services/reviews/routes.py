"""The monolith's named routes, for the templates the service shares with it.

reviews' templates (and ``templates/base.html``) link to monolith pages by name
(``{% url 'home' %}``, ``'pro-profile'``, ``'accounts:login'``...). The service registers
each of them under the same name and namespace, on the same path, with a view that
redirects to the monolith: the links render as in the monolith, and the gateway sends
those paths to the monolith anyway (a request reaching the service is redirected there).

``monolith_routes.json`` maps ``"namespace:name"`` to the path's regular expression. It is
generated from ``eldo.urls``, and ``tests/carved`` fails when it is stale::

    DJANGO_SETTINGS_MODULE=eldo.settings python -m services.reviews.routes
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

ROUTES_FILE = Path(__file__).with_name("monolith_routes.json")
# Served by the service itself (or internal to the monolith): never redirected.
OWN_NAMESPACES = ("reviews", "reviews-api", "reviews-author", "reviews-backoffice", "admin")
OWN_NAMES = {"healthz", "readyz", "metrics", "api-schema", "api-docs", "facade-call"}


def _regex(pattern: Any) -> str:
    regex = pattern.pattern.regex.pattern
    regex = regex.removeprefix("^")
    for end in ("\\Z", "$"):
        regex = regex.removesuffix(end)
    return regex


def collect(urlconf: str = "eldo.urls") -> dict[str, str]:
    """``{"namespace:name": path regex}`` of ``urlconf``'s named routes, the first
    definition of a name winning (as ``reverse`` does), the service's own left out."""
    from django.urls import URLResolver, get_resolver

    routes: dict[str, str] = {}

    def walk(patterns: list, prefix: str, namespaces: tuple[str, ...]) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = (*namespaces, pattern.namespace) if pattern.namespace else namespaces
                walk(pattern.url_patterns, prefix + _regex(pattern), inner)
            elif pattern.name:
                if namespaces[:1] and namespaces[0] in OWN_NAMESPACES:
                    continue
                if not namespaces and pattern.name in OWN_NAMES:
                    continue
                routes.setdefault(":".join((*namespaces, pattern.name)), prefix + _regex(pattern))

    walk(get_resolver(urlconf).url_patterns, "", ())
    return dict(sorted(routes.items()))


def load(path: Path = ROUTES_FILE) -> dict[str, str]:
    return json.loads(path.read_text())


def render(routes: dict[str, str]) -> str:
    return json.dumps(routes, indent=1, ensure_ascii=False) + "\n"


def redirect_patterns(routes: dict[str, str]) -> list:
    """URL patterns registering every route under its namespaces, each redirecting to the
    same path on the monolith (nested ``include`` per namespace)."""
    from django.urls import include, re_path

    from services.reviews.views import monolith_redirect

    tree: dict[str, Any] = {}
    for qualified, regex in routes.items():
        *namespaces, name = qualified.split(":")
        node = tree
        for namespace in namespaces:
            node = node.setdefault(f":{namespace}", {})
        node[name] = regex

    def patterns(node: dict[str, Any]) -> list:
        built = []
        for key, value in node.items():
            if key.startswith(":"):
                namespace = key[1:]
                built.append(re_path("", include((patterns(value), namespace))))
            else:
                built.append(re_path(f"^{value}$", monolith_redirect, name=key))
        return built

    return patterns(tree)


if __name__ == "__main__":
    import django

    django.setup()
    ROUTES_FILE.write_text(render(collect()))
    sys.stdout.write(f"{ROUTES_FILE}: {len(load())} routes\n")
