"""Bar charts drawn on the server as SVG: a rate per group, its share as the bar, the figures as text.

No charting library: a bar is a rectangle whose width is the rate, which SVG draws without a script
(the console's CSP allows none inline, and none is needed). Each chart is an image with a title and a
description for screen readers, and the page puts the same figures in a table beside it.
"""

from __future__ import annotations

from dataclasses import dataclass

LABEL_WIDTH = 220
BAR_WIDTH = 360
ROW_HEIGHT = 26
VALUE_GAP = 8


@dataclass(frozen=True)
class Bar:
    """One row of a chart: the group's name, its rate (None: nothing to divide by) and its geometry."""

    label: str
    rate: float | None
    y: int
    width: float
    text: str


@dataclass(frozen=True)
class Chart:
    """A horizontal bar chart of one rate over the groups of a series."""

    title: str
    field: str
    bars: list[Bar]
    width: int
    height: int
    label_width: int = LABEL_WIDTH
    bar_width: int = BAR_WIDTH

    @property
    def description(self) -> str:
        """The chart in words, for screen readers: each group and its rate."""
        return "; ".join(f"{bar.label}: {bar.text}" for bar in self.bars)


def percent(rate: float | None) -> str:
    """A rate as the charts and tables show it: ``87.5%``, or an em dash when there is none."""
    return "—" if rate is None else f"{rate * 100:.1f}%"


def bars(points, field: str, title: str) -> Chart:
    """A chart of ``field`` (a rate between 0 and 1, or None) for each point of a series."""
    drawn = []
    for index, point in enumerate(points):
        rate = getattr(point, field)
        width = 0.0 if rate is None else round(BAR_WIDTH * max(0.0, min(rate, 1.0)), 1)
        drawn.append(Bar(point.label, rate, index * ROW_HEIGHT, width, percent(rate)))
    height = max(len(drawn), 1) * ROW_HEIGHT + 4
    return Chart(title, field, drawn, LABEL_WIDTH + BAR_WIDTH + 80, height)
