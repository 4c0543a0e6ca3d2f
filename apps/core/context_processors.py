from django.conf import settings


def site(request):
    return {"SITE_NAME": "Eldo", "SITE_URL": settings.SITE_URL, "DEBUG": settings.DEBUG}
