from django.utils.functional import SimpleLazyObject


def backoffice(request):
    """`has_backoffice`: the signed-in user belongs to a company (lazy: one query if used,
    shared with the account menu)."""

    def member_of_a_company() -> bool:
        from apps.accounts.models import OrganizationKind
        from apps.accounts.navigation import organization_kinds

        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return False
        return any(kind == OrganizationKind.COMPANY for kind, _ in organization_kinds(user))

    return {"has_backoffice": SimpleLazyObject(member_of_a_company)}


def account_menu(request):
    """`account_menu`: the entries of the header's account menu for the signed-in person's
    roles (lazy: computed only when a page shows the menu)."""

    def entries():
        from apps.accounts.navigation import menu_for

        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return []
        return menu_for(user)

    return {"account_menu": SimpleLazyObject(entries)}
