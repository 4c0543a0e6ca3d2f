from csp.decorators import csp_update
from django.conf import settings
from django.contrib import admin
from django.contrib.sitemaps import views as sitemap_views
from django.urls import include, path, re_path
from django.views.generic import TemplateView
from django.views.static import serve as serve_file
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from apps.core import health
from apps.core.sitemaps import SiteSitemap, sitemap_index
from eldo import views
from eldo.sitemaps import directory_sitemaps


class StaticPagesSitemap(SiteSitemap):
    changefreq = "daily"
    priority = 1.0

    def items(self):
        return ["/", "/artisans/", "/avis/", "/avis/comment-ca-marche/"]

    def location(self, item):
        return item


SITEMAPS = {"pages": StaticPagesSitemap, **directory_sitemaps()}

# Swagger UI under the CSP: the split view loads its init script from a URL instead of an
# inline <script>; the UI itself sets inline styles, allowed on this page only.
SWAGGER_UI = csp_update({"style-src": ["'unsafe-inline'"]})(
    SpectacularSwaggerSplitView.as_view(url_name="api-schema")
)

api_v1 = [
    path("", include("apps.accounts.presentation.urls")),
    path("", include("apps.directory.presentation.urls")),
    path("", include("apps.reviews.presentation.urls")),
    path("", include("apps.quotes.presentation.urls")),
    path("", include("apps.leads.presentation.urls")),
    path("", include("apps.stats.presentation.urls")),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("", include("apps.accounts.presentation.jwks")),
    path("metrics", health.metrics, name="metrics"),
    # Facades over HTTP for carved services (never routed by the public gateway).
    path("", include("apps.core.facade_urls")),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SWAGGER_UI, name="api-docs"),
    path("admin/", admin.site.urls),
    path("pro/<slug:slug>/", views.pro_profile, name="pro-profile"),
    # Legal and information pages (footer): plain templates under templates/pages/legal/.
    path(
        "mentions-legales/",
        TemplateView.as_view(template_name="pages/legal/mentions.html"),
        name="legal-notice",
    ),
    path(
        "conditions-generales/",
        TemplateView.as_view(template_name="pages/legal/cgu.html"),
        name="legal-terms",
    ),
    path(
        "confidentialite/",
        TemplateView.as_view(
            template_name="pages/legal/privacy.html",
            extra_context={"sign_in_days": settings.SIGN_IN_RETENTION_DAYS},
        ),
        name="legal-privacy",
    ),
    path(
        "cookies/",
        TemplateView.as_view(template_name="pages/legal/cookies.html"),
        name="legal-cookies",
    ),
    path(
        "vous-etes-artisan/",
        TemplateView.as_view(template_name="pages/legal/pro_offer.html"),
        name="pro-offer",
    ),
    path("robots.txt", views.robots_txt, name="robots"),
    path(
        "sitemap.xml",
        sitemap_index,
        {"sitemaps": SITEMAPS, "sitemap_url_name": "sitemap-section"},
        name="sitemap-index",
    ),
    path(
        "sitemap-<section>.xml",
        sitemap_views.sitemap,
        {"sitemaps": SITEMAPS},
        name="sitemap-section",
    ),
    # Uploaded media (logos, photos) from MEDIA_ROOT. A CDN or object storage can take this
    # over by changing STORAGES and the gateway route, not the code that uploads.
    re_path(r"^media/(?P<path>.*)$", serve_file, {"document_root": settings.MEDIA_ROOT}),
    path("", include("apps.accounts.presentation.pages")),
    path("", include("apps.accounts.presentation.account_pages")),
    path("", include("apps.accounts.presentation.team_pages")),
    path("", include("apps.accounts.presentation.notifications_pages")),
    path("", include("apps.accounts.presentation.privacy_pages")),
    path("", include("apps.accounts.presentation.audit_pages")),
    path("", include("apps.accounts.presentation.magic_link_pages")),
    path("", include("eldo.backoffice")),
    path("", include("eldo.catalogue")),
    path("", include("apps.directory.presentation.pages")),
    path("", include("apps.directory.presentation.brand_pages")),
    path("", include("apps.directory.presentation.backoffice")),
    path("", include("apps.directory.presentation.signup_pages")),
    path("", include("apps.reviews.presentation.pages")),
    path("", include("apps.reviews.presentation.backoffice")),
    path("", include("apps.quotes.presentation.pages")),
    path("", include("apps.leads.presentation.pages")),
    path("", include("apps.leads.presentation.work_end_pages")),
    path("", include("apps.stats.presentation.pages")),
    path("", include("apps.leads.presentation.advisor")),
    path("", include("apps.leads.presentation.contact_check")),
    path("", include("apps.leads.presentation.homeowner")),
    path("", include("apps.reviews.presentation.author_views")),
]

handler400 = "apps.core.error_pages.bad_request"
handler403 = "apps.core.error_pages.permission_denied"
handler404 = "apps.core.error_pages.page_not_found"
handler500 = "apps.core.error_pages.server_error"
