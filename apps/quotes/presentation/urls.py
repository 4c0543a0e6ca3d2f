from django.urls import path

from apps.quotes.presentation import api_views

app_name = "quotes-api"

urlpatterns = [
    path("quotes/", api_views.QuoteListCreateView.as_view(), name="quotes"),
    path("quotes/<str:reference>/", api_views.QuoteDetailView.as_view(), name="detail"),
    path("quotes/<str:reference>/claim/", api_views.QuoteClaimView.as_view(), name="claim"),
    path("quotes/<str:reference>/calls/", api_views.QuoteCallView.as_view(), name="calls"),
    path("quotes/<str:reference>/qualify/", api_views.QuoteQualifyView.as_view(), name="qualify"),
    path("quotes/<str:reference>/reject/", api_views.QuoteRejectView.as_view(), name="reject"),
    path("quotes/<str:reference>/matches/", api_views.QuoteMatchesView.as_view(), name="matches"),
    path(
        "quotes/<str:reference>/dispatch/", api_views.QuoteDispatchView.as_view(), name="dispatch"
    ),
]
