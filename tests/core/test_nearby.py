"""The one nearby search: the same answer as measuring every row, read through the cell index."""

from __future__ import annotations

import random
import uuid

import marshmallow as ma
import pytest
from sqlalchemy import Uuid
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from app.core.geo import Point, distance_m, wgs84_to_gcj02
from app.core.nearby import Located, NearbyArgsSchema, covering_cells, nearby
from app.extensions import db as _db

HUAGUOYUAN = Point(26.5560, 106.6905)


class _Base(DeclarativeBase):
    """A metadata of its own: the probe table is not one of the app's."""


class Place(Located, _Base):
    __tablename__ = "nearby_probe_places"
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)


@pytest.fixture
def places(db):
    connection = db.session.connection()
    Place.__table__.create(connection)
    rng = random.Random(7)
    made = []
    for _ in range(400):  # scattered over about 10 km around Huaguoyuan
        place = Place()
        place.place_at(
            Point(HUAGUOYUAN.lat + rng.uniform(-0.05, 0.05), HUAGUOYUAN.lng + rng.uniform(-0.05, 0.05))
        )
        made.append(place)
    db.session.add_all(made)
    db.session.flush()
    return made


@pytest.mark.parametrize("radius", [150, 500, 1000, 1999, 2001, 5000])
def test_the_cells_find_exactly_the_places_a_full_scan_finds(places, radius):
    found = nearby(_db.select(Place), Place, HUAGUOYUAN, radius_m=radius)
    expected = sorted(
        (p for p in places if distance_m(HUAGUOYUAN, p.point) <= radius),
        key=lambda p: distance_m(HUAGUOYUAN, p.point),
    )
    assert [near.row.id for near in found] == [p.id for p in expected]
    assert all(a.distance_m <= b.distance_m for a, b in zip(found, found[1:], strict=False))


def test_a_limit_keeps_the_nearest(places):
    found = nearby(_db.select(Place), Place, HUAGUOYUAN, radius_m=3000, limit=5)
    every = nearby(_db.select(Place), Place, HUAGUOYUAN, radius_m=3000)
    assert [n.row.id for n in found] == [n.row.id for n in every[:5]]


def test_the_search_reads_a_few_dozen_cells_not_the_table():
    resolution, cells = covering_cells(HUAGUOYUAN, 1000)
    assert resolution == 9 and len(cells) <= 100
    resolution, cells = covering_cells(HUAGUOYUAN, 5000)
    assert resolution == 7 and len(cells) <= 100


class _Query(NearbyArgsSchema):
    class Meta:
        unknown = ma.RAISE


def test_the_query_arguments_accept_gcj02_and_refuse_nonsense():
    lat, lng = wgs84_to_gcj02(HUAGUOYUAN.lat, HUAGUOYUAN.lng)
    loaded = _Query().load({"near": f"{lat},{lng}", "coord_system": "gcj02", "radius": "800"})
    assert distance_m(loaded["centre"], HUAGUOYUAN) < 1 and loaded["radius"] == 800
    for bad in (
        {"near": "26.5"},
        {"near": "north,east"},
        {"near": "95,10"},
        {"near": "26,106", "radius": "5"},
    ):
        with pytest.raises(ma.ValidationError):
            _Query().load(bad)
