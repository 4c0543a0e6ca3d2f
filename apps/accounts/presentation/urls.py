from django.urls import path

from apps.accounts.presentation import api_views

app_name = "accounts-api"

urlpatterns = [
    path("auth/token/", api_views.TokenObtainView.as_view(), name="token"),
    path("auth/token/refresh/", api_views.TokenRefreshRotateView.as_view(), name="token-refresh"),
    path("auth/token/verify/", api_views.TokenVerifyCheckedView.as_view(), name="token-verify"),
    path("auth/logout/", api_views.LogoutView.as_view(), name="logout"),
    path("auth/me/", api_views.MeView.as_view(), name="me"),
    path("auth/password/", api_views.PasswordChangeView.as_view(), name="password-change"),
]
