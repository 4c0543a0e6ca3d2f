from django.urls import path

from apps.stats.presentation import api_views

app_name = "stats-api"

urlpatterns = [
    path("stats/pros/<slug:slug>/", api_views.ProStatsView.as_view(), name="pro"),
    path("stats/pros/<slug:slug>/team/", api_views.ProTeamStatsView.as_view(), name="pro-team"),
    path("stats/networks/<id:network_id>/", api_views.NetworkStatsView.as_view(), name="network"),
]
