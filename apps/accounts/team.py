"""Team management: who belongs to an organization, with which role, and invitations.

Owners and managers manage their team; a manager cannot grant, change or remove the owner
role; an organization always keeps at least one owner. Anybody outside the organization
gets "not found", a sales rep gets "forbidden".
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth import password_validation
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.events import MemberInvited, MembershipChanged
from apps.accounts.models import MemberRole, Membership, MembershipInvitation, Organization, User
from apps.core.actor import MANAGING_ROLES
from apps.core.events import publish

INVITATION_DAYS = 7
_SALT = "eldo.accounts.team-invitation"


@dataclass(frozen=True)
class MemberInfo:
    user_id: int
    email: str
    full_name: str
    role: str
    joined_at: str


def _actor_role(actor: User, organization_id: int) -> str | None:
    if actor.is_superuser:
        return MemberRole.OWNER
    return (
        Membership.objects.filter(user=actor, organization_id=organization_id)
        .values_list("role", flat=True)
        .first()
    )


def _require_manager(actor: User, organization_id: int) -> str:
    role = _actor_role(actor, organization_id)
    if role is None or not Organization.objects.filter(pk=organization_id, is_active=True).exists():
        raise Http404
    if role not in MANAGING_ROLES:
        raise PermissionDenied(_("Seuls le gérant et les responsables gèrent l'équipe."))
    return role


def _check_grant(actor_role: str, role: str) -> None:
    if role not in MemberRole.values:
        raise ValidationError({"role": [_("Rôle inconnu.")]})
    if role == MemberRole.OWNER and actor_role != MemberRole.OWNER:
        raise PermissionDenied(_("Seul un gérant peut nommer un autre gérant."))


def team_members(*, actor: User, organization_id: int) -> list[MemberInfo]:
    if _actor_role(actor, organization_id) is None:
        raise Http404
    return [
        MemberInfo(
            user_id=m.user_id,
            email=m.user.email,
            full_name=m.user.get_full_name(),
            role=m.role,
            joined_at=m.created_at.isoformat(),
        )
        for m in Membership.objects.filter(organization_id=organization_id)
        .select_related("user")
        .order_by("role", "user__email")
    ]


def team_invitations(*, actor: User, organization_id: int):
    _require_manager(actor, organization_id)
    return list(
        MembershipInvitation.objects.filter(
            organization_id=organization_id, accepted_at__isnull=True, revoked_at__isnull=True
        ).order_by("-created_at")
    )


@transaction.atomic
def member_invite(
    *, actor: User, organization_id: int, email: str, role: str
) -> MembershipInvitation:
    actor_role = _require_manager(actor, organization_id)
    _check_grant(actor_role, role)
    email = email.strip().lower()
    if Membership.objects.filter(organization_id=organization_id, user__email=email).exists():
        raise ValidationError({"email": [_("Cette personne fait déjà partie de l'équipe.")]})
    # A new invitation replaces an open one to the same address.
    MembershipInvitation.objects.filter(
        organization_id=organization_id,
        email=email,
        accepted_at__isnull=True,
        revoked_at__isnull=True,
    ).update(revoked_at=timezone.now())
    invitation = MembershipInvitation.objects.create(
        organization_id=organization_id,
        email=email,
        role=role,
        invited_by=actor,
        nonce=secrets.token_hex(16),
        expires_at=timezone.now() + timedelta(days=INVITATION_DAYS),
    )
    publish(MemberInvited(invitation_id=invitation.pk))
    return invitation


def invitation_link_token(invitation: MembershipInvitation) -> str:
    return signing.dumps({"i": invitation.pk, "n": invitation.nonce}, salt=_SALT, compress=True)


def invitation_from_token(token: str) -> MembershipInvitation:
    """The open invitation a link names, or a French ValidationError saying why not."""
    try:
        data = signing.loads(token, salt=_SALT, max_age=timedelta(days=INVITATION_DAYS))
        invitation = MembershipInvitation.objects.select_related("organization").get(
            pk=int(data["i"]), nonce=str(data["n"])
        )
    except signing.SignatureExpired as exc:
        raise ValidationError(
            _("Ce lien d'invitation a expiré : demandez-en un nouveau."), code="expired"
        ) from exc
    except (
        signing.BadSignature,
        MembershipInvitation.DoesNotExist,
        KeyError,
        TypeError,
        ValueError,
    ) as exc:
        raise ValidationError(_("Ce lien d'invitation n'est pas valide."), code="invalid") from exc
    if invitation.accepted_at is not None:
        raise ValidationError(_("Cette invitation a déjà été acceptée."), code="used")
    if invitation.revoked_at is not None:
        raise ValidationError(_("Cette invitation a été annulée."), code="revoked")
    if invitation.expires_at < timezone.now():
        raise ValidationError(
            _("Ce lien d'invitation a expiré : demandez-en un nouveau."), code="expired"
        )
    return invitation


@transaction.atomic
def invitation_accept(
    *,
    token: str,
    user: User | None = None,
    first_name: str = "",
    last_name: str = "",
    password: str = "",
) -> User:
    """Join the team: as the signed-in user with the invited address, or as a new account."""
    invitation = invitation_from_token(token)
    invitation = MembershipInvitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at is not None:
        raise ValidationError(_("Cette invitation a déjà été acceptée."), code="used")
    if user is None:
        if User.objects.filter(email=invitation.email).exists():
            raise ValidationError(
                _("Un compte existe déjà pour cette adresse : connectez-vous pour accepter."),
                code="login_required",
            )
        candidate = User(email=invitation.email, first_name=first_name, last_name=last_name)
        try:
            password_validation.validate_password(password, user=candidate)
        except ValidationError as exc:
            raise ValidationError({"password": exc.messages}) from exc
        user = User.objects.create_user(
            email=invitation.email, password=password, first_name=first_name, last_name=last_name
        )
    elif user.email.lower() != invitation.email:
        raise ValidationError(
            _("Cette invitation a été envoyée à une autre adresse e-mail que la vôtre."),
            code="wrong_user",
        )
    try:
        with transaction.atomic():
            Membership.objects.create(
                user=user, organization_id=invitation.organization_id, role=invitation.role
            )
    except IntegrityError:
        pass  # already a member: accepting again changes nothing
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    publish(
        MembershipChanged(
            organization_id=invitation.organization_id, user_id=user.pk, role=invitation.role
        )
    )
    return user


@transaction.atomic
def invitation_revoke(*, actor: User, organization_id: int, invitation_id: int) -> None:
    _require_manager(actor, organization_id)
    updated = MembershipInvitation.objects.filter(
        pk=invitation_id,
        organization_id=organization_id,
        accepted_at__isnull=True,
        revoked_at__isnull=True,
    ).update(revoked_at=timezone.now())
    if not updated:
        raise Http404


def _owners_left(organization_id: int, *, excluding_user_id: int) -> int:
    return (
        Membership.objects.select_for_update()
        .filter(organization_id=organization_id, role=MemberRole.OWNER)
        .exclude(user_id=excluding_user_id)
        .count()
    )


@transaction.atomic
def member_role_change(*, actor: User, organization_id: int, user_id: int, role: str) -> None:
    actor_role = _require_manager(actor, organization_id)
    _check_grant(actor_role, role)
    membership = (
        Membership.objects.select_for_update()
        .filter(organization_id=organization_id, user_id=user_id)
        .first()
    )
    if membership is None:
        raise Http404
    if membership.role == MemberRole.OWNER and actor_role != MemberRole.OWNER:
        raise PermissionDenied(_("Seul un gérant peut modifier le rôle d'un gérant."))
    demoting_an_owner = membership.role == MemberRole.OWNER and role != MemberRole.OWNER
    if demoting_an_owner and not _owners_left(organization_id, excluding_user_id=user_id):
        raise ValidationError({"role": [_("L'entreprise doit garder au moins un gérant.")]})
    membership.role = role
    membership.save(update_fields=["role"])
    publish(MembershipChanged(organization_id=organization_id, user_id=user_id, role=role))


@transaction.atomic
def member_remove(*, actor: User, organization_id: int, user_id: int) -> None:
    actor_role = _require_manager(actor, organization_id)
    membership = (
        Membership.objects.select_for_update()
        .filter(organization_id=organization_id, user_id=user_id)
        .first()
    )
    if membership is None:
        raise Http404
    if membership.role == MemberRole.OWNER:
        if actor_role != MemberRole.OWNER:
            raise PermissionDenied(_("Seul un gérant peut retirer un gérant."))
        if not _owners_left(organization_id, excluding_user_id=user_id):
            raise ValidationError({"user": [_("L'entreprise doit garder au moins un gérant.")]})
    membership.delete()
    publish(MembershipChanged(organization_id=organization_id, user_id=user_id, role=""))
