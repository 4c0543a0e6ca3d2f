from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from apps.core import health
from eldo import views

api_v1 = [
    path("", include("apps.accounts.presentation.urls")),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", health.metrics, name="metrics"),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("admin/", admin.site.urls),
    path("", include("apps.accounts.presentation.pages")),
]

handler400 = "eldo.views.bad_request"
handler403 = "eldo.views.permission_denied"
handler404 = "eldo.views.page_not_found"
handler500 = "eldo.views.server_error"
