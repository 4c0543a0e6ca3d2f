import functools
import http
import re
import uuid
from timeit import default_timer

from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.middleware import CheckableLazyObject
from csp.middleware import CSPMiddleware as _CSPMiddleware
from csp.utils import build_policy
from django.conf import settings
from django.core.exceptions import MiddlewareNotUsed
from django.core.handlers.exception import convert_exception_to_response
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.urls import resolve
from django.utils.module_loading import import_string
from django_prometheus.middleware import Metrics as PrometheusMetrics

from apps.core.request_context import request_id_var

# Accept the gateway's correlation id when it looks like one; never echo arbitrary input.
_VALID_ID = re.compile(r"^[A-Za-z0-9._:-]{8,128}$")


class RequestIdMiddleware:
    header = "X-Request-ID"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # META rather than request.headers: building that mapping of every header costs
        # more than the rest of this middleware, and a probe never needs it.
        meta = request.META
        incoming = meta.get("HTTP_X_REQUEST_ID") or meta.get("HTTP_X_CORRELATION_ID", "")
        request_id = incoming if _VALID_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        token = request_id_var.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            request_id_var.reset(token)
        response[self.header] = request_id
        return response


class ProbeMiddleware:
    """The operations probes (``settings.PROBE_PATHS``: /healthz, /readyz, /metrics) skip the
    middleware that serve people (``settings.PROBE_SKIPPED_MIDDLEWARE``: session, language,
    CSRF, user, second factor, messages, static files, domain errors).

    A probe reads none of that, and the kubelet, the gateway and Prometheus call them every
    few seconds on every pod: through the whole stack, /healthz cost seven to eight times
    what Django alone needs to answer a JSON view (bench/results/2026-12-04-baseline.md).
    A GET of a probe path goes through the middleware listed after this one that are not
    skipped (Host and security headers, CSP, Permissions-Policy, X-Frame-Options,
    Content-Length), in their order, then to the view its URL resolves to. Any other
    request, or a probe path asked with another method, takes the whole stack: the answers
    to those are unchanged.

    django-prometheus' inner middleware is skipped too (ten samples per request, each a
    write to a shared file in multiprocess mode): a probe records the two HTTP metrics
    that docs/deploy.md documents and the alerts read, its answer by status, route and
    method, and its latency by route and method, under its route name as before.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.paths = frozenset(settings.PROBE_PATHS)
        self.view_hooks: list = []  # set by _probe_stack
        self.matches: dict = {}  # (URLconf, path) -> ResolverMatch: three paths, read-only
        self.answer_probe = self._probe_stack()

    def __call__(self, request):
        if request.method == "GET" and request.path_info in self.paths:
            return self.answer_probe(request)
        return self.get_response(request)

    def _probe_stack(self):
        handler, self.view_hooks = slim_stack(
            self,
            settings.PROBE_SKIPPED_MIDDLEWARE,
            _measured(convert_exception_to_response(self._view)),
        )
        return handler

    def _view(self, request):
        urlconf = getattr(request, "urlconf", None) or settings.ROOT_URLCONF
        key = (urlconf, request.path_info)
        match = self.matches.get(key)
        if match is None:
            match = self.matches[key] = resolve(request.path_info, urlconf)
        request.resolver_match = match
        for hook in self.view_hooks:
            response = hook(request, match.func, match.args, match.kwargs)
            if response is not None:
                return response
        return match.func(request, *match.args, **match.kwargs)


def slim_stack(middleware, skipped, handler):
    """The middleware listed after ``middleware`` in ``settings.MIDDLEWARE``, less the
    ``skipped`` ones, chained as Django chains them (each one's exceptions turned into the
    error response) around ``handler`` (which must answer its own exceptions). Returns the
    chain and the ``process_view`` hooks of its members, in order (Django calls them before
    the view: the caller must too)."""
    own = f"{type(middleware).__module__}.{type(middleware).__qualname__}"
    after = settings.MIDDLEWARE[list(settings.MIDDLEWARE).index(own) + 1 :]
    skip = set(skipped)
    hooks: list = []
    for path in reversed([path for path in after if path not in skip]):
        try:
            instance = import_string(path)(handler)
        except MiddlewareNotUsed:
            continue
        if hasattr(instance, "process_view"):
            hooks.insert(0, instance.process_view)
        handler = convert_exception_to_response(instance)
    return handler, hooks


def _measured(handler):
    """``handler`` counted in the two documented HTTP metrics, as django-prometheus' inner
    middleware counts it: by status, route name and method, and its latency."""

    def measured(request):
        started = default_timer()
        response = handler(request)
        measure(request, response, started)
        return response

    return measured


@functools.lru_cache(maxsize=1024)
def _series(metrics, status: int, view: str, method: str) -> tuple:
    """The two metrics' series for these labels (prometheus_client's ``labels()`` checks
    and locks on every call: a twentieth of a cached page's CPU). Bounded: the views are
    the URL names, the statuses and methods a handful."""
    return (
        metrics.responses_by_status_view_method.labels(
            status=str(status), view=view, method=method
        ),
        metrics.requests_latency_by_view_method.labels(view=view, method=method),
    )


def measure(request, response, started: float) -> None:
    """Count an answer given without django-prometheus' inner middleware in the two
    documented HTTP metrics (``started``: ``timeit.default_timer()`` before the view)."""
    match = getattr(request, "resolver_match", None)
    view = (match.view_name if match else None) or "<unnamed view>"
    responses, latency = _series(
        PrometheusMetrics.get_instance(), response.status_code, view, request.method
    )
    responses.inc()
    latency.observe(default_timer() - started)


class PermissionsPolicyMiddleware:
    """Sends ``settings.PERMISSIONS_POLICY`` (Django has no setting for this header)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        policy = getattr(settings, "PERMISSIONS_POLICY", "")
        if policy:
            response.headers.setdefault("Permissions-Policy", policy)
        return response


@functools.cache
def _settings_policy(report_only: bool) -> str:
    return build_policy(report_only=report_only)


@receiver(setting_changed)
def _forget_settings_policy(*, setting, **kwargs):
    if setting.startswith("CONTENT_SECURITY_POLICY"):
        _settings_policy.cache_clear()


class CSPMiddleware(_CSPMiddleware):
    """django-csp's middleware, the policy of the settings built once per process.

    django-csp rebuilds the header from the settings on every response (a copy of every
    directive list, then the string): about a fifth of /healthz's time. A response that
    carries no policy of its own (``@csp_update``, ``@csp_replace``, ``_csp_update``...) and
    whose request used no nonce gets the same string every time, so it is built once;
    any other response goes through django-csp unchanged.
    """

    _own_policy = (
        "_csp_config",
        "_csp_update",
        "_csp_replace",
        "_csp_config_ro",
        "_csp_update_ro",
        "_csp_replace_ro",
    )
    _debug_exempt = (http.HTTPStatus.INTERNAL_SERVER_ERROR, http.HTTPStatus.NOT_FOUND)

    def process_response(self, request, response):
        if getattr(request, "_csp_nonce", None) is not None or any(
            hasattr(response, name) for name in self._own_policy
        ):
            return super().process_response(request, response)
        if response.status_code in self._debug_exempt and settings.DEBUG:
            return response
        for header, setting, exempt in (
            (HEADER, "CONTENT_SECURITY_POLICY", "_csp_exempt"),
            (HEADER_REPORT_ONLY, "CONTENT_SECURITY_POLICY_REPORT_ONLY", "_csp_exempt_ro"),
        ):
            policy = _settings_policy(header == HEADER_REPORT_ONLY)
            if not policy or header in response or getattr(response, exempt, False):
                continue
            prefixes = (getattr(settings, setting, None) or {}).get("EXCLUDE_URL_PREFIXES") or ()
            if not request.path_info.startswith(tuple(prefixes)):
                response[header] = policy
        # As django-csp does: a nonce asked for after the header is written is an error.
        request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)
        return response
