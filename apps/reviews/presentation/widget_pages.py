"""The widget's configurator in the back office, /espace-pro/avis/widget/ (any member):
choose the variant (carousel, list, badge) and the theme (light, dark), see it live, copy
the snippet. The widget itself is /widget/<slug>/ (reviews.presentation.pages.widget)."""

from __future__ import annotations

from urllib.parse import urlencode

from django import forms
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from apps.core.site import absolute_url
from apps.reviews.aggregates import WIDGET_THEMES, WIDGET_TYPES
from apps.reviews.presentation.access import backoffice_scope as _scope

TYPE_LABELS = {"carousel": _("Carrousel"), "list": _("Liste"), "badge": _("Badge")}
THEME_LABELS = {"light": _("Clair"), "dark": _("Sombre")}
# Height of the frame per variant, in pixels (width: the space it is given).
HEIGHTS = {"carousel": 260, "list": 640, "badge": 90}


class WidgetForm(forms.Form):
    type = forms.ChoiceField(
        label=_("Présentation"),
        choices=[(k, TYPE_LABELS[k]) for k in WIDGET_TYPES],
        widget=forms.RadioSelect,
    )
    theme = forms.ChoiceField(
        label=_("Thème"),
        choices=[(t, THEME_LABELS[t]) for t in WIDGET_THEMES],
        widget=forms.RadioSelect,
    )


def widget_snippet(*, slug: str, name: str, kind: str, theme: str) -> tuple[str, str]:
    """(the widget's URL, the HTML to paste) for a variant."""
    query = urlencode({"type": kind, "theme": theme})
    url = absolute_url(reverse("reviews:widget", args=[slug])) + f"?{query}"
    title = f"Avis clients de {name} sur Eldo".replace('"', "&quot;")
    snippet = (
        f'<iframe src="{url}" title="{title}" width="100%" height="{HEIGHTS[kind]}" '
        'style="border:0;max-width:100%" loading="lazy"></iframe>'
    )
    return url, snippet


@login_required
def widget_configurator(request):
    context, pro = _scope(request, "reviews")
    form = WidgetForm(request.GET or {"type": WIDGET_TYPES[0], "theme": WIDGET_THEMES[0]})
    if form.is_valid():
        kind, theme = form.cleaned_data["type"], form.cleaned_data["theme"]
    else:  # an unknown choice in the address: the defaults, the form says what was wrong
        kind, theme = WIDGET_TYPES[0], WIDGET_THEMES[0]
    url, snippet = widget_snippet(slug=pro.slug, name=pro.name, kind=kind, theme=theme)
    return render(
        request,
        "reviews/backoffice/widget.html",
        context
        | {
            "pro": pro,
            "form": form,
            "widget_url": url,
            "preview_url": reverse("reviews:widget", args=[pro.slug])
            + "?"
            + urlencode({"type": kind, "theme": theme}),
            "snippet": snippet,
            "height": HEIGHTS[kind],
        },
        status=200 if form.is_valid() else 400,
    )
