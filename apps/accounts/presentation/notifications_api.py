"""The signed-in person's notification preferences and Web Push subscriptions (API)."""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts import notifications
from apps.core import webpush


class NotificationSettingsSerializer(serializers.Serializer):
    new_lead_email = serializers.BooleanField(
        required=False, help_text="Nouvelle demande de devis par e-mail (par défaut : oui)."
    )
    new_lead_sms = serializers.BooleanField(
        required=False, help_text="Par SMS au numéro `phone` (jamais entre 20 h et 8 h)."
    )
    new_lead_push = serializers.BooleanField(
        required=False,
        help_text="Par notification Web Push sur les appareils abonnés (`push_devices`).",
    )
    phone = serializers.CharField(
        required=False, allow_blank=True, max_length=30, help_text="Mobile, enregistré en E.164."
    )
    push_devices = serializers.IntegerField(read_only=True)
    push_available = serializers.BooleanField(read_only=True)
    vapid_public_key = serializers.CharField(
        read_only=True, help_text="Clé applicationServerKey pour PushManager.subscribe()."
    )


def _payload(settings_) -> dict:
    return {
        "new_lead_email": settings_.new_lead_email,
        "new_lead_sms": settings_.new_lead_sms,
        "new_lead_push": settings_.new_lead_push,
        "phone": settings_.phone,
        "push_devices": settings_.push_devices,
        "push_available": webpush.push_enabled(),
        "vapid_public_key": webpush.public_key(),
    }


class NotificationSettingsView(APIView):
    """How I hear of a new lead for my company: e-mail, SMS, Web Push."""

    @extend_schema(operation_id="me_notifications_read", responses=NotificationSettingsSerializer)
    def get(self, request):
        return Response(_payload(notifications.notification_settings_get(user=request.user)))

    @extend_schema(
        operation_id="me_notifications_update",
        request=NotificationSettingsSerializer,
        responses=NotificationSettingsSerializer,
    )
    def patch(self, request):
        serializer = NotificationSettingsSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        updated = notifications.notification_settings_update(
            user=request.user, **serializer.validated_data
        )
        return Response(_payload(updated))


class PushKeysSerializer(serializers.Serializer):
    p256dh = serializers.CharField(max_length=200)
    auth = serializers.CharField(max_length=100)


class PushSubscriptionSerializer(serializers.Serializer):
    """The browser's ``PushSubscription.toJSON()``."""

    endpoint = serializers.CharField(
        max_length=1000, help_text="https, sur un service push connu (Google, Mozilla, Apple)."
    )
    keys = PushKeysSerializer()


class PushUnsubscribeSerializer(serializers.Serializer):
    endpoint = serializers.CharField(max_length=1000)


class PushSubscriptionsView(APIView):
    """Register this browser for Web Push (turns push on for new leads)."""

    @extend_schema(
        operation_id="me_push_subscribe",
        request=PushSubscriptionSerializer,
        responses={
            201: OpenApiResponse(description="Appareil abonné."),
            400: OpenApiResponse(
                description="Adresse non https ou d'un service inconnu, clés invalides, "
                "ou notifications push désactivées sur le site."
            ),
        },
    )
    def post(self, request):
        serializer = PushSubscriptionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        notifications.push_subscription_add(
            user=request.user,
            endpoint=data["endpoint"],
            p256dh=data["keys"]["p256dh"],
            auth=data["keys"]["auth"],
            user_agent=request.headers.get("User-Agent", ""),
        )
        return Response(status=status.HTTP_201_CREATED)


class PushUnsubscribeView(APIView):
    """Forget this browser (idempotent: an unknown endpoint changes nothing)."""

    @extend_schema(
        operation_id="me_push_unsubscribe",
        request=PushUnsubscribeSerializer,
        responses={204: OpenApiResponse(description="Appareil retiré.")},
    )
    def post(self, request):
        serializer = PushUnsubscribeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        notifications.push_subscription_remove(
            user=request.user, endpoint=serializer.validated_data["endpoint"]
        )
        return Response(status=status.HTTP_204_NO_CONTENT)
