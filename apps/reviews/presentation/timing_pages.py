"""The pro's delays for Eldo's automatic invitation after a won lead:
/espace-pro/invitations/delais/ (every member reads them; owners and managers change them)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from apps.reviews import automatic
from apps.reviews.models import ScheduledInvitation
from apps.reviews.presentation.backoffice import _may_import, _scope
from apps.reviews.presentation.forms import errors_to_form


class TimingForm(forms.Form):
    days_after_work_end = forms.IntegerField(
        label=_("Jours après la fin des travaux"),
        min_value=0,
        max_value=automatic.DELAY_MAX_DAYS,
        help_text=_("Quand la date de fin des travaux est connue."),
    )
    days_after_won = forms.IntegerField(
        label=_("Jours après « gagné »"),
        min_value=0,
        max_value=automatic.DELAY_MAX_DAYS,
        help_text=_("Sinon, à compter du jour où la demande est marquée « gagnée »."),
    )


@login_required
@require_http_methods(["GET", "POST"])
def timing_page(request):
    context, pro = _scope(request, "invitations")
    organization_id = context["backoffice_org"].organization_id
    may_edit = _may_import(context)
    timing = automatic.timing_for(organization_id)
    status = 200
    if request.method == "POST":
        if not may_edit:
            raise Http404
        form = TimingForm(request.POST)
        if form.is_valid():
            try:
                automatic.timing_update(organization_id=organization_id, **form.cleaned_data)
            except ValidationError as exc:
                errors_to_form(form, exc)
            else:
                messages.success(request, "Délais enregistrés.")
                return redirect("reviews-backoffice:timing")
        status = 400
    else:
        form = TimingForm(
            initial={
                "days_after_work_end": timing.days_after_work_end,
                "days_after_won": timing.days_after_won,
            }
        )
    waiting = ScheduledInvitation.objects.filter(
        organization_id=organization_id, processed_at__isnull=True
    ).count()
    return render(
        request,
        "reviews/backoffice/timing.html",
        context
        | {"pro": pro, "form": form, "may_edit": may_edit, "timing": timing, "waiting": waiting},
        status=status,
    )
