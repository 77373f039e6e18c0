"""The server-drawn SVG charts: one mark per point, values kept for reading back, text escaped."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from modelyard.web import charts

T0 = datetime(2026, 5, 1, 8, tzinfo=UTC)


def points(*values: float) -> list[charts.Point]:
    return [charts.Point(T0 + timedelta(minutes=n), v) for n, v in enumerate(values)]


class TestBars:
    def test_each_interval_is_one_bar_carrying_its_value(self) -> None:
        drawn = str(charts.bars("Requests", points(0, 3, 1.5)))
        assert re.findall(r'data-value="([^"]+)"', drawn) == ["0", "3", "1.5"]

    def test_the_tallest_bar_fills_the_plot_and_the_others_scale_to_it(self) -> None:
        drawn = str(charts.bars("Requests", points(2, 4)))
        heights = [float(h) for h in re.findall(r'height="([\d.]+)"', drawn)]
        assert heights[1] == 2 * heights[0]
        assert heights[1] == charts.HEIGHT - charts.PAD_BOTTOM - charts.PAD_TOP

    def test_no_points_is_an_empty_frame(self) -> None:
        assert "<rect" not in str(charts.bars("Requests", []))


class TestLine:
    def test_each_value_is_a_dot_in_time_order(self) -> None:
        drawn = str(charts.line("loss", points(0.5, 0.25, 0.125)))
        assert re.findall(r'data-value="([^"]+)"', drawn) == ["0.5", "0.25", "0.125"]
        xs = [float(x) for x in re.findall(r'cx="([\d.]+)"', drawn)]
        assert xs == sorted(xs)

    def test_a_title_from_user_data_is_escaped(self) -> None:
        drawn = str(charts.line('<script>alert("x")</script>', points(1, 2)))
        assert "<script>" not in drawn
        assert "&lt;script&gt;" in drawn
