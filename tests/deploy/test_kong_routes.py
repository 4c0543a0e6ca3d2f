"""The gateway's routing table (deploy/kong/kong.yml) against what Django serves.

Django's URLs are read from the live resolver, so these tests fail as soon as a context
adds an /api/v1/ prefix without its Kong route, or when a route is left pointing at a
prefix Django no longer serves. Kong itself cannot run here: the declarative file is
checked against a schema of the subset of Kong 3.x's DB-less format it uses (fields and
values as in Kong's own entity and plugin schemas), and Kong's route selection is
reproduced to see where each Django URL lands.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

import jsonschema
import pytest
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RegexPattern

from apps.core.middleware import RequestIdMiddleware
from tests.deploy.support import KONG_TABLE, load_yaml

API_PREFIX = "/api/v1/"
MONOLITH = "http://web:8000"
# Kong services that are not a bounded context: the pages, probes and schema, uploads.
SHARED_SERVICES = {"pages", "operations", "media"}
# Django answers these without a URL pattern (WhiteNoise middleware).
MIDDLEWARE_PREFIXES = {settings.STATIC_URL}
SAMPLE_VALUES = {
    "slug": "facades-du-midi",
    "int": "1",
    "id": "1",
    "str": "x",
    "path": "x",
    "uuid": str(uuid.UUID(int=1)),
}

_NAME = {"type": "string", "pattern": "^[a-z0-9][a-z0-9-]*$"}
_METHODS = {
    "type": "array",
    "items": {"enum": ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]},
    "minItems": 1,
    "uniqueItems": True,
}
_PLUGIN_CONFIGS = {
    # Kong 3.x kong/plugins/<name>/schema.lua, the fields this file may use.
    "correlation-id": {
        "header_name": {"type": "string"},
        "generator": {"enum": ["uuid", "uuid#counter", "tracker"]},
        "echo_downstream": {"type": "boolean"},
    },
    "rate-limiting": {
        **{
            period: {"type": "number", "exclusiveMinimum": 0}
            for period in ("second", "minute", "hour", "day", "month", "year")
        },
        "limit_by": {"enum": ["consumer", "credential", "ip", "service", "header", "path"]},
        # DB-less Kong has no `cluster` store.
        "policy": {"enum": ["local", "redis"]},
        "fault_tolerant": {"type": "boolean"},
        "hide_client_headers": {"type": "boolean"},
        "error_code": {"type": "integer"},
        "error_message": {"type": "string"},
        "redis": {"type": "object"},
    },
    "proxy-cache": {
        "strategy": {"enum": ["memory"]},
        "cache_control": {"type": "boolean"},
        "cache_ttl": {"type": "integer", "exclusiveMinimum": 0},
        "storage_ttl": {"type": "integer"},
        "request_method": {
            "type": "array",
            "items": {"enum": ["HEAD", "GET", "POST", "PATCH", "PUT"]},
        },
        "response_code": {
            "type": "array",
            "items": {"type": "integer", "minimum": 100, "maximum": 900},
            "minItems": 1,
        },
        "content_type": {"type": "array", "items": {"type": "string"}},
        "vary_headers": {"type": "array", "items": {"type": "string"}},
        "vary_query_params": {"type": "array", "items": {"type": "string"}},
        "ignore_uri_case": {"type": "boolean"},
    },
    "cors": {
        "origins": {"type": "array", "items": {"type": "string"}},
        "methods": _METHODS,
        "headers": {"type": "array", "items": {"type": "string"}},
        "exposed_headers": {"type": "array", "items": {"type": "string"}},
        "max_age": {"type": "number"},
        "credentials": {"type": "boolean"},
        "preflight_continue": {"type": "boolean"},
        "private_network": {"type": "boolean"},
    },
    "request-termination": {
        "status_code": {"type": "integer", "minimum": 100, "maximum": 599},
        "message": {"type": "string"},
        "body": {"type": "string"},
        "content_type": {"type": "string"},
    },
    "request-size-limiting": {
        "allowed_payload_size": {"type": "integer", "minimum": 1},
        "size_unit": {"enum": ["megabytes", "kilobytes", "bytes"]},
        "require_content_length": {"type": "boolean"},
    },
}
KONG_SCHEMA = {
    "type": "object",
    "required": ["_format_version", "services", "routes", "plugins"],
    "additionalProperties": False,
    "properties": {
        "_format_version": {"const": "3.0"},
        "_transform": {"type": "boolean"},
        "services": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["name", "url"],
                "additionalProperties": False,
                "properties": {
                    "name": _NAME,
                    "url": {"type": "string", "pattern": r"^https?://[a-z0-9.-]+(:\d+)?(/.*)?$"},
                    "connect_timeout": {"type": "integer"},
                    "read_timeout": {"type": "integer"},
                    "write_timeout": {"type": "integer"},
                    "retries": {"type": "integer"},
                    "tags": {"type": "array", "items": {"type": "string"}},
                },
            },
        },
        "routes": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["name", "paths"],
                "additionalProperties": False,
                "properties": {
                    "name": _NAME,
                    "service": _NAME,
                    "paths": {
                        "type": "array",
                        "minItems": 1,
                        "items": {"type": "string", "pattern": "^(/|~/)"},
                    },
                    "methods": _METHODS,
                    "strip_path": {"type": "boolean"},
                    "preserve_host": {"type": "boolean"},
                    "regex_priority": {"type": "integer"},
                    "protocols": {"type": "array", "items": {"enum": ["http", "https"]}},
                    "tags": {"type": "array", "items": {"type": "string"}},
                },
            },
        },
        "plugins": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["name"],
                "additionalProperties": False,
                "properties": {
                    "name": {"enum": sorted(_PLUGIN_CONFIGS)},
                    "route": _NAME,
                    "service": _NAME,
                    "config": {"type": "object"},
                    "enabled": {"type": "boolean"},
                    "tags": {"type": "array", "items": {"type": "string"}},
                },
                "not": {"required": ["route", "service"]},
                "allOf": [
                    {
                        "if": {"properties": {"name": {"const": name}}},
                        "then": {
                            "properties": {
                                "config": {
                                    "type": "object",
                                    "additionalProperties": False,
                                    "properties": fields,
                                }
                            }
                        },
                    }
                    for name, fields in _PLUGIN_CONFIGS.items()
                ],
            },
        },
    },
}


# --- Django's side ----------------------------------------------------------------------


@dataclass(frozen=True)
class DjangoUrl:
    pattern: str  # the full route, without the leading slash: "api/v1/pros/<slug:slug>/"
    sample: str  # a path it serves: "/api/v1/pros/facades-du-midi/"
    module: str  # where its view lives
    view: object

    @property
    def context(self) -> str | None:
        """The bounded context whose view serves it: apps.<context>...."""
        parts = self.module.split(".")
        return parts[1] if parts[0] == "apps" and len(parts) > 1 else None


def _sample(pattern: str, *, regex: bool = True) -> str:
    pattern = pattern.replace("^", "").replace("$", "")
    pattern = re.sub(
        r"<(?:(\w+):)?\w+>", lambda m: SAMPLE_VALUES.get(m.group(1) or "str", "x"), pattern
    )
    if not regex:  # path(): a dot is a dot (/.well-known/jwks.json)
        return "/" + pattern
    return "/" + re.split(r"[(\[\\.*+?]", pattern)[0]


def _walk(patterns, prefix: str = ""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            view = getattr(entry.callback, "view_class", None) or getattr(
                entry.callback, "cls", None
            )
            module = (view or entry.callback).__module__
            pattern = prefix + str(entry.pattern)
            regex = bool(prefix) or isinstance(entry.pattern, RegexPattern)
            yield DjangoUrl(pattern, _sample(pattern, regex=regex), module, view)


@pytest.fixture(scope="module")
def django_urls() -> list[DjangoUrl]:
    return list(_walk(get_resolver().url_patterns))


@pytest.fixture(scope="module")
def api_urls(django_urls) -> list[DjangoUrl]:
    return [url for url in django_urls if url.sample.startswith(API_PREFIX)]


def _api_prefix(path: str) -> str:
    """/api/v1/pros/x/badge/ -> pros/"""
    return path[len(API_PREFIX) :].split("/", 1)[0] + "/"


def _anonymous_may_post(url: DjangoUrl) -> bool:
    """Whether DRF lets an anonymous client POST to this URL (a public write)."""
    view_class = url.view
    if view_class is None or not hasattr(view_class, "post"):
        return False
    from rest_framework.request import Request

    view = view_class()
    http_request = RequestFactory().post(url.sample)
    http_request.user = AnonymousUser()
    request = Request(http_request)
    request.user = AnonymousUser()
    view.request, view.args, view.kwargs, view.format_kwarg = request, (), {}, None
    return all(permission.has_permission(request, view) for permission in view.get_permissions())


# --- Kong's side ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def table() -> dict:
    return load_yaml(KONG_TABLE)


def _services(table) -> dict[str, dict]:
    return {service["name"]: service for service in table["services"]}


def _plugins_of(table, *, route: dict) -> list[dict]:
    """The plugins that run on a route: its own, its service's, the global ones."""
    return [
        plugin
        for plugin in table["plugins"]
        if plugin.get("route") == route["name"]
        or (plugin.get("service") and plugin.get("service") == route.get("service"))
        or not (plugin.get("route") or plugin.get("service"))
    ]


def kong_route(table, method: str, path: str) -> dict | None:
    """The route Kong's router picks: a route matching more attributes (methods) first,
    then regex paths (by regex_priority) before prefix paths, then the longest prefix."""
    candidates = []
    for route in table["routes"]:
        if route.get("methods") and method not in route["methods"]:
            continue
        for route_path in route["paths"]:
            if route_path.startswith("~"):
                if re.match(route_path[1:], path):
                    candidates.append(
                        ((bool(route.get("methods")), 1, route.get("regex_priority", 0), 0), route)
                    )
            elif path.startswith(route_path):
                candidates.append(((bool(route.get("methods")), 0, 0, len(route_path)), route))
    return max(candidates, key=lambda candidate: candidate[0])[1] if candidates else None


def _monolith_routes(table) -> list[dict]:
    services = _services(table)
    return [
        route
        for route in table["routes"]
        if route.get("service") and services[route["service"]]["url"] == MONOLITH
    ]


def _kong_api_prefixes(table) -> dict[str, set[str]]:
    """API prefix -> the Kong services routing it, from the monolith's routes."""
    prefixes: dict[str, set[str]] = {}
    for route in _monolith_routes(table):
        for path in route["paths"]:
            plain = path.lstrip("~")
            if plain.startswith(API_PREFIX) and len(plain) > len(API_PREFIX):
                prefixes.setdefault(_api_prefix(plain), set()).add(route["service"])
    return prefixes


# --- The file itself --------------------------------------------------------------------


def test_kong_yml_is_a_valid_declarative_config(table):
    jsonschema.validate(table, KONG_SCHEMA)


def test_names_are_unique_and_references_resolve(table):
    services = [service["name"] for service in table["services"]]
    routes = [route["name"] for route in table["routes"]]
    assert len(services) == len(set(services))
    assert len(routes) == len(set(routes))
    for route in table["routes"]:
        assert route.get("service") in {*services, None}, route
    for plugin in table["plugins"]:
        assert plugin.get("route") in {*routes, None}, plugin
        assert plugin.get("service") in {*services, None}, plugin


def test_one_service_per_bounded_context(table):
    contexts = {app.split(".")[1] for app in settings.INSTALLED_APPS if app.startswith("apps.")} - {
        "core"
    }
    names = set(_services(table))

    assert contexts <= names, f"contexts without a Kong service: {sorted(contexts - names)}"
    assert names - contexts == SHARED_SERVICES


def test_every_context_points_at_the_monolith_today(table):
    for name, service in _services(table).items():
        if name != "media":
            assert service["url"] == MONOLITH, name


def test_routes_to_the_monolith_keep_path_and_host(table):
    for route in _monolith_routes(table):
        # Django needs the full path, and the public Host that it checks against
        # ALLOWED_HOSTS and uses in absolute URLs.
        assert route.get("strip_path") is False, route["name"]
        assert route.get("preserve_host") is True, route["name"]


# --- Consistency with Django ------------------------------------------------------------


def test_every_django_api_prefix_has_a_kong_route(table, api_urls):
    served = {_api_prefix(url.sample) for url in api_urls}
    routed = set(_kong_api_prefixes(table))

    missing = sorted(served - routed)

    assert served, "Django serves nothing under /api/v1/: the resolver walk is broken"
    assert not missing, (
        f"Django serves /api/v1/{missing} but deploy/kong/kong.yml has no route for it: add "
        "one line per prefix under its context (see the comment at the top of kong.yml)"
    )


def test_every_kong_api_route_reaches_a_django_prefix(table, api_urls):
    served = {_api_prefix(url.sample) for url in api_urls}
    routed = set(_kong_api_prefixes(table))

    stale = sorted(routed - served)

    assert not stale, f"kong.yml routes /api/v1/{stale}, which Django does not serve"


def test_api_prefixes_are_routed_to_the_context_that_serves_them(table, api_urls):
    contexts_by_prefix: dict[str, set[str]] = {}
    for url in api_urls:
        contexts_by_prefix.setdefault(_api_prefix(url.sample), set()).add(url.context)

    for prefix, services in _kong_api_prefixes(table).items():
        assert services <= contexts_by_prefix.get(prefix, set()), (
            f"/api/v1/{prefix} goes to Kong service {sorted(services)}, but its views belong "
            f"to {sorted(contexts_by_prefix.get(prefix, set()))}"
        )


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_every_django_url_is_proxied_to_the_monolith(table, django_urls, method):
    services = _services(table)
    for url in django_urls:
        if url.sample.startswith(("/metrics", "/readyz", "/internal/", settings.MEDIA_URL)):
            continue
        route = kong_route(table, method, url.sample)
        assert route and route.get("service"), f"{method} {url.sample}: no route proxies it"
        assert services[route["service"]]["url"] == MONOLITH, (method, url.sample, route)
        if url.sample.startswith(API_PREFIX):
            assert route["service"] == url.context, (
                f"{method} {url.sample} is served by {url.context} but Kong sends it to "
                f"{route['service']} (route {route['name']}): give it a route on the "
                f"{url.context} service, a regex one if it sits under another's prefix"
            )


def test_every_monolith_route_reaches_something_django_serves(table, django_urls):
    samples = [url.sample for url in django_urls]
    for route in _monolith_routes(table):
        for path in route["paths"]:
            if path.startswith("~"):
                regex = re.compile(path[1:])
                assert any(regex.match(sample) for sample in samples), (route["name"], path)
            else:
                assert path in MIDDLEWARE_PREFIXES or any(
                    sample.startswith(path) for sample in samples
                ), f"route {route['name']} ({path}) reaches no Django URL"


def test_static_files_are_routed_to_the_monolith(table):
    route = kong_route(table, "GET", settings.STATIC_URL + "css/eldo.css")
    assert route["service"] == "pages"


@pytest.mark.parametrize(
    "path",
    [
        "/metrics",
        "/readyz",
        "/api/v1/no-such-context/",
        "/api/v1/",
        "/internal/facades/directory/pro_profile",
    ],
)
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_what_is_not_public_is_answered_by_kong_itself(table, path, method):
    route = kong_route(table, method, path)

    assert route is not None and "service" not in route, (path, route)
    (termination,) = [
        p for p in _plugins_of(table, route=route) if p["name"] == "request-termination"
    ]
    assert termination["config"]["status_code"] == 404


def test_uploads_go_to_the_media_server_not_to_django(table):
    route = kong_route(table, "GET", settings.MEDIA_URL + "pros/photo.jpg")

    assert route["service"] == "media"
    assert _services(table)["media"]["url"] != MONOLITH


# --- Plugins ----------------------------------------------------------------------------


def _request_id_answered(sent: str) -> str:
    middleware = RequestIdMiddleware(lambda request: HttpResponse())
    request = RequestFactory().get("/healthz", HTTP_X_REQUEST_ID=sent)
    return middleware(request)[RequestIdMiddleware.header]


def test_correlation_id_is_the_request_id_django_accepts(table):
    (plugin,) = [p for p in table["plugins"] if p["name"] == "correlation-id"]
    config = plugin["config"]

    assert not (plugin.get("route") or plugin.get("service")), "correlation-id must be global"
    assert config["header_name"] == RequestIdMiddleware.header
    assert config["echo_downstream"] is True
    # Kong's `uuid` generator makes ids Django keeps; `uuid#counter` appends "#<n>", which
    # Django would replace with its own, breaking the trail between Kong's and Django's logs.
    assert config["generator"] == "uuid"
    kong_id = str(uuid.uuid4())
    assert _request_id_answered(kong_id) == kong_id
    assert _request_id_answered(f"{kong_id}#1") != f"{kong_id}#1"


def test_public_post_endpoints_are_rate_limited(table, api_urls):
    public_posts = [url for url in api_urls if _anonymous_may_post(url)]
    assert public_posts, "no anonymous POST found: auth/token/ at least is one"

    for url in public_posts:
        route = kong_route(table, "POST", url.sample)
        limits = [p for p in _plugins_of(table, route=route) if p["name"] == "rate-limiting"]
        assert limits, f"POST {url.sample} is public but route {route['name']} has no rate limit"
        assert route.get("methods") == ["POST"], "the limit must not apply to reads"
        (config,) = [limit["config"] for limit in limits]
        assert config["limit_by"] == "ip"
        assert config["policy"] == "local", "DB-less Kong counts locally (Helm values: redis)"


def test_rate_limits_apply_to_post_routes_only(table):
    routes = {route["name"]: route for route in table["routes"]}
    for plugin in table["plugins"]:
        if plugin["name"] == "rate-limiting":
            assert routes[plugin["route"]].get("methods") == ["POST"], plugin


def test_the_cache_stores_only_what_django_marks_public(table):
    caches = [p for p in table["plugins"] if p["name"] == "proxy-cache"]
    assert caches
    for plugin in caches:
        config = plugin["config"]
        # cache_control: Kong stores a response only with `Cache-Control: public, max-age`,
        # and never serves or stores one for a request that carries Authorization.
        assert config["cache_control"] is True, plugin
        assert set(config["request_method"]) <= {"GET", "HEAD"}
        assert config["response_code"] == [200]
        assert "Cookie" in config["vary_headers"], "a session's response is its own"


def _badge_urls(api_urls) -> list[DjangoUrl]:
    return [url for url in api_urls if url.pattern.rstrip("/").endswith("/badge")]


def test_the_badge_is_cached_and_open_to_every_origin(table, api_urls):
    badges = _badge_urls(api_urls)
    if not badges:
        pytest.skip("Django serves no badge URL yet")
    for url in badges:
        route = kong_route(table, "GET", url.sample)
        plugins = {p["name"]: p for p in _plugins_of(table, route=route)}
        assert "proxy-cache" in plugins, route["name"]
        cors = plugins["cors"]["config"]
        assert cors["origins"] == ["*"]
        assert cors["credentials"] is False
        assert {"GET", "OPTIONS"} <= set(cors["methods"])
        # The preflight reaches the same route, so Kong's cors plugin answers it.
        assert kong_route(table, "OPTIONS", url.sample) is route


def test_cors_is_only_on_the_badge(table, api_urls):
    badge_routes = {kong_route(table, "GET", url.sample)["name"] for url in _badge_urls(api_urls)}
    for plugin in table["plugins"]:
        if plugin["name"] == "cors":
            assert plugin.get("route") in badge_routes, plugin


def test_kong_checks_no_credentials(table):
    """Authentication, JWT audience and roles stay in Django: no auth plugin at the gateway."""
    names = {plugin["name"] for plugin in table["plugins"]}
    assert not names & {"jwt", "key-auth", "basic-auth", "oauth2", "acl", "openid-connect"}


@pytest.mark.parametrize("path", ["/connexion/", "/admin/login/", "/mot-de-passe-oublie/"])
def test_sign_in_forms_are_rate_limited_by_kong(table, path):
    route = kong_route(table, "POST", path)
    limits = [p for p in _plugins_of(table, route=route) if p["name"] == "rate-limiting"]
    assert limits, f"POST {path} reaches {route['name']}, which has no rate limit"
    assert route["service"] == "pages"
    assert kong_route(table, "GET", path)["name"] != route["name"], "reads are not limited"


def test_request_bodies_are_limited_by_kong_and_nginx(table):
    """Kong refuses a body above Django's largest limit (multipart, 12 MB) before it reaches
    the pod, chunked or not; nginx refuses it earlier still (compose sets the directive)."""
    from pathlib import Path

    import yaml

    limits = [p for p in table["plugins"] if p["name"] == "request-size-limiting"]
    (limit,) = [p for p in limits if not {"route", "service"} & set(p)]  # global: every route
    assert limit["config"]["size_unit"] == "megabytes"
    assert limit["config"]["allowed_payload_size"] * 1024 * 1024 == (
        settings.REQUEST_MAX_MULTIPART_BYTES
    )
    # Narrower where nothing takes a file: Django's JSON and form limit, exactly.
    scoped = [p for p in limits if p is not limit]
    assert scoped
    for plugin in [limit, *scoped]:
        assert plugin["config"]["require_content_length"] is False
        assert plugin["config"]["size_unit"] == "megabytes"
    for plugin in scoped:
        assert plugin["config"]["allowed_payload_size"] * 1024 * 1024 == (
            settings.REQUEST_MAX_BODY_BYTES
        )
        if plugin.get("service"):
            code = "".join(
                path.read_text()
                for path in (Path(settings.BASE_DIR) / "apps" / plugin["service"]).rglob("*.py")
                if "tests" not in path.parts and "migrations" not in path.parts
            )
            assert not re.search(r"FileField|ImageField|MultiPartParser", code), plugin
        else:
            route = next(r for r in table["routes"] if r["name"] == plugin["route"])
            assert route.get("methods") == ["POST"] and "proof" not in route["name"], route
    compose = yaml.safe_load((Path(settings.BASE_DIR) / "deploy/compose.yaml").read_text())
    kong_env = compose["services"]["kong"]["environment"]
    assert kong_env["KONG_NGINX_HTTP_CLIENT_MAX_BODY_SIZE"] == "12m"


def test_the_token_keys_are_routed_to_accounts_and_cached(table, django_urls):
    """/.well-known/jwks.json (not under /api/v1/): the accounts service, which issues the
    tokens, answers it; Kong caches it as long as Django allows (public, max-age)."""
    assert any(url.sample == "/.well-known/jwks.json" for url in django_urls)
    for method in ("GET", "HEAD", "POST"):
        route = kong_route(table, method, "/.well-known/jwks.json")
        assert route["service"] == "accounts", (method, route)

    route = kong_route(table, "GET", "/.well-known/jwks.json")
    (cache,) = [p for p in _plugins_of(table, route=route) if p["name"] == "proxy-cache"]
    assert cache["config"]["cache_ttl"] <= 300
    assert cache["config"]["cache_control"] is True


# Contexts whose pages have routes of their own (to follow the context when it runs as its
# own service); every other page goes to `pages`.
PAGE_CONTEXTS = {"reviews"}


def test_the_pages_of_a_carvable_context_go_to_its_service(table, django_urls):
    """Its pages follow the context to its own service; no other context's page goes there."""
    for url in django_urls:
        if url.sample.startswith(API_PREFIX):
            continue
        for method in ("GET", "POST"):
            service = kong_route(table, method, url.sample).get("service")
            if url.context in PAGE_CONTEXTS:
                assert service == url.context, f"{method} {url.sample}"
            else:
                assert service not in PAGE_CONTEXTS, f"{method} {url.sample}"


def test_no_route_proxies_the_internal_facades(table, django_urls):
    """The facades over HTTP (apps.core.remote_facades) answer the services inside the
    cluster only: whatever the method, every Django URL under /internal/ ends on a route
    without a service (Kong answers 404 itself)."""
    internal = [url.sample for url in django_urls if url.sample.startswith("/internal/")]
    assert internal, "the facades' URL is gone: update this test"
    for sample in internal:
        for method in ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"):
            route = kong_route(table, method, sample)
            assert route is not None and "service" not in route, (method, sample, route)
