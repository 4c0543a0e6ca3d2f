"""Geometry of the server-drawn line chart (templates/components/chart_line.html).

``line_chart`` turns labelled series into SVG coordinates in a fixed viewBox, with
"nice" y-axis ticks and a readable number of x labels; the component draws it and adds the
same figures as a table. No JavaScript, no chart library.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

WIDTH, HEIGHT = 640, 240
LEFT, RIGHT, TOP, BOTTOM = 48, 12, 12, 28
MAX_X_LABELS = 8


def _nice_ceiling(value: float) -> float:
    """The smallest 1, 2, 2.5 or 5 × 10ⁿ at least ``value`` (an axis maximum people read)."""
    if value <= 0:
        return 1
    magnitude = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10 * magnitude


def _count_axis(value: float) -> tuple[int, int]:
    """Counts: an integer maximum (1, 2 or 5 × 10ⁿ) and a number of intervals that divides
    it, so every tick is a whole number (no "1,2 / 2,5" requests)."""
    top = max(math.ceil(value), 1)
    magnitude = 10 ** math.floor(math.log10(top))
    for step in (1, 2, 5, 10):
        if top <= step * magnitude:
            top = step * magnitude
            break
    intervals = next(n for n in (4, 5, 2, 1) if top % n == 0)
    return top, intervals


def _fr(value: float, decimals: int) -> str:
    text = f"{value:,.{decimals}f}".replace(",", "\u202f").replace(".", ",")
    return text


def line_chart(
    *,
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None]]],
    decimals: int = 0,
    max_value: float | None = None,
) -> dict:
    """``series``: (name, one value per label; None = no point) pairs."""
    count = len(labels)
    values = [v for _name, vs in series for v in vs if v is not None]
    highest = max_value if max_value is not None else max(values, default=0)
    if decimals == 0:
        top, intervals = _count_axis(highest)
    else:
        top, intervals = _nice_ceiling(highest), 4
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(i: int) -> float:
        return LEFT + (plot_w * i / (count - 1) if count > 1 else plot_w / 2)

    def y(v: float) -> float:
        return TOP + plot_h * (1 - min(max(v / top, 0), 1))

    drawn = []
    for index, (name, vs) in enumerate(series, start=1):
        points = [(x(i), y(v)) for i, v in enumerate(vs) if v is not None]
        drawn.append(
            {
                "name": name,
                "index": index,
                "points": " ".join(f"{px:.1f},{py:.1f}" for px, py in points),
                "dots": [{"x": f"{px:.1f}", "y": f"{py:.1f}"} for px, py in points]
                if len(points) <= 31
                else [],
            }
        )
    every = max(math.ceil(count / MAX_X_LABELS), 1)
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "plot_left": LEFT,
        "plot_right": WIDTH - RIGHT,
        "plot_bottom": TOP + plot_h,
        "series": drawn,
        "y_ticks": [
            {
                "y": f"{y(top * k / intervals):.1f}",
                "label": _fr(
                    top * k / intervals, 0 if decimals == 0 or top % intervals == 0 else 1
                ),
            }
            for k in range(intervals + 1)
        ],
        "x_ticks": [{"x": f"{x(i):.1f}", "label": labels[i]} for i in range(0, count, every)],
        "rows": [
            {
                "label": label,
                "values": ["—" if vs[i] is None else _fr(vs[i], decimals) for _name, vs in series],
            }
            for i, label in enumerate(labels)
        ],
        "empty": not values or not any(values),
    }
