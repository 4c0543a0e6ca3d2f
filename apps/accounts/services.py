from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.events import PasswordChanged
from apps.accounts.models import Membership, Organization, User
from apps.core.events import publish


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
    publish(PasswordChanged(user_id=user.pk, changed_at=timezone.now().isoformat()))


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
