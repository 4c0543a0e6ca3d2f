"""The one way Eldo sends e-mail: a named template, rendered in French, text always, HTML too.

``send_templated(to=..., template="quotes/email/submitted", context={...})`` renders
``<template>.txt`` for the plain-text part and ``<template>.html`` for the HTML part when
that template exists; otherwise the HTML part is the text wrapped in the base layout
(``templates/email/base.html``), escaped, its addresses made into links. Both kinds of
template extend ``email/base.txt`` / ``email/base.html``, which carry the Eldo name and the
footer (site address, why the person receives the mail). The subject is the ``subject``
argument or ``<template>_subject.txt``. A missing template raises
``TemplateDoesNotExist`` before anything is sent: never an empty mail.

``site_url`` is added to every context. The sender is ``settings.DEFAULT_FROM_EMAIL``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.template import TemplateDoesNotExist
from django.template.loader import get_template, render_to_string

BASE_HTML = "email/base.html"


def _recipients(to: str | Iterable[str]) -> list[str]:
    addresses = [to] if isinstance(to, str) else list(to)
    return [address for address in addresses if address]


def _subject(template: str, context: dict[str, Any], subject: str | None) -> str:
    if subject is None:
        subject = render_to_string(f"{template}_subject.txt", context)
    # A header holds one line (a template ends with a newline); the spaces inside a line,
    # non-breaking ones before French punctuation included, stay as written.
    return " ".join(line.strip() for line in str(subject).splitlines() if line.strip())


def _html(template: str, context: dict[str, Any]) -> str:
    try:
        html = get_template(f"{template}.html")
    except TemplateDoesNotExist:
        # The text's body and reason, without its footer (the layout has its own), each
        # escaped by the layout.
        parts = {
            f"email_{part}": render_to_string(f"{template}.txt", {**context, "email_part": part})
            for part in ("body", "reason")
        }
        return render_to_string(
            BASE_HTML,
            {
                **context,
                "email_text": parts["email_body"].strip(),
                "email_reason": parts["email_reason"].strip(),
            },
        )
    return html.render(context)


def message_build(
    *,
    to: str | Iterable[str],
    template: str,
    context: Mapping[str, Any],
    subject: str | None = None,
    headers: Mapping[str, str] | None = None,
    reply_to: str | Iterable[str] | None = None,
    connection=None,
) -> EmailMultiAlternatives:
    """The message ``send_templated`` would send (its ``to`` without the empty addresses,
    so possibly none). Raises TemplateDoesNotExist at once."""
    recipients = _recipients(to)
    context = {"site_url": settings.SITE_URL, **context}
    text = render_to_string(f"{template}.txt", context)
    message = EmailMultiAlternatives(
        subject=_subject(template, context, subject),
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=recipients,
        headers=dict(headers or {}),
        reply_to=_recipients(reply_to) if reply_to else None,
        connection=connection,
    )
    message.attach_alternative(_html(template, context), "text/html")
    return message


def send_templated(
    *,
    to: str | Iterable[str],
    template: str,
    context: Mapping[str, Any],
    subject: str | None = None,
    headers: Mapping[str, str] | None = None,
    reply_to: str | Iterable[str] | None = None,
    connection=None,
    fail_silently: bool = False,
) -> int:
    """Send one e-mail to ``to`` (one address or several, all in To); returns the number
    sent (0 when every address is empty: nobody to write to)."""
    message = message_build(
        to=to,
        template=template,
        context=context,
        subject=subject,
        headers=headers,
        reply_to=reply_to,
        connection=connection,
    )
    if not message.to:  # an address erased in the meantime: nobody to write to
        return 0
    return message.send(fail_silently=fail_silently)


def send_templated_many(
    messages: Iterable[Mapping[str, Any]], *, fail_silently: bool = False
) -> int:
    """Several e-mails over one connection: each item holds ``send_templated``'s keyword
    arguments (without ``connection``). All are rendered before the first leaves, so a
    missing template sends none. Returns the number sent."""
    built = [message_build(**dict(arguments)) for arguments in messages]
    ready = [message for message in built if message.to]
    if not ready:
        return 0
    connection = get_connection(fail_silently=fail_silently)
    return connection.send_messages(ready) or 0
