from django.urls import path

from apps.directory.presentation import api_views

app_name = "directory-api"

urlpatterns = [
    path("categories/", api_views.CategoryListView.as_view(), name="categories"),
    path("communes/", api_views.CommuneAutocompleteView.as_view(), name="communes"),
    path("pros/", api_views.ProListView.as_view(), name="pros"),
    path("pros/<slug:slug>/", api_views.ProDetailView.as_view(), name="pro-detail"),
    path("pros/<slug:slug>/badge/", api_views.ProBadgeView.as_view(), name="pro-badge"),
]
