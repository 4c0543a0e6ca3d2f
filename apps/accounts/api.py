"""The accounts context's public interface: plain data in, plain data out."""

from typing import Any

from django.utils import timezone
from django.utils.dateparse import parse_datetime

from apps.accounts import backoffice, selectors, services
from apps.accounts import session_claims as sessions
from apps.accounts.contracts import (
    Actor,
    BackofficeContext,
    Identity,
    MemberRef,
    OrganizationInfo,
    OrganizationKind,
    OrgMembership,
    PartnerCredential,
    PartnerKeyRow,
    SessionClaims,
    UserRef,
)
from apps.accounts.models import User


def actor_for(user_id: int | None) -> Actor:
    """Who is calling, for authorization: the account's staff role, platform staff flag and
    memberships (one query); anonymous for None, an unknown or an inactive account."""
    return selectors.actor_for_user_id(user_id=user_id)


def identity_for_user_id(user_id: int) -> Identity | None:
    user = User.objects.filter(pk=user_id, is_active=True).first()
    return None if user is None else selectors.identity_for_user(user=user)


def session_claims(session_key: str) -> SessionClaims | None:
    """Who is signed in with this monolith session key, for a service that cannot read the
    session table (a few queries); None for an unknown or expired session or an inactive
    account."""
    return sessions.session_claims(session_key=session_key)


def organizations_by_ids(ids: list[int]) -> dict[int, OrganizationInfo]:
    return selectors.organizations_by_ids(ids=ids)


def user_names_by_ids(ids: list[int]) -> dict[int, str]:
    """{user id: full name (the e-mail when none)} of these accounts, erased ones
    included (their tombstone's name), one query: who acted, in another context's log."""
    users = User.objects.filter(pk__in=ids).only("pk", "first_name", "last_name", "email")
    return {user.pk: user.get_full_name() for user in users}


def organization_member_emails(organization_id: int) -> list[str]:
    """E-mail addresses of the active members of an organization (integrity checks)."""
    return selectors.organization_member_emails(organization_id=organization_id)


def organization_members(organization_id: int) -> list[MemberRef]:
    """Active members of an organization with their role (one query)."""
    return selectors.organization_members(organization_id=organization_id)


def user_ids_by_emails(emails: list[str]) -> dict[str, int]:
    """{e-mail: user id} of the accounts with these addresses (lower-cased), one query."""
    return dict(
        User.objects.filter(email__in=[e.lower() for e in emails]).values_list("email", "id")
    )


def organization_ids_by_slugs(slugs: list[str]) -> dict[str, int]:
    """{slug: organization id} of the organizations with these slugs, one query."""
    from apps.accounts.models import Organization

    return dict(Organization.objects.filter(slug__in=slugs).values_list("slug", "id"))


def organizations_bulk_ensure(rows: list[tuple[str, str, str]]) -> dict[str, int]:
    """(slug, name, kind) rows → {slug: organization id}; idempotent, in bulk (imports)."""
    return services.organizations_bulk_ensure(rows=rows)


def backoffice_memberships(
    *, user_id: int | None, kinds: tuple[str, ...] = (OrganizationKind.COMPANY,)
) -> list[OrgMembership]:
    """Every organization of these kinds the user belongs to (the org switcher)."""
    return backoffice.backoffice_memberships(user_id=user_id, kinds=kinds)


def backoffice_membership(
    *,
    user_id: int | None,
    kinds: tuple[str, ...] = (OrganizationKind.COMPANY,),
    requested_org_id: int | None = None,
    remembered_org_id: int | None = None,
) -> OrgMembership | None:
    """The organization a back-office page acts for: the one asked for (``?org=``), else the
    one remembered for the session, else the first — among the user's memberships of these
    kinds only; None for a user who has none."""
    return backoffice.backoffice_membership(
        user_id=user_id,
        kinds=kinds,
        requested_org_id=requested_org_id,
        remembered_org_id=remembered_org_id,
    )


def backoffice_context(
    *,
    user_id: int | None,
    section: str,
    kinds: tuple[str, ...] = (OrganizationKind.COMPANY,),
    requested_org_id: int | None = None,
    remembered_org_id: int | None = None,
) -> BackofficeContext | None:
    """Context for templates/backoffice/base.html (the organization acted for, the others
    to switch to, the role's label, the section); None when the user is no member (→ 404)."""
    return backoffice.backoffice_context(
        user_id=user_id,
        section=section,
        kinds=kinds,
        requested_org_id=requested_org_id,
        remembered_org_id=remembered_org_id,
    )


def audit_record(
    *,
    actor_id: int | None,
    action: str,
    summary: str,
    target_type: str,
    target_ref: str,
    occurred_at: str,
    details: dict[str, Any] | None = None,
) -> int:
    """Append an entry to the staff audit log (advisor and moderator actions).

    ``action`` is "<context>.<verb>" ("quotes.claim"), ``summary`` a short French sentence,
    ``target_ref`` the object's public reference, ``occurred_at`` ISO 8601. Plain data only:
    no homeowner contact in ``details``.
    """
    moment = parse_datetime(occurred_at) if occurred_at else None
    return services.audit_record(
        actor_id=actor_id,
        action=action,
        summary=summary,
        target_type=target_type,
        target_ref=target_ref,
        occurred_at=moment or timezone.now(),
        details=details,
    )


def partner_credential_for_key(key: str) -> PartnerCredential | None:
    """Whose partner API key this is (a network or a manufacturer; its last use recorded),
    or None for an unknown, expired or revoked key. The views that accept keys turn it into
    ``request.auth``; behind the gateway tomorrow, the same contract can come from Kong's
    key-auth instead."""
    from apps.accounts.authentication import partner_credential_for_key as lookup

    return lookup(key)


def alert_recipients(organization_id: int) -> list:
    """``contracts.AlertRecipient`` per active member of the organization: address, phone,
    the channels they chose for new leads and their Web Push targets (three queries)."""
    from apps.accounts import notifications

    return notifications.alert_recipients(organization_id=organization_id)


def push_subscription_forget(endpoint: str) -> int:
    """The push service answered 404/410 for this endpoint: the subscription is removed."""
    from apps.accounts import notifications

    return notifications.push_subscription_remove(user=None, endpoint=endpoint)


def device_hash(cookie_value: str) -> str:
    """The hash of a browser's device cookie (``contracts.DEVICE_COOKIE``, set at sign-in;
    "" without one): compare it with ``member_sign_in_matches``."""
    return selectors.device_hash(cookie_value[:64])


def member_sign_in_matches(*, organization_id: int, ip: str | None, device_hash: str) -> bool:
    """Did a member of this organization sign in from this address or this browser in the
    last 90 days? (The review checks: a pro writing its own reviews.)"""
    return selectors.member_sign_in_matches(
        organization_id=organization_id, ip=ip, device_hash=device_hash
    )


def magic_link_url(*, email: str, next_path: str = "/mes-projets/") -> str:
    """A single-use sign-in link for ``email`` (absolute URL, valid seven days): following
    it opens the account of that address — created without a password the first time —
    and marks the address verified. For e-mails to homeowners (quote confirmation)."""
    from apps.accounts.magic_links import magic_link_create

    return magic_link_create(email=email, next_path=next_path)


def verified_email_for_user_id(user_id: int) -> str | None:
    """The user's address if they proved they read it (magic link, sign-up link), else None:
    what a homeowner's requests and reviews are matched on."""
    row = (
        User.objects.filter(pk=user_id, is_active=True, email_verified_at__isnull=False)
        .values_list("email", flat=True)
        .first()
    )
    return row


def signup_user_create(
    *, email: str, password: str, first_name: str = "", last_name: str = "", phone: str = ""
) -> int:
    """A new account (address not verified yet): ValidationError per field — address already
    used (French), password refused by the validators."""
    from django.contrib.auth import password_validation
    from django.core.exceptions import ValidationError

    email = (email or "").strip().lower()
    errors: dict[str, list[str]] = {}
    if User.objects.filter(email=email).exists():
        errors["email"] = ["Un compte Eldo existe déjà avec cette adresse : connectez-vous."]
    try:
        password_validation.validate_password(password, user=User(email=email))
    except ValidationError as exc:
        errors["password"] = list(exc.messages)
    if errors:
        raise ValidationError(errors)
    user = User.objects.create_user(
        email=email,
        password=password,
        first_name=first_name[:150],
        last_name=last_name[:150],
        phone=phone[:20],
    )
    return user.pk


def organization_create(*, name: str, kind: str) -> tuple[int, str]:
    """A new organization with a unique slug derived from ``name``: (id, slug)."""
    from django.utils.text import slugify

    from apps.accounts.models import Organization

    base = slugify(name)[:180] or "entreprise"
    slug, n = base, 1
    while Organization.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    organization = Organization.objects.create(name=name[:200], slug=slug, kind=kind)
    return organization.pk, slug


def membership_add(*, user_id: int, organization_id: int, role: str) -> None:
    """Make the user a member of the organization (idempotent; an existing role is kept)."""
    services.membership_ensure(user_id=user_id, organization_id=organization_id, role=role)


def email_verification_send(*, user_id: int, next_path: str = "/mes-projets/") -> bool:
    """E-mail the account a single-use link that verifies its address (seven days)."""
    from apps.accounts.magic_links import email_verification_send as send

    return send(user_id=user_id, next_path=next_path)


def _partner_key_row(key) -> PartnerKeyRow:
    return {
        "prefix": key.prefix,
        "name": key.name,
        "created": key.created,
        "expires_at": key.expiry_date,
        "revoked": key.revoked,
        "last_used_at": getattr(key, "last_used_at", None),
    }


def partner_keys(organization_id: int) -> list[PartnerKeyRow]:
    """The partner API keys of a network or manufacturer, newest first, as plain data
    (prefix, name, created, expires_at, revoked, last_used_at) — never the key itself."""
    from apps.accounts import partner_keys as keys

    return [_partner_key_row(k) for k in keys.partner_api_keys(organization_id=organization_id)]


def partner_key_create(
    *, organization_id: int, name: str, created_by_id: int
) -> tuple[PartnerKeyRow, str]:
    """A new key for the organization: (its row, the clear key — shown once, never stored).
    A bad name or an organization that is not a network → ValidationError by field."""
    from apps.accounts import partner_keys as keys

    key, clear = keys.partner_api_key_create(
        organization_id=organization_id, name=name, created_by_id=created_by_id
    )
    return _partner_key_row(key), clear


def company_credential_for_key(key: str) -> PartnerCredential | None:
    """Whose key this is when it belongs to a pro company (its own quoting or invoicing
    tool), None for any other key: a company's key opens the review-invitation endpoint
    only, a partner's key never opens it."""
    from apps.accounts.authentication import company_credential_for_key as lookup

    return lookup(key)


def company_key_create(
    *, organization_id: int, name: str, created_by_id: int
) -> tuple[PartnerKeyRow, str]:
    """A new key for a pro company's own tools: (its row, the clear key — shown once).
    ``partner_keys`` lists them and ``partner_key_revoke`` revokes them."""
    from apps.accounts import partner_keys as keys
    from apps.accounts.authentication import COMPANY_KINDS

    key, clear = keys.partner_api_key_create(
        organization_id=organization_id,
        name=name,
        created_by_id=created_by_id,
        kinds=COMPANY_KINDS,
    )
    return _partner_key_row(key), clear


def partner_key_revoke(*, organization_id: int, prefix: str) -> None:
    """Revoke one of the organization's keys, for good (another's: NotFound)."""
    from apps.accounts import partner_keys as keys

    keys.partner_api_key_revoke(organization_id=organization_id, prefix=prefix)


def users_by_ids(ids: list[int]) -> dict[int, UserRef]:
    """{user id: UserRef} of these accounts, erased ones included (nameless), one query."""
    users = User.objects.filter(pk__in=ids).only("pk", "first_name", "last_name", "email")
    return {u.pk: UserRef(user_id=u.pk, email=u.email, full_name=u.get_full_name()) for u in users}
