"""Back office: the team page (/espace-pro/equipe/)."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext_lazy as _

from apps.accounts import backoffice, team
from apps.accounts.models import MemberRole
from apps.core.backoffice import backoffice_context_of

app_name = "accounts-backoffice"


class InviteForm(forms.Form):
    email = forms.EmailField(label=_("Adresse e-mail"), max_length=254)
    role = forms.ChoiceField(
        label=_("Rôle"), choices=MemberRole.choices, initial=MemberRole.SALES_REP
    )


def _flash_error(request, exc: ValidationError) -> None:
    messages.error(request, " ".join(exc.messages))


@login_required
def team_page(request):
    context = backoffice_context_of(request, backoffice.backoffice_context, section="team")
    if context is None:
        raise Http404
    org = context["backoffice_org"]
    form = InviteForm(request.POST if request.POST.get("action") == "invite" else None)
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "invite":
                if form.is_valid():
                    team.member_invite(
                        actor=request.user, organization_id=org.organization_id, **form.cleaned_data
                    )
                    messages.success(request, f"Invitation envoyée à {form.cleaned_data['email']}.")
                    return redirect("accounts-backoffice:team")
            elif action in {"role", "remove", "revoke"}:
                target = request.POST.get("target", "")
                if not target.isdigit():
                    raise Http404
                if action == "role":
                    team.member_role_change(
                        actor=request.user,
                        organization_id=org.organization_id,
                        user_id=int(target),
                        role=request.POST.get("role", ""),
                    )
                    messages.success(request, "Rôle modifié.")
                elif action == "remove":
                    team.member_remove(
                        actor=request.user, organization_id=org.organization_id, user_id=int(target)
                    )
                    messages.success(request, "Membre retiré de l'équipe.")
                else:
                    team.invitation_revoke(
                        actor=request.user,
                        organization_id=org.organization_id,
                        invitation_id=int(target),
                    )
                    messages.success(request, "Invitation annulée.")
                return redirect("accounts-backoffice:team")
        except ValidationError as exc:
            if action == "invite" and hasattr(exc, "error_dict"):
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                _flash_error(request, exc)
                return redirect("accounts-backoffice:team")
        except PermissionDenied as exc:
            messages.error(request, str(exc) or "Action réservée au gérant et aux responsables.")
            return redirect("accounts-backoffice:team")
    can_manage = org.role in team.MANAGING_ROLES
    is_owner = org.role == MemberRole.OWNER
    members = team.team_members(actor=request.user, organization_id=org.organization_id)
    context.update(
        {
            # A manager may act on everybody but owners and themself; an owner on all others.
            "rows": [
                {
                    "member": m,
                    "editable": can_manage
                    and m.user_id != request.user.id
                    and (m.role != MemberRole.OWNER or is_owner),
                    "role_label": dict(MemberRole.choices).get(m.role, m.role),
                }
                for m in members
            ],
            "invitations": team.team_invitations(
                actor=request.user, organization_id=org.organization_id
            )
            if can_manage
            else [],
            "can_manage": can_manage,
            "is_owner": is_owner,
            "roles": MemberRole.choices,
            "form": form,
        }
    )
    return render(request, "accounts/backoffice/team.html", context)


urlpatterns = [path("espace-pro/equipe/", team_page, name="team")]
