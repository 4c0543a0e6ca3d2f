"""The reviews service's URLs: its API and pages at the monolith's paths, the probes, the
facade it serves to the monolith, and the monolith's named routes as redirects."""

from csp.decorators import csp_update
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from apps.core import health
from services.reviews import routes

SWAGGER_UI = csp_update({"style-src": ["'unsafe-inline'"]})(
    SpectacularSwaggerSplitView.as_view(url_name="api-schema")
)

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", health.metrics, name="metrics"),
    path("api/v1/", include("apps.reviews.presentation.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SWAGGER_UI, name="api-docs"),
    path("", include("apps.core.facade_urls")),
    path("", include("apps.reviews.presentation.pages")),
    path("", include("apps.reviews.presentation.backoffice")),
    path("", include("apps.reviews.presentation.author_views")),
    # Last: a path the service serves itself is never shadowed by a redirect.
    *routes.redirect_patterns(routes.load()),
]

handler400 = "apps.core.error_pages.bad_request"
handler403 = "apps.core.error_pages.permission_denied"
handler404 = "apps.core.error_pages.page_not_found"
handler500 = "apps.core.error_pages.server_error"
