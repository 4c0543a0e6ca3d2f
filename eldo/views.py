"""Pages that compose several contexts (the home page) and the site-wide error pages."""

from django.http import HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template import loader


def home(request):
    return render(request, "home.html")


def _wants_json(request) -> bool:
    return request.path.startswith("/api/")


def page_not_found(request, exception=None):
    if _wants_json(request):
        return JsonResponse({"detail": "Introuvable."}, status=404)
    return render(request, "errors/404.html", status=404)


def server_error(request):
    if _wants_json(request):
        return JsonResponse({"detail": "Erreur interne du serveur."}, status=500)
    # Rendered without the request: no context processor, nothing that could fail again.
    return HttpResponseServerError(loader.get_template("errors/500.html").render())


def bad_request(request, exception=None):
    if _wants_json(request):
        return JsonResponse({"detail": "Requête invalide."}, status=400)
    return render(request, "errors/400.html", status=400)


def permission_denied(request, exception=None):
    if _wants_json(request):
        return JsonResponse({"detail": "Accès refusé."}, status=403)
    return render(request, "errors/403.html", status=403)
