from django.urls import path

from apps.accounts.presentation import api_views, notifications_api, team_api

app_name = "accounts-api"

urlpatterns = [
    path("auth/token/", api_views.TokenObtainView.as_view(), name="token"),
    path("auth/token/refresh/", api_views.TokenRefreshRotateView.as_view(), name="token-refresh"),
    path("auth/token/verify/", api_views.TokenVerifyCheckedView.as_view(), name="token-verify"),
    path("auth/logout/", api_views.LogoutView.as_view(), name="logout"),
    path("auth/me/", api_views.MeView.as_view(), name="me"),
    path("auth/password/", api_views.PasswordChangeView.as_view(), name="password-change"),
    path("me/", api_views.AccountView.as_view(), name="account"),
    path("me/data-export/", api_views.DataExportView.as_view(), name="data-export"),
    path(
        "me/notifications/",
        notifications_api.NotificationSettingsView.as_view(),
        name="notification-settings",
    ),
    path(
        "me/push-subscriptions/",
        notifications_api.PushSubscriptionsView.as_view(),
        name="push-subscriptions",
    ),
    path(
        "me/push-subscriptions/remove/",
        notifications_api.PushUnsubscribeView.as_view(),
        name="push-unsubscribe",
    ),
    path(
        "organizations/<id:organization_id>/members/",
        team_api.TeamMembersView.as_view(),
        name="team-members",
    ),
    path(
        "organizations/<id:organization_id>/members/<id:user_id>/",
        team_api.TeamMemberView.as_view(),
        name="team-member",
    ),
    path(
        "organizations/<id:organization_id>/invitations/",
        team_api.TeamInvitationsView.as_view(),
        name="team-invitations",
    ),
    path(
        "organizations/<id:organization_id>/invitations/<id:invitation_id>/",
        team_api.TeamInvitationView.as_view(),
        name="team-invitation",
    ),
]
