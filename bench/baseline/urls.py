from django.http import HttpResponse, JsonResponse
from django.urls import path

# About the size of a cached page (Eldo's home page is some 40 kB): what sending it costs.
PAGE = b"<!doctype html><html lang=fr><title>Eldo</title><p>" + b"x" * 40_000 + b"</p></html>"


def hello(request):
    return JsonResponse({"status": "ok"})


def page(request):
    return HttpResponse(PAGE, content_type="text/html; charset=utf-8")


urlpatterns = [path("hello", hello, name="hello"), path("page", page, name="page")]
