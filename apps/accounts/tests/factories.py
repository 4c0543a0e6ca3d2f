"""factory_boy factories of the accounts context (users, organizations, memberships)."""

import factory
from factory.django import DjangoModelFactory, Password

from apps.accounts.models import (
    MemberRole,
    Membership,
    Organization,
    OrganizationKind,
    StaffRole,
    User,
)

PASSWORD = "Chantier-Toiture-2024!"


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("email",)

    email = factory.Sequence(lambda n: f"utilisateur{n}@exemple.fr")
    password = Password(PASSWORD)
    first_name = "Camille"
    last_name = factory.Sequence(lambda n: f"Martin{n}")
    is_active = True

    class Params:
        advisor = factory.Trait(staff_role=StaffRole.ADVISOR, is_staff=True)
        moderator = factory.Trait(staff_role=StaffRole.MODERATOR, is_staff=True)


class OrganizationFactory(DjangoModelFactory):
    class Meta:
        model = Organization
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Toitures Dupont {n}")
    slug = factory.Sequence(lambda n: f"toitures-dupont-{n}")
    kind = OrganizationKind.COMPANY
    is_active = True


class MembershipFactory(DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organization = factory.SubFactory(OrganizationFactory)
    role = MemberRole.OWNER
