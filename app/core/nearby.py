"""One nearby search for every domain: parking lots, merchants, providers, service halls.

A place stores its WGS84 point and the H3 cells (Uber's hexagonal grid) it lies in at two
resolutions, each an indexed column. A search turns the circle into the set of cells that cover it
(a few dozen) and asks the database for rows in those cells — an index look-up on SQLite and
PostgreSQL alike, so its cost follows the places near the centre, not the size of the table — then
keeps those truly within the radius, nearest first.

Use it in three steps::

    class Lot(IdMixin, Located, db.Model): ...          # lat, lng, cell_fine, cell_coarse
    lot.place_at(point)                                 # when creating or moving it
    found = nearby(db.select(Lot).where(Lot.active), Lot, centre, radius_m=1000, limit=20)

``found`` is a list of ``Near(row, distance_m)``. Add ``NearbyArgsSchema`` fields to a list's query
schema (``near=lat,lng``, ``radius``, ``coord_system``) for the HTTP side.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import h3
import marshmallow as ma
from flask_babel import gettext
from sqlalchemy import Float, Select, String
from sqlalchemy.orm import Mapped, mapped_column

from app.core.geo import Point, distance_m, gcj02_to_wgs84
from app.core.validation import Range
from app.extensions import db

FINE, COARSE = 9, 7  # about 200 m and 1.4 km hexagon edges
FINE_UP_TO_M = 2_000  # radii up to this use the fine cells
MAX_RADIUS_M = 20_000
MAX_CANDIDATES = 5_000  # rows read from the covering cells before the exact distance check


class Located:
    """A place with a point and its cells (mix into a model)."""

    lat: Mapped[float] = mapped_column(Float)
    lng: Mapped[float] = mapped_column(Float)
    cell_fine: Mapped[str] = mapped_column(String(16), index=True)
    cell_coarse: Mapped[str] = mapped_column(String(16), index=True)

    @property
    def point(self) -> Point:
        """Where it is (WGS84)."""
        return Point(self.lat, self.lng)

    def place_at(self, point: Point) -> None:
        """Put it at ``point`` (WGS84), with its cells."""
        self.lat, self.lng = point.lat, point.lng
        self.cell_fine = h3.latlng_to_cell(point.lat, point.lng, FINE)
        self.cell_coarse = h3.latlng_to_cell(point.lat, point.lng, COARSE)


@dataclass(frozen=True)
class Near:
    """A row found near the centre, and how far it is."""

    row: Any
    distance_m: float


def covering_cells(centre: Point, radius_m: float) -> tuple[int, set[str]]:
    """The resolution to search at and the cells whose hexagons cover the circle."""
    resolution = FINE if radius_m <= FINE_UP_TO_M else COARSE
    edge = h3.average_hexagon_edge_length(resolution, "m")
    rings = math.ceil((radius_m + 2 * edge) / (1.5 * edge))  # every cell a point of the circle can be in
    origin = h3.latlng_to_cell(centre.lat, centre.lng, resolution)
    return resolution, set(h3.grid_disk(origin, rings))


def nearby(stmt: Select, model, centre: Point, *, radius_m: float, limit: int | None = None) -> list[Near]:
    """Rows of ``stmt`` (a select of a ``Located`` model) within ``radius_m`` of ``centre``, nearest first."""
    resolution, cells = covering_cells(centre, min(radius_m, MAX_RADIUS_M))
    column = model.cell_fine if resolution == FINE else model.cell_coarse
    rows = db.session.scalars(stmt.where(column.in_(sorted(cells))).limit(MAX_CANDIDATES))
    found = [Near(row, distance_m(centre, row.point)) for row in rows]
    within = sorted((near for near in found if near.distance_m <= radius_m), key=lambda near: near.distance_m)
    return within[:limit] if limit is not None else within


def parse_near(text: str) -> tuple[float, float]:
    """``"26.56,106.71"`` as (lat, lng); a ValidationError otherwise."""
    try:
        lat_text, lng_text = text.split(",")
        lat, lng = float(lat_text), float(lng_text)
    except ValueError:
        raise ma.ValidationError(
            gettext("Give near as latitude,longitude (for example 26.56,106.71).")
        ) from None
    if not (-90 <= lat <= 90 and -180 <= lng <= 180) or math.isnan(lat) or math.isnan(lng):
        raise ma.ValidationError(gettext("Latitude is between -90 and 90, longitude between -180 and 180."))
    return lat, lng


class NearField(ma.fields.String):
    """The ``near=lat,lng`` query argument."""

    def _deserialize(self, value, attr, data, **kwargs):
        return parse_near(super()._deserialize(value, attr, data, **kwargs))


class NearbyArgsSchema(ma.Schema):
    """The query arguments of a nearby search; mix into a list's query schema."""

    near = NearField(
        required=True, metadata={"description": "Centre as latitude,longitude, e.g. 26.5560,106.6905"}
    )
    radius = ma.fields.Integer(
        load_default=1000,
        validate=Range(10, MAX_RADIUS_M),
        metadata={"description": "Metres, at most 20,000"},
    )
    coord_system = ma.fields.String(
        load_default="wgs84",
        validate=ma.validate.OneOf(["wgs84", "gcj02"]),
        metadata={"description": "Coordinate system of near; GCJ-02 is what mini-program location APIs give"},
    )

    @ma.post_load
    def _centre(self, data, **kwargs):
        lat, lng = data.pop("near")
        if data.pop("coord_system") == "gcj02":
            lat, lng = gcj02_to_wgs84(lat, lng)
        data["centre"] = Point(lat, lng)
        return data
