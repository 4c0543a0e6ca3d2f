from datetime import datetime, timedelta

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.events import (
    OrganizationDeleted,
    PasswordChanged,
    TokensRevoked,
    UserErased,
)
from apps.accounts.models import (
    AuditEntry,
    EmailChangeNotice,
    MagicLink,
    Membership,
    MembershipInvitation,
    NotificationPreference,
    Organization,
    PushSubscription,
    User,
)
from apps.core.errors import Conflict
from apps.core.events import publish
from apps.core.privacy import email_digest


@transaction.atomic
def user_change_password(*, user: User, current_password: str, new_password: str) -> None:
    """Change the password; every JWT issued before this moment stops working."""
    if not user.check_password(current_password):
        raise ValidationError({"current_password": [_("Mot de passe actuel incorrect.")]})
    try:
        password_validation.validate_password(new_password, user=user)
    except ValidationError as exc:
        raise ValidationError({"new_password": exc.messages}) from exc
    user.set_password(new_password)
    user.save(update_fields=["password"])
    password_changed_publish(user_id=user.pk, changed_at=timezone.now())


def password_changed_publish(*, user_id: int, changed_at: datetime) -> None:
    """The owner is told (PasswordChanged); the tokens issued before stop working."""
    publish(PasswordChanged(user_id=user_id, changed_at=changed_at.isoformat()))
    tokens_revoked_publish(user_id=user_id, before=changed_at)


def tokens_revoked_publish(*, user_id: int, before: datetime | None = None) -> None:
    """Every service refuses this user's API tokens issued before ``before`` (now)."""
    moment = before or timezone.now()
    publish(TokensRevoked(user_id=user_id, before=moment.isoformat()))


@transaction.atomic
def user_deactivated(*, user: User) -> None:
    """An administrator closed the account: its refresh tokens are blacklisted and every
    service refuses its tokens (the monolith also reads ``is_active`` on each request)."""
    _tokens_revoke(user_id=user.pk)
    tokens_revoked_publish(user_id=user.pk)


@transaction.atomic
def user_ensure(
    *,
    email: str,
    password: str,
    first_name: str = "",
    last_name: str = "",
    is_superuser: bool = False,
    staff_role: str = "",
) -> User:
    """Idempotent: create the user once, keep it (and its password) afterwards."""
    user = User.objects.filter(email=email.lower()).first()
    if user is not None:
        return user
    factory = User.objects.create_superuser if is_superuser else User.objects.create_user
    return factory(
        email=email,
        password=password,
        first_name=first_name,
        last_name=last_name,
        staff_role=staff_role,
        is_staff=is_superuser or bool(staff_role),
    )


@transaction.atomic
def organization_ensure(*, slug: str, name: str, kind: str) -> Organization:
    org, _created = Organization.objects.get_or_create(
        slug=slug, defaults={"name": name, "kind": kind}
    )
    return org


@transaction.atomic
def membership_ensure(*, user_id: int, organization_id: int, role: str) -> Membership:
    membership, _created = Membership.objects.get_or_create(
        user_id=user_id, organization_id=organization_id, defaults={"role": role}
    )
    return membership


@transaction.atomic
def organizations_bulk_ensure(*, rows: list[tuple[str, str, str]]) -> dict[str, int]:
    """Idempotent bulk creation of (slug, name, kind) organizations; returns slug → id."""
    Organization.objects.bulk_create(
        [Organization(slug=slug, name=name, kind=kind) for slug, name, kind in rows],
        ignore_conflicts=True,
        batch_size=1000,
    )
    slugs = [slug for slug, _name, _kind in rows]
    found: dict[str, int] = {}
    for start in range(0, len(slugs), 1000):
        found.update(
            Organization.objects.filter(slug__in=slugs[start : start + 1000]).values_list(
                "slug", "id"
            )
        )
    return found


# --- GDPR: erasure -------------------------------------------------------------------------


class ErasureRefused(Conflict):
    """This account cannot erase itself (an Eldo team account is closed by an administrator)."""


@transaction.atomic
def organization_delete(*, organization_id: int, now: datetime | None = None) -> bool:
    """Delete an organization and its memberships and invitations, and tell every context
    (``OrganizationDeleted``): they keep its id, not a foreign key, and clean up their own
    rows when the event reaches them. False when there was no such organization."""
    organization = Organization.objects.filter(pk=organization_id).first()
    if organization is None:
        return False
    kind = organization.kind
    organization.delete()  # memberships and invitations go with it (accounts' own rows)
    now = now or timezone.now()
    publish(
        OrganizationDeleted(organization_id=organization_id, kind=kind, deleted_at=now.isoformat())
    )
    return True


def erased_email(user_id: int) -> str:
    """The placeholder address of an erased account: unique, undeliverable (RFC 2606)."""
    return f"compte-supprime-{user_id}@eldo.invalid"


@transaction.atomic
def user_erase(*, user: User, password: str, now=None) -> None:
    """Erase the account's personal data (GDPR art. 17) and tell every context.

    The row stays as an anonymous tombstone (id and sign-up date) so that what other
    contexts keep on purpose — a review, a request's statistics, an audit entry — still
    points at one consistent, nameless account. Password, names, phone, e-mail and
    memberships go; every session and token stops working (inactive, new password hash,
    refresh tokens blacklisted); the notification preferences and the browsers' push
    subscriptions are deleted. Each context erases its own data when ``UserErased``
    reaches it, after commit.
    """
    if not password or not user.check_password(password):
        raise ValidationError({"password": [_("Mot de passe incorrect.")]})
    if user.is_staff or user.is_superuser or user.staff_role:
        raise ErasureRefused(
            _(
                "Un compte de l'équipe Eldo ne peut pas être supprimé depuis cet écran : "
                "demandez-le à un administrateur."
            )
        )
    now = now or timezone.now()
    email = user.email
    _tokens_revoke(user_id=user.pk)
    Membership.objects.filter(user_id=user.pk).delete()
    MembershipInvitation.objects.filter(email=email).delete()
    MagicLink.objects.filter(email=email).delete()  # sign-in links sent to the address
    EmailChangeNotice.objects.filter(user_id=user.pk).delete()  # a notice not yet sent
    # How they wanted to be alerted, and their browsers' push endpoints (device ids).
    NotificationPreference.objects.filter(user_id=user.pk).delete()
    PushSubscription.objects.filter(user_id=user.pk).delete()
    user.groups.clear()
    user.user_permissions.clear()
    user.email = erased_email(user.pk)
    user.first_name = ""
    user.last_name = ""
    user.phone = ""
    user.is_active = False
    user.last_login = None
    user.set_unusable_password()
    user.save()
    tokens_revoked_publish(user_id=user.pk, before=now)
    publish(
        UserErased(user_id=user.pk, email_sha256=email_digest(email), erased_at=now.isoformat())
    )


def _tokens_revoke(*, user_id: int) -> None:
    from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

    outstanding = OutstandingToken.objects.filter(user_id=user_id).exclude(
        blacklistedtoken__isnull=False
    )
    BlacklistedToken.objects.bulk_create(
        [BlacklistedToken(token=token) for token in outstanding], ignore_conflicts=True
    )


# --- Audit log -----------------------------------------------------------------------------


def audit_record(
    *,
    actor_id: int | None,
    action: str,
    summary: str,
    target_type: str,
    target_ref: str,
    occurred_at,
    details: dict | None = None,
) -> int:
    entry = AuditEntry.objects.create(
        actor_id=actor_id,
        action=action[:60],
        summary=summary[:300],
        target_type=target_type[:30],
        target_ref=str(target_ref)[:60],
        details=details or {},
        occurred_at=occurred_at,
    )
    return entry.pk


def audit_purge(*, now=None) -> int:
    """Delete audit entries older than AUDIT_LOG_RETENTION_DAYS."""
    from datetime import timedelta

    from django.conf import settings

    cutoff = (now or timezone.now()) - timedelta(days=settings.AUDIT_LOG_RETENTION_DAYS)
    deleted, _by_model = AuditEntry.objects.filter(occurred_at__lt=cutoff).delete()
    return deleted


def retention_purge(*, now=None) -> dict[str, int]:
    """Daily: what accounts keeps no longer than needed (docs/privacy.md).

    Audit entries past AUDIT_LOG_RETENTION_DAYS; refresh-token records past their expiry
    (they name the account and can no longer be used anyway); team invitations never
    accepted once expired or revoked (they hold the invited address); notices of address
    change never sent, after a month.
    """
    from django.db.models import Q
    from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

    now = now or timezone.now()
    _total, by_model = OutstandingToken.objects.filter(expires_at__lt=now).delete()
    invitations, _by_model = (
        MembershipInvitation.objects.filter(accepted_at__isnull=True)
        .filter(Q(expires_at__lt=now) | Q(revoked_at__isnull=False))
        .delete()
    )
    # A notice of address change is deleted once sent; one its handler never sent is
    # worthless after a month (and holds two addresses).
    notices, _by_model = EmailChangeNotice.objects.filter(
        created_at__lt=now - timedelta(days=30)
    ).delete()
    return {
        "sign_ins": sign_ins_purge(now=now),
        "audit_entries": audit_purge(now=now),
        "tokens": by_model.get(OutstandingToken._meta.label, 0),
        "team_invitations": invitations,
        "email_change_notices": notices,
    }


def sign_ins_purge(*, now: datetime | None = None) -> int:
    """Sign-ins older than SIGN_IN_RETENTION_DAYS are deleted (docs/privacy.md)."""
    from datetime import timedelta

    from django.conf import settings

    from apps.accounts.models import SignIn

    cutoff = (now or timezone.now()) - timedelta(days=settings.SIGN_IN_RETENTION_DAYS)
    deleted, _by_model = SignIn.objects.filter(created_at__lt=cutoff).delete()
    return deleted
