"""The staff audit log: what advisors and moderators did (read-only, staff only)."""

from __future__ import annotations

from django import forms
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from apps.accounts import selectors

app_name = "accounts-audit"

PAGE_SIZE = 50

# French names of the actions the contexts record (unknown codes are shown as they are).
ACTION_LABELS = {
    "quotes.claim": _("Demande prise en charge"),
    "quotes.call": _("Appel noté"),
    "quotes.qualify": _("Demande qualifiée"),
    "quotes.reject": _("Demande refusée"),
    "quotes.dispatch": _("Demande transmise aux artisans"),
    "leads.reassign": _("Demande réattribuée à un autre artisan"),
    "reviews.publish": _("Avis publié par un modérateur"),
    "reviews.reject": _("Avis refusé par un modérateur"),
}


def action_label(code: str) -> str:
    return str(ACTION_LABELS.get(code, code))


class AuditFilterForm(forms.Form):
    actor = forms.TypedChoiceField(label=_("Par"), required=False, coerce=int, empty_value=None)
    action = forms.ChoiceField(label=_("Action"), required=False)
    date_from = forms.DateField(
        label=_("Du"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("Au"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, actions: list[str], actors: list[tuple[int, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = [("", _("Toutes"))] + [
            (code, action_label(code)) for code in actions
        ]
        self.fields["actor"].choices = [("", _("Tout le monde")), *actors]


@never_cache
@require_GET
def audit_log(request):
    user = request.user
    if not (user.is_authenticated and user.is_active and user.is_superuser):
        raise Http404  # the log is staff's only: to anyone else it does not exist
    actions, actors = selectors.audit_filter_choices()
    form = AuditFilterForm(request.GET or None, actions=actions, actors=actors)
    filters = form.cleaned_data if form.is_valid() else {}
    entries = selectors.audit_entry_list(
        actor_id=filters.get("actor"),
        action=filters.get("action") or "",
        date_from=filters.get("date_from"),
        date_to=filters.get("date_to"),
    )
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [{"entry": entry, "label": action_label(entry.action)} for entry in page]
    return render(request, "accounts/audit_log.html", {"form": form, "page": page, "rows": rows})


urlpatterns = [path("eldo/journal/", audit_log, name="audit-log")]
