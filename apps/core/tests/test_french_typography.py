"""French typography in the design system: no line starting with "?", whole numbers,
"à l'instant"."""

from datetime import timedelta

from django.template import Context, Template
from django.utils import timezone

from apps.core.templatetags.eldo_ui import ago, fr_typo


def test_no_break_spaces_before_double_punctuation_and_inside_numbers():
    assert fr_typo("Être rappelé ? Oui : 10 500 pros ; 12 € !") == (
        "Être rappelé\xa0? Oui\xa0: 10\xa0500 pros\xa0; 12\xa0€\xa0!"
    )
    assert fr_typo("« Super »") == "«\xa0Super\xa0»"
    assert fr_typo(None) == ""


def test_fr_typo_keeps_escaping():
    html = Template("{% load eldo_ui %}{{ text|fr_typo }}").render(
        Context({"text": "<b>Quoi</b> ?"})
    )
    assert html == "&lt;b&gt;Quoi&lt;/b&gt;\xa0?"


def test_page_header_title_never_starts_a_line_with_a_question_mark():
    html = Template('{% include "components/page_header.html" with title=t %}').render(
        Context({"t": "Vous préférez être rappelé ?"})
    )
    assert "rappelé\xa0?</h1>" in html


def test_under_a_minute_is_a_l_instant():
    now = timezone.now()
    assert ago(now - timedelta(seconds=20), now) == "à l'instant"
    assert ago(now - timedelta(minutes=3), now).startswith("il y a 3")
    assert "0 minute" not in ago(now, now)
