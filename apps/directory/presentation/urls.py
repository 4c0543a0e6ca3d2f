from django.urls import path

from apps.core.counters import counter_incr
from apps.core.pagecache import public_response_cache
from apps.directory.presentation import api_views, verification
from apps.directory.presentation.pages import SEARCH_PARAMS, count_cached_impressions


def _count_cached_view(request, meta: dict) -> None:
    counter_incr("directory.ProProfileViewed", meta["slug"])


app_name = "directory-api"

urlpatterns = [
    path("categories/", api_views.CategoryListView.as_view(), name="categories"),
    path("communes/", api_views.CommuneAutocompleteView.as_view(), name="communes"),
    path(
        "pros/",
        public_response_cache(on_hit=count_cached_impressions, params=SEARCH_PARAMS)(
            api_views.ProListView.as_view()
        ),
        name="pros",
    ),
    path(
        "pros/<slug:slug>/",
        public_response_cache(on_hit=_count_cached_view, params=())(
            api_views.ProDetailView.as_view()
        ),
        name="pro-detail",
    ),
    path(
        "pros/<slug:slug>/badge/",
        public_response_cache(params=())(api_views.ProBadgeView.as_view()),
        name="pro-badge",
    ),
    *verification.api_urlpatterns,
]
