"""The site's routes plus four that let a domain error through, as a context's view would
when it has nothing specific to say about it (used by test_errors)."""

from importlib import import_module

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse
from django.urls import include, path
from django.utils.html import escape
from rest_framework.permissions import AllowAny
from rest_framework.views import APIView

from apps.core.errors import Conflict, InvalidInput, LimitReached

CONFLICT_MESSAGE = "Cette demande est déjà prise en charge par un autre conseiller."
LIMIT_MESSAGE = "Vous avez atteint la limite de 200 invitations aujourd'hui."
POSTCODE_MESSAGE = "Code postal inconnu : 5 chiffres, par exemple 31000."


def request_claim(*, request_id: int) -> None:
    """A service whose state check refuses the action."""
    raise Conflict(CONFLICT_MESSAGE)


def claim_page(request, request_id: int):
    if request.method == "POST":
        request_claim(request_id=request_id)
    shown = "".join(f"<p>{escape(m)}</p>" for m in messages.get_messages(request))
    return HttpResponse(f"{shown}<form method='post'>Prendre la demande</form>")


def quota_page(request):
    raise LimitReached(LIMIT_MESSAGE, code="quota")


def plain_api_claim(request, request_id: int):
    """An API route served by a plain Django view (as the widget's and the webhooks' are)."""
    request_claim(request_id=request_id)


class AddressView(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []

    def post(self, request):
        raise InvalidInput(
            "Adresse incomplète.",
            errors={"postcode": [POSTCODE_MESSAGE]},
        )


_site = import_module(settings.ROOT_URLCONF)
handler400 = _site.handler400
handler404 = _site.handler404
handler500 = _site.handler500
urlpatterns = [
    path("essai/demandes/<int:request_id>/", claim_page),
    path("essai/quota/", quota_page),
    path("api/v1/essai/adresse/", AddressView.as_view()),
    path("api/v1/essai/demandes/<int:request_id>/", plain_api_claim),
    path("", include(settings.ROOT_URLCONF)),
]
