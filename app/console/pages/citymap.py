"""The demo city's districts as a plain inline SVG, with complaints drawn as numbered points.

No tiles, no internet: each district is drawn as an ellipse around its streets' centres, and points
are projected from WGS84 (equirectangular, scaled by the cosine of the middle latitude, which is
exact enough across a city).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from app.city import services as city

WIDTH = 640
PAD_DEG = 0.012  # around a district's streets
MARGIN = 24  # pixels around everything


@dataclass(frozen=True)
class Shape:
    """A district's ellipse and its name's position."""

    name: str
    cx: float
    cy: float
    rx: float
    ry: float


@dataclass(frozen=True)
class Marker:
    """A complaint's point: its number in the legend, and whether it is the one the page is about."""

    number: int
    x: float
    y: float
    this: bool
    complaint: object


@dataclass(frozen=True)
class CityMap:
    """What the template draws."""

    width: int
    height: int
    districts: list[Shape]
    markers: list[Marker]


def draw(complaints: list) -> CityMap:
    """The districts and the complaints that have a place (the first is the page's own)."""
    districts = []
    for district in city.list_districts():
        points = [(s.center_lat, s.center_lng) for s in district.streets if s.center_lat is not None]
        if points:
            districts.append((district.name, points))
    placed = [c for c in complaints if c.lat is not None and c.lng is not None]
    lats = [lat for _, pts in districts for lat, _ in pts] + [c.lat for c in placed]
    lngs = [lng for _, pts in districts for _, lng in pts] + [c.lng for c in placed]
    if not lats:
        return CityMap(WIDTH, WIDTH // 2, [], [])
    north, south = max(lats) + PAD_DEG, min(lats) - PAD_DEG
    west, east = min(lngs) - PAD_DEG, max(lngs) + PAD_DEG
    squeeze = math.cos(math.radians((north + south) / 2))
    scale = (WIDTH - 2 * MARGIN) / ((east - west) * squeeze)
    height = round((north - south) * scale + 2 * MARGIN)

    def project(lat: float, lng: float) -> tuple[float, float]:
        return (
            round(MARGIN + (lng - west) * squeeze * scale, 1),
            round(MARGIN + (north - lat) * scale, 1),
        )

    shapes = []
    for name, points in districts:
        top_left = project(
            max(p[0] for p in points) + PAD_DEG * 0.8, min(p[1] for p in points) - PAD_DEG * 0.8
        )
        bottom_right = project(
            min(p[0] for p in points) - PAD_DEG * 0.8, max(p[1] for p in points) + PAD_DEG * 0.8
        )
        cx, cy = (top_left[0] + bottom_right[0]) / 2, (top_left[1] + bottom_right[1]) / 2
        rx, ry = (bottom_right[0] - top_left[0]) / 2, (bottom_right[1] - top_left[1]) / 2
        shapes.append(Shape(name, round(cx, 1), round(cy, 1), round(rx, 1), round(ry, 1)))
    markers = [
        Marker(number, *project(c.lat, c.lng), this=index == 0 and c is complaints[0], complaint=c)
        for index, (number, c) in enumerate(enumerate(placed, start=1))
    ]
    return CityMap(WIDTH, height, shapes, markers)
