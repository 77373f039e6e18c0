"""Charts drawn on the server as SVG: bars for counts per interval, a line for values over
time. Pure functions of the points; the page styles them (and dark mode) with CSS."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from markupsafe import Markup, escape

WIDTH, HEIGHT, PAD_LEFT, PAD_BOTTOM, PAD_TOP = 640, 180, 48, 22, 10


@dataclass(frozen=True)
class Point:
    at: datetime
    value: float


def _number(value: float) -> str:
    if value == int(value):
        return str(int(value))
    return f"{value:.3g}"


def _frame(title: str, top: float, body: list[str], first: str, last: str) -> Markup:
    plot_bottom = HEIGHT - PAD_BOTTOM
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
        f'<line class="axis" x1="{PAD_LEFT}" y1="{plot_bottom}" x2="{WIDTH}" y2="{plot_bottom}"/>',
        f'<text class="tick" x="{PAD_LEFT - 4}" y="{PAD_TOP + 8}" text-anchor="end">'
        f"{escape(_number(top))}</text>",
        f'<text class="tick" x="{PAD_LEFT - 4}" y="{plot_bottom}" text-anchor="end">0</text>',
        *body,
        f'<text class="tick" x="{PAD_LEFT}" y="{HEIGHT - 4}">{escape(first)}</text>',
        f'<text class="tick" x="{WIDTH}" y="{HEIGHT - 4}" text-anchor="end">{escape(last)}</text>',
        "</svg>",
    ]
    return Markup("".join(parts))  # noqa: S704 (every value in it is escaped above)


def _label(at: datetime) -> str:
    return at.strftime("%m-%d %H:%M")


def bars(title: str, points: Sequence[Point]) -> Markup:
    """One bar per interval; each bar's tooltip says its time and value."""
    if not points:
        return _frame(title, 0, [], "", "")
    top = max(max(point.value for point in points), 1.0)
    span = (WIDTH - PAD_LEFT) / len(points)
    plot = HEIGHT - PAD_BOTTOM - PAD_TOP
    body = []
    for index, point in enumerate(points):
        height = plot * point.value / top
        x = PAD_LEFT + index * span
        y = HEIGHT - PAD_BOTTOM - height
        body.append(
            f'<rect class="bar" x="{x:.1f}" y="{y:.1f}" width="{max(span - 1, 1):.1f}" '
            f'height="{height:.1f}" data-value="{escape(_number(point.value))}">'
            f"<title>{escape(_label(point.at))}: {escape(_number(point.value))}</title></rect>"
        )
    return _frame(title, top, body, _label(points[0].at), _label(points[-1].at))


def line(title: str, points: Sequence[Point]) -> Markup:
    """Values over time (a run's records), dots at each value."""
    if not points:
        return _frame(title, 0, [], "", "")
    low, high = min(p.value for p in points), max(p.value for p in points)
    top = high if high > low else low + 1
    base = min(low, 0.0)
    first, last = points[0].at.timestamp(), points[-1].at.timestamp()
    spread = (last - first) or 1.0
    plot = HEIGHT - PAD_BOTTOM - PAD_TOP

    def xy(point: Point) -> tuple[float, float]:
        x = PAD_LEFT + (WIDTH - PAD_LEFT - 6) * (point.at.timestamp() - first) / spread
        y = HEIGHT - PAD_BOTTOM - plot * (point.value - base) / ((top - base) or 1.0)
        return x, y

    coordinates = [xy(point) for point in points]
    path = " ".join(f"{x:.1f},{y:.1f}" for x, y in coordinates)
    body = [f'<polyline class="line" points="{path}"/>']
    body += [
        f'<circle class="dot" cx="{x:.1f}" cy="{y:.1f}" r="3" '
        f'data-value="{escape(_number(point.value))}">'
        f"<title>{escape(_label(point.at))}: {escape(_number(point.value))}</title></circle>"
        for (x, y), point in zip(coordinates, points, strict=True)
    ]
    return _frame(title, top, body, _label(points[0].at), _label(points[-1].at))
