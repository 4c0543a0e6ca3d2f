from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import permissions, status
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.views import TokenObtainPairView, TokenRefreshView, TokenVerifyView

from apps.accounts import services, token_revocation
from apps.accounts.presentation.serializers import (
    AccountEraseSerializer,
    EldoTokenVerifySerializer,
    LogoutSerializer,
    MeSerializer,
    PasswordChangeSerializer,
    TokenPairSerializer,
    refresh_for_user,
)
from apps.accounts.presentation.throttles import PasswordChangeThrottle
from apps.accounts.privacy import personal_data_export
from apps.accounts.selectors import identity_for_user
from apps.accounts.sign_ins import sign_in_record
from apps.accounts.tokens import RefreshToken
from apps.core.throttling import UserRateThrottle


class TokenObtainView(TokenObtainPairView):
    """E-mail + password → access and refresh tokens. Failed attempts are limited per
    address and per account (apps.accounts.sign_in_guard); a success costs nothing."""

    def post(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        try:
            serializer.is_valid(raise_exception=True)
        except TokenError as exc:
            raise InvalidToken(exc.args[0]) from exc
        sign_in_record(request=request, response=None, user_id=serializer.user.pk)
        return Response(serializer.validated_data, status=status.HTTP_200_OK)


class TokenRefreshRotateView(TokenRefreshView):
    """Refresh → new access and refresh; the presented refresh is blacklisted."""


class TokenVerifyCheckedView(TokenVerifyView):
    serializer_class = EldoTokenVerifySerializer


class LogoutView(APIView):
    """Blacklists the refresh token: it can no longer mint access tokens. The access token
    sent in ``Authorization: Bearer`` (if any) is revoked too: refused from now on."""

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
            refresh = RefreshToken(serializer.validated_data["refresh"])
            refresh.blacklist()
        except TokenError as exc:
            raise InvalidToken(str(exc)) from exc
        access = token_revocation.access_from_header(request)
        if access is not None:
            token_revocation.access_revoke(access)
        # Services authorizing from the token alone cannot see this refresh token's family:
        # they refuse every token of the user issued until now.
        services.tokens_revoked_publish(user_id=int(refresh[jwt_settings.USER_ID_CLAIM]))
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


def export_filename() -> str:
    return f"eldo-mes-donnees-{timezone.localdate():%Y-%m-%d}.json"


class DataExportView(APIView):
    """GDPR (art. 15 and 20): everything Eldo holds about the signed-in person, as JSON."""

    @extend_schema(
        operation_id="me_data_export",
        responses={
            200: OpenApiResponse(
                response=OpenApiTypes.OBJECT,
                description=(
                    "Fichier JSON en pièce jointe : compte, avis, invitations, demandes de "
                    "devis, demandes transmises aux artisans."
                ),
            ),
            401: OpenApiResponse(description="Non authentifié."),
        },
    )
    def get(self, request):
        response = Response(personal_data_export(user=request.user))
        response["Content-Disposition"] = f'attachment; filename="{export_filename()}"'
        response["Cache-Control"] = "private, no-store"
        return response


class AccountView(APIView):
    """GDPR (art. 17): the signed-in person erases their account (password required)."""

    throttle_classes = [UserRateThrottle, PasswordChangeThrottle]

    @extend_schema(
        operation_id="me_erase",
        request=AccountEraseSerializer,
        responses={
            204: OpenApiResponse(description="Compte supprimé ; les jetons ne sont plus valides."),
            400: OpenApiResponse(description="Mot de passe manquant ou incorrect (par champ)."),
            401: OpenApiResponse(description="Non authentifié."),
            409: OpenApiResponse(
                description="Compte de l'équipe Eldo : fermé par un administrateur."
            ),
            429: OpenApiResponse(description="Trop de tentatives."),
        },
    )
    def delete(self, request):
        serializer = AccountEraseSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.user_erase(user=request.user, **serializer.validated_data)
        return Response(status=status.HTTP_204_NO_CONTENT)
