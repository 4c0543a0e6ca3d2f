"""The domain errors every context's services raise, and what each means at the edge.

A service says *what* went wrong (``NotFound``, ``Conflict``…) with a French message for the
person who triggered it; the edge decides how to say it: ``apps.core.api_support``'s
exception handler answers the API with the error's ``http_status`` and
``{"detail": message, "code": code}`` (plus field errors, DRF's ``{field: [messages]}``),
``apps.core.error_pages.DomainErrorMiddleware`` answers pages with the 404 page or a French
message. Plain Python: importable from any layer, no Django HTTP machinery.

``FacadeUnavailable`` is not a domain error: another context, reached over HTTP
(``apps.core.remote_facades``), did not answer. Pages that can do without it catch it and
degrade; anywhere else it is a 500, as a database that does not answer would be.
"""


class DomainError(Exception):
    """A refusal the user can understand. ``message`` is French; ``code`` is stable (clients
    may branch on it); ``errors`` holds field-level messages (``{field: [messages]}``)."""

    status = 400
    code = "error"
    default_message = "Action impossible."

    def __init__(
        self,
        message: str | None = None,
        *,
        code: str | None = None,
        errors: dict[str, list[str]] | None = None,
    ):
        self.message = message if message is not None else self.default_message
        super().__init__(self.message)
        if code is not None:
            self.code = code
        self.errors = {field: list(messages) for field, messages in (errors or {}).items()}

    @property
    def http_status(self) -> int:
        """The status the edge answers with: the class's, unless the instance knows better."""
        return self.status


class NotFound(DomainError):
    """Unknown, or not the caller's to see: indistinguishable on purpose."""

    status = 404
    code = "not_found"
    default_message = "Non trouvé."


class Conflict(DomainError):
    """The object's current state does not allow this action."""

    status = 409
    code = "conflict"
    default_message = "Transition d'état impossible."


class InvalidInput(DomainError):
    """Input the service refuses, with the reason per field when there is one."""

    status = 400
    code = "invalid"
    default_message = "Requête invalide."


class PermissionDenied(DomainError):
    """The caller is known but this action is not theirs to take."""

    status = 403
    code = "permission_denied"
    default_message = "Vous n'avez pas la permission d'effectuer cette action."


class LimitReached(DomainError):
    """A quota or a rate is spent: the same action works later."""

    status = 429
    code = "limit_reached"
    default_message = "Limite atteinte : réessayez plus tard."


class Gone(DomainError):
    """A link that can no longer be used (expired, already used): 410. One whose ``code`` is
    ``invalid`` (forged, unknown) is a 404: nothing says it ever existed."""

    status = 410
    code = "gone"
    default_message = "Ce lien n'est plus valable."

    @property
    def http_status(self) -> int:
        return NotFound.status if self.code == "invalid" else self.status


class FacadeUnavailable(Exception):
    """A context reached over HTTP did not answer usefully: connection refused, timeout,
    a 5xx, or an answer that breaks the contract. Not a DomainError: nothing the user did
    wrong, so no page turns it into a 404."""

    def __init__(self, context: str, reason: str):
        self.context = context
        self.reason = reason
        super().__init__(f"facade {context!r} unavailable: {reason}")
