"""Fractional ratings are drawn exactly: 4.5 is four stars and a half, 4.3 four stars and
30 % of the fifth, 1.0 one star — in the design system's component and in the widget."""

from __future__ import annotations

import re

import pytest
from django.template import Context, Template

from apps.reviews.models import ProReviewStats

STAR = re.compile(
    r'<svg class="star star--(?P<state>\w+)"[^>]*data-fill="(?P<fill>\d+)">'
    r'(?:<polygon class="star__bg"[^>]*/>)'
    r'(?:<svg class="star__clip" x="0" y="0" width="(?P<width>[\d.]+)")?'
)


def _stars(html: str) -> list[tuple[str, int, float]]:
    return [
        (m["state"], int(m["fill"]), float(m["width"]) if m["width"] else 0.0)
        for m in STAR.finditer(html)
    ]


def _render(rating) -> str:
    return Template('{% include "components/rating_stars.html" %}').render(
        Context({"rating": rating})
    )


@pytest.mark.parametrize(
    ("rating", "expected"),
    [
        (4.5, [("full", 100, 24)] * 4 + [("half", 50, 12)]),
        (4.3, [("full", 100, 24)] * 4 + [("partial", 30, 7.2)]),
        (1.0, [("full", 100, 24)] + [("empty", 0, 0)] * 4),
    ],
)
def test_the_component_fills_each_star_exactly(rating, expected):
    html = _render(rating)
    assert _stars(html) == expected
    visible = f"{rating:.1f}".replace(".", ",")
    assert f"Note : {visible} sur 5" in html


def test_the_rounding_follows_the_decimal_shown():
    # 4.26 is shown "4,3": the fifth star is filled to 30 %, not 26 % nor a half.
    assert _stars(_render(4.26))[4] == ("partial", 30, 7.2)
    assert _stars(_render(4.96))[4] == ("full", 100, 24)


@pytest.mark.django_db
def test_the_widget_draws_four_and_a_half_stars_not_five(client, pro):
    ProReviewStats.objects.update_or_create(
        pro_id=pro.id, defaults={"count": 2, "rating_sum": 9, "average": 4.5, "score": 4.5}
    )
    html = client.get(f"/widget/{pro.slug}/").content.decode()
    head = html.split('class="w__list"', 1)[0]
    assert _stars(head) == [("full", 100, 24)] * 4 + [("half", 50, 12)]
    assert "★" not in html
