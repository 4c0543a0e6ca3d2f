"""GDPR for the accounts context: the account part of the export, and the export itself.

Erasure of the account is ``services.user_erase``; the other contexts react to the
``UserErased`` event it publishes (their own ``privacy`` modules).
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from apps.accounts.models import Membership, MembershipInvitation, User
from apps.accounts.selectors import identity_for_user
from apps.core.privacy import iso, personal_data_collect, register_exporter


def export_for(*, user_id: int, email: str) -> dict[str, Any]:
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        return {}
    identity = identity_for_user(user=user)
    return {
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "phone": user.phone,
        "date_joined": iso(user.date_joined),
        "last_login": iso(user.last_login),
        "roles": list(identity.roles),
        "memberships": [
            {
                "organization": m.organization.name,
                "kind": m.organization.kind,
                "role": m.role,
                "since": iso(m.created_at),
            }
            for m in Membership.objects.filter(user_id=user_id)
            .select_related("organization")
            .order_by("created_at")
        ],
        "team_invitations": [
            {
                "organization": invitation.organization.name,
                "role": invitation.role,
                "created_at": iso(invitation.created_at),
                "accepted_at": iso(invitation.accepted_at),
            }
            for invitation in MembershipInvitation.objects.filter(email=email)
            .select_related("organization")
            .order_by("created_at")
        ],
    }


register_exporter("account", export_for)


def personal_data_export(*, user: User) -> dict[str, Any]:
    """Everything Eldo holds about the signed-in person, from every context (GDPR art. 15).

    Matched by the account and by its e-mail address: homeowners submit quotes and reviews
    with their address, signed in or not. The address is trusted because accounts are only
    created by Eldo staff or through an e-mailed invitation link.
    """
    return {
        "generated_at": iso(timezone.now()),
        "controller": "Eldo — https://eldo.fr",
        **personal_data_collect(user_id=user.pk, email=user.email),
    }
