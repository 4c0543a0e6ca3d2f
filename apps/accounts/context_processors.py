from django.utils.functional import SimpleLazyObject


def backoffice(request):
    """`has_backoffice`: the signed-in user belongs to a company (lazy: one query if used)."""

    def member_of_a_company() -> bool:
        from apps.accounts.models import Membership

        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return False
        return Membership.objects.filter(user=user, organization__kind="company").exists()

    return {"has_backoffice": SimpleLazyObject(member_of_a_company)}
