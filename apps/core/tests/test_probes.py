"""The operations probes skip the middleware that serve people (apps.core.middleware
ProbeMiddleware) and answer as before: status, body, request id, security headers, metrics."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

PROBES = ["/healthz", "/readyz", "/metrics"]
NEVER_CACHE = "max-age=0, no-cache, no-store, must-revalidate, private"


def assert_security_headers(response):
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "camera=()" in response["Permissions-Policy"]
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
    assert "default-src 'self'" in response["Content-Security-Policy"]


@pytest.mark.django_db
@pytest.mark.parametrize("path", PROBES)
def test_probes_answer_with_the_headers_of_every_response(client, path):
    response = client.get(path, HTTP_X_REQUEST_ID="kong-probe-0001")

    assert response.status_code == 200
    assert_security_headers(response)
    assert response["X-Request-ID"] == "kong-probe-0001"
    assert response["Cache-Control"] == NEVER_CACHE
    assert response["Expires"]
    assert response["Content-Length"] == str(len(response.content))


def test_healthz_body_is_the_json_it_always_was(client):
    response = client.get("/healthz")

    assert response["Content-Type"] == "application/json"
    assert response.content == b'{"status": "ok"}'
    assert len(response["X-Request-ID"]) == 32  # none from the gateway: one of our own


@pytest.mark.django_db
def test_a_signed_in_probe_reads_neither_session_nor_user(client, django_user_model):
    """The kubelet sends no cookie, but a probe must not cost a session read when one does:
    the whole stack read the session and the user (the private-cache check) on /healthz."""
    user = django_user_model.objects.create_user(email="probe@eldo.test", password="x")
    client.force_login(user)

    with CaptureQueriesContext(connection) as queries:
        response = client.get("/healthz")

    assert response.status_code == 200
    assert len(queries) == 0
    assert "Set-Cookie" not in response.headers
    assert "sessionid" not in response.cookies


def test_a_probe_with_an_unknown_host_is_refused(client, settings):
    settings.ALLOWED_HOSTS = ["eldo.example"]

    assert Client(HTTP_HOST="attacker.example").get("/healthz").status_code == 400
    assert Client(HTTP_HOST="eldo.example").get("/healthz").status_code == 200


def test_production_probes_carry_hsts_over_https_and_answer_over_plain_http(settings):
    settings.SECURE_HSTS_SECONDS = 31_536_000
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]

    https = Client().get("/healthz", headers={"x-forwarded-proto": "https"})
    plain = Client().get("/healthz")

    assert https["Strict-Transport-Security"].startswith("max-age=31536000")
    assert plain.status_code == 200  # the kubelet speaks plain HTTP inside the cluster


@pytest.mark.django_db
def test_other_methods_on_a_probe_take_the_whole_stack(settings):
    """Only a GET is short-circuited: a POST still meets the CSRF check first, as before."""
    assert Client(enforce_csrf_checks=True).post("/healthz").status_code == 403
    assert Client().post("/healthz").status_code == 405


class _Stamp:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response["X-Stamped"] = "yes"
        return response


def test_a_middleware_added_to_the_stack_applies_to_probes_unless_skipped(settings):
    stamp = f"{__name__}._Stamp"
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, stamp]
    assert Client().get("/healthz")["X-Stamped"] == "yes"

    settings.PROBE_SKIPPED_MIDDLEWARE = [*settings.PROBE_SKIPPED_MIDDLEWARE, stamp]
    assert "X-Stamped" not in Client().get("/healthz")
    assert Client().get("/pas-une-page/")["X-Stamped"] == "yes"  # the others keep it
