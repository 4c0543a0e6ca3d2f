"""Eldo's production settings as they were before the probes skipped the middleware that
serve people: every request through the whole stack, django-csp's own CSP middleware.

bench/run.py serves /healthz with these next to the real settings, in the same run, so that
the report shows what apps.core.middleware.ProbeMiddleware and the CSP built once save."""

from eldo.settings import *  # noqa: F403
from eldo.settings import MIDDLEWARE as _MIDDLEWARE

MIDDLEWARE = [
    "csp.middleware.CSPMiddleware" if path == "apps.core.middleware.CSPMiddleware" else path
    for path in _MIDDLEWARE
    if path != "apps.core.middleware.ProbeMiddleware"
]
