from drf_spectacular.utils import extend_schema
from rest_framework import permissions, status
from rest_framework.response import Response
from rest_framework.throttling import UserRateThrottle
from rest_framework.views import APIView
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.tokens import RefreshToken
from rest_framework_simplejwt.views import TokenObtainPairView, TokenRefreshView, TokenVerifyView

from apps.accounts import services
from apps.accounts.presentation.serializers import (
    EldoTokenVerifySerializer,
    LogoutSerializer,
    MeSerializer,
    PasswordChangeSerializer,
    TokenPairSerializer,
    refresh_for_user,
)
from apps.accounts.presentation.throttles import (
    LoginEmailThrottle,
    LoginIpThrottle,
    PasswordChangeThrottle,
)
from apps.accounts.selectors import identity_for_user


class TokenObtainView(TokenObtainPairView):
    """E-mail + password → access and refresh tokens (throttled per address and account)."""

    throttle_classes = [LoginIpThrottle, LoginEmailThrottle]


class TokenRefreshRotateView(TokenRefreshView):
    """Refresh → new access and refresh; the presented refresh is blacklisted."""


class TokenVerifyCheckedView(TokenVerifyView):
    serializer_class = EldoTokenVerifySerializer


class LogoutView(APIView):
    """Blacklists the refresh token: it can no longer mint access tokens."""

    permission_classes = [permissions.AllowAny]
    authentication_classes: list = []

    def get_authenticate_header(self, request):
        # Without it DRF turns every 401 of this unauthenticated view into a 403.
        return f'{jwt_settings.AUTH_HEADER_TYPES[0]} realm="api"'

    @extend_schema(request=LogoutSerializer, responses={205: None})
    def post(self, request):
        serializer = LogoutSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            RefreshToken(serializer.validated_data["refresh"]).blacklist()
        except TokenError as exc:
            raise InvalidToken(str(exc)) from exc
        return Response(status=status.HTTP_205_RESET_CONTENT)


class MeView(APIView):
    @extend_schema(responses=MeSerializer)
    def get(self, request):
        identity = identity_for_user(user=request.user)
        return Response(MeSerializer(identity).data)


class PasswordChangeView(APIView):
    """Changes the password; older tokens stop working, a new pair is returned."""

    throttle_classes = [UserRateThrottle, PasswordChangeThrottle]

    @extend_schema(request=PasswordChangeSerializer, responses=TokenPairSerializer)
    def post(self, request):
        serializer = PasswordChangeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.user_change_password(user=request.user, **serializer.validated_data)
        refresh = refresh_for_user(request.user)
        return Response({"access": str(refresh.access_token), "refresh": str(refresh)})
