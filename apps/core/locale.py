"""Django's LocaleMiddleware, without its negotiation when there is nothing to negotiate.

Eldo speaks one language (``settings.LANGUAGES``) and its URLs carry none
(no ``i18n_patterns``). Django's middleware still reads the language cookie, parses
Accept-Language, looks for a language prefix in the path and checks the URL patterns, twice
per request, to land on the only language there is: about a tenth of the CPU of a page served
from the public response cache. With a single language and no prefixed patterns this one
activates that language and sets the same headers (``Vary: Accept-Language``,
``Content-Language``) directly; with more languages, or prefixed patterns, it is Django's.
"""

from __future__ import annotations

from django.conf import settings
from django.conf.urls.i18n import is_language_prefix_patterns_used
from django.middleware.locale import LocaleMiddleware as DjangoLocaleMiddleware
from django.utils import translation
from django.utils.cache import patch_vary_headers


class LocaleMiddleware(DjangoLocaleMiddleware):
    def _single_language(self, request) -> str | None:
        """The one language to serve, or None when Django's negotiation applies."""
        if len(settings.LANGUAGES) != 1:
            return None
        urlconf = getattr(request, "urlconf", settings.ROOT_URLCONF)
        if is_language_prefix_patterns_used(urlconf)[0]:  # cached by Django per urlconf
            return None
        return settings.LANGUAGES[0][0]

    def process_request(self, request):
        language = self._single_language(request)
        if language is None:
            return super().process_request(request)
        translation.activate(language)
        request.LANGUAGE_CODE = language
        return None

    def process_response(self, request, response):
        if self._single_language(request) is None:
            return super().process_response(request, response)
        if "Vary" in response.headers:
            patch_vary_headers(response, ("Accept-Language",))
        else:
            response.headers["Vary"] = "Accept-Language"
        response.headers.setdefault("Content-Language", translation.get_language())
        return response
