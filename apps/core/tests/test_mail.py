"""apps.core.mail: every e-mail has its text, an HTML part in the one base layout with the
context escaped, the headers it was given, and no mail leaves when a template is missing."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.template import TemplateDoesNotExist

from apps.core.mail import send_templated, send_templated_many

REPO = Path(__file__).resolve().parents[3]

TEMPLATES = {
    "probe/email/plain.txt": (
        '{% extends "email/base.txt" %}{% block content %}Bonjour {{ name }},\n\n'
        "Votre demande est prête : {{ link }}{% endblock %}"
        "{% block reason %}Vous avez écrit à {{ name }}.{% endblock %}"
    ),
    "probe/email/plain_subject.txt": "Demande de {{ name }}\n",
    "probe/email/rich.txt": (
        '{% extends "email/base.txt" %}{% block content %}Bonjour {{ name }}{% endblock %}'
    ),
    "probe/email/rich.html": (
        '{% extends "email/base.html" %}{% block content %}<p>Bonjour <strong>{{ name }}'
        "</strong></p>{% endblock %}{% block reason %}Vous êtes client.{% endblock %}"
    ),
    "probe/email/no_text.html": '{% extends "email/base.html" %}',
}


@pytest.fixture
def probe_templates(settings):
    engine = dict(settings.TEMPLATES[0])
    engine["APP_DIRS"] = False
    engine["OPTIONS"] = {
        **engine["OPTIONS"],
        "loaders": [
            ("django.template.loaders.locmem.Loader", TEMPLATES),
            "django.template.loaders.filesystem.Loader",
            "django.template.loaders.app_directories.Loader",
        ],
    }
    settings.TEMPLATES = [engine]


def _html(message) -> str:
    (html, mimetype) = message.alternatives[0]
    assert mimetype == "text/html"
    return html


def test_text_only_template_gets_the_base_layout_in_both_parts(probe_templates, mailoutbox):
    sent = send_templated(
        to="camille@exemple.fr",
        template="probe/email/plain",
        context={"name": "Camille", "link": "https://eldo.example/suivi/abc/"},
    )
    assert sent == 1
    (message,) = mailoutbox
    assert message.subject == "Demande de Camille"
    assert message.to == ["camille@exemple.fr"]
    assert message.from_email == django_settings.DEFAULT_FROM_EMAIL
    # The text part: the body, then the layout's footer with the site and the reason.
    assert message.body.startswith("Bonjour Camille,\n\nVotre demande est prête : https://")
    assert f"L'équipe Eldo\n{django_settings.SITE_URL}\n" in message.body
    assert message.body.endswith("\nVous avez écrit à Camille.\n")
    html = _html(message)
    assert '<html lang="fr">' in html and 'style="' in html and "<link" not in html
    assert '<a href="https://eldo.example/suivi/abc/"' in html  # the text's link is a link
    assert html.count("L'équipe Eldo") == 1  # the text's footer is not repeated
    assert html.count("Vous avez écrit à Camille.") == 1  # its reason is the layout's
    assert f'<a href="{django_settings.SITE_URL}"' in html


def test_context_values_are_escaped_in_the_html_part(probe_templates, mailoutbox):
    name = "<script>alert(1)</script>"
    send_templated(to="a@exemple.fr", template="probe/email/rich", context={"name": name},
                   subject="Bonjour")  # fmt: skip
    send_templated(
        to="a@exemple.fr", template="probe/email/plain", context={"name": name, "link": ""}
    )
    for message in mailoutbox:
        html = _html(message)
        assert "<script>" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
        assert name in message.body  # plain text is not HTML: shown as typed


def test_an_html_template_fills_the_base_layout(probe_templates, mailoutbox):
    send_templated(
        to=["a@exemple.fr", "", "b@exemple.fr"],
        template="probe/email/rich",
        context={"name": "Camille"},
        subject="Bonjour\nCamille\u202f!",
        reply_to="conseil@eldo.fr",
    )
    (message,) = mailoutbox
    assert message.to == ["a@exemple.fr", "b@exemple.fr"]
    assert message.subject == "Bonjour Camille\u202f!"
    assert message.reply_to == ["conseil@eldo.fr"]
    html = _html(message)
    assert "<strong>Camille</strong>" in html and "Eldo<span" in html
    assert "Vous êtes client." in html and "liée à un compte" not in html


def test_headers_pass_through_unchanged(probe_templates, mailoutbox):
    headers = {
        "List-Unsubscribe": "<https://eldo.example/desinscription/abc/>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }
    send_templated(to="a@exemple.fr", template="probe/email/rich", context={"name": "A"},
                   subject="S", headers=headers)  # fmt: skip
    message = mailoutbox[0].message()
    assert message["List-Unsubscribe"] == "<https://eldo.example/desinscription/abc/>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


@pytest.mark.parametrize(
    ("template", "subject"),
    [
        ("probe/email/absent", "Sujet"),  # no text
        ("probe/email/no_text", "Sujet"),  # an HTML part but no text
        ("probe/email/rich", None),  # no subject, neither given nor templated
    ],
)
def test_a_missing_template_raises_and_sends_nothing(probe_templates, mailoutbox, template,
                                                     subject):  # fmt: skip
    with pytest.raises(TemplateDoesNotExist):
        send_templated(to="a@exemple.fr", template=template, context={"name": "A"},
                       subject=subject)  # fmt: skip
    assert mailoutbox == []


def test_nobody_to_write_to_sends_nothing(probe_templates, mailoutbox):
    assert send_templated(to="", template="probe/email/rich", context={}, subject="S") == 0
    assert mailoutbox == []


def test_many_are_all_rendered_before_any_leaves(probe_templates, mailoutbox):
    one = {"to": "a@exemple.fr", "template": "probe/email/rich", "context": {"name": "A"},
           "subject": "S"}  # fmt: skip
    with pytest.raises(TemplateDoesNotExist):
        send_templated_many([one, {**one, "template": "probe/email/absent"}])
    assert mailoutbox == []
    assert send_templated_many([one, {**one, "to": "b@exemple.fr"}]) == 2
    assert [m.to for m in mailoutbox] == [["a@exemple.fr"], ["b@exemple.fr"]]


# --- One way to send ------------------------------------------------------------------------

FORBIDDEN = {"send_mail", "EmailMultiAlternatives", "EmailMessage"}


def _direct_mail_imports(source: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.module == "django.core.mail":
            found += [alias.name for alias in node.names if alias.name in FORBIDDEN | {"*"}]
        elif isinstance(node, ast.ImportFrom) and node.module == "django.core":
            found += [f"django.core.{a.name}" for a in node.names if a.name == "mail"]
        elif isinstance(node, ast.Import):
            found += [a.name for a in node.names if a.name == "django.core.mail"]
    return found


def test_the_scan_sees_every_way_of_importing_the_mail_classes():
    assert _direct_mail_imports("from django.core.mail import send_mail as s") == ["send_mail"]
    assert _direct_mail_imports("def f():\n    from django.core.mail import EmailMessage\n")
    assert _direct_mail_imports("from django.core import mail")
    assert _direct_mail_imports("import django.core.mail")
    assert not _direct_mail_imports("from django.core.mail import get_connection")


def test_only_core_mail_sends_email():
    offenders = []
    for path in sorted((REPO / "apps").rglob("*.py")):
        relative = path.relative_to(REPO)
        if "tests" in relative.parts or relative == Path("apps/core/mail.py"):
            continue
        if imports := _direct_mail_imports(path.read_text(encoding="utf-8")):
            offenders.append(f"{relative}: {', '.join(imports)}")
    assert offenders == [], "send e-mail through apps.core.mail.send_templated"


def test_every_email_template_extends_the_base_layout():
    templates = [
        *REPO.glob("apps/*/templates/*/email/*.txt"),
        *REPO.glob("apps/*/templates/*/email/*.html"),
    ]
    assert templates
    wrong = [
        str(path.relative_to(REPO))
        for path in templates
        if not path.name.endswith("_subject.txt")
        and not re.match(
            r'\{% extends "email/base\.' + path.suffix[1:] + r'" %\}', path.read_text()
        )
    ]
    assert wrong == []
