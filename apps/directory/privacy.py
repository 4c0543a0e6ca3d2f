"""GDPR for the directory context: the claims ("Revendiquer ma fiche") a person made.

A claim is that person's own row (the code sent to them, the Kbis they uploaded): when
they erase their account (``accounts.UserErased``) their claims and documents go. What the
claim granted (a membership) went with the account; the company's profile stays.
"""

from __future__ import annotations

from django.core.files.storage import storages
from django.db import transaction

from apps.accounts.events import UserErased
from apps.core.events import on
from apps.directory.models import ProClaim


@on(UserErased)
def forget_claims_of_erased_user(event: UserErased) -> None:
    claims = ProClaim.objects.filter(user_id=event.user_id)
    documents = [name for name in claims.values_list("document", flat=True) if name]
    claims.delete()
    if documents:
        # The files go once the rows are gone for good (a rolled-back delete keeps both).
        transaction.on_commit(lambda: _documents_delete(documents))


def _documents_delete(names: list[str]) -> None:
    storage = storages["private"]
    for name in names:
        storage.delete(name)
