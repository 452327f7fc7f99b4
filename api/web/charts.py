"""Horizontal bar charts drawn on the server as inline SVG: no script, no third-party library.

`bar_chart` computes the geometry; the template `macros.html` draws it with presentation attributes
(which the page's CSP allows) and CSS classes for colour.
"""

from __future__ import annotations

from dataclasses import dataclass

LABEL_WIDTH = 150  # room for the label left of the bars, in SVG units
BAR_AREA = 300
VALUE_ROOM = 50
ROW_HEIGHT = 30
BAR_HEIGHT = 20


@dataclass(frozen=True)
class Bar:
    key: str
    label: str
    value: int
    y: int
    width: int
    href: str | None


@dataclass(frozen=True)
class BarChart:
    title: str
    bars: tuple[Bar, ...]
    width: int
    height: int
    label_width: int = LABEL_WIDTH
    bar_height: int = BAR_HEIGHT

    @property
    def total(self) -> int:
        return sum(bar.value for bar in self.bars)


def bar_chart(title: str, rows: list[tuple[str, str, int, str | None]]) -> BarChart:
    """A chart of `rows` (key, label, value, link), bars scaled to the largest value."""
    largest = max((value for _, _, value, _ in rows), default=0) or 1
    bars = tuple(
        Bar(key, label, value, index * ROW_HEIGHT, round(BAR_AREA * value / largest), href)
        for index, (key, label, value, href) in enumerate(rows)
    )
    return BarChart(title, bars, LABEL_WIDTH + BAR_AREA + VALUE_ROOM, max(1, len(bars)) * ROW_HEIGHT)
