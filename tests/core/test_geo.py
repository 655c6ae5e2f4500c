"""WGS84 in the database; GCJ-02 from mini-program location APIs converted on the way in."""

from __future__ import annotations

import marshmallow as ma
import pytest

from app.core.geo import LocationSchema, Point, distance_m, gcj02_to_wgs84, wgs84_to_gcj02

# Reference pairs (WGS84 lat, lng -> GCJ-02 lat, lng) published with the eviltransform library.
REFERENCE = [
    ((31.1774276, 121.5272106), (31.17530398364597, 121.531541859215)),  # Shanghai
    ((22.543847, 113.912316), (22.540796131694766, 113.9171764808363)),  # Shenzhen
    ((39.911954, 116.377817), (39.91334545536069, 116.38404722455657)),  # Beijing
]
CITIES = [(26.5783, 106.7135), (43.8256, 87.6168), (45.8038, 126.5350), (18.2528, 109.5119), (29.65, 91.1)]


@pytest.mark.parametrize(("wgs", "gcj"), REFERENCE)
def test_wgs84_to_gcj02_matches_the_reference(wgs, gcj):
    lat, lng = wgs84_to_gcj02(*wgs)
    assert lat == pytest.approx(gcj[0], abs=1e-8)
    assert lng == pytest.approx(gcj[1], abs=1e-8)


@pytest.mark.parametrize(("wgs", "gcj"), REFERENCE)
def test_gcj02_to_wgs84_recovers_the_reference_within_a_centimetre(wgs, gcj):
    recovered = Point(*gcj02_to_wgs84(*gcj))
    assert distance_m(recovered, Point(*wgs)) < 0.01


@pytest.mark.parametrize("wgs", CITIES)
def test_round_trip_error_is_under_a_centimetre(wgs):
    shifted = wgs84_to_gcj02(*wgs)
    assert distance_m(Point(*shifted), Point(*wgs)) > 50  # the offset is real: tens to hundreds of metres
    back = gcj02_to_wgs84(*shifted)
    assert distance_m(Point(*back), Point(*wgs)) < 0.01


@pytest.mark.parametrize("outside", [(35.6812, 139.7671), (51.5007, -0.1246), (-33.8568, 151.2153)])
def test_coordinates_outside_china_are_unchanged(outside):
    assert wgs84_to_gcj02(*outside) == outside
    assert gcj02_to_wgs84(*outside) == outside


def test_distance_in_metres():
    assert distance_m(Point(0, 0), Point(1, 0)) == pytest.approx(111_195, abs=1)
    guiyang, beijing = Point(26.5783, 106.7135), Point(39.9042, 116.4074)
    assert distance_m(guiyang, beijing) == pytest.approx(distance_m(beijing, guiyang))
    assert 1_700_000 < distance_m(guiyang, beijing) < 1_760_000
    assert distance_m(guiyang, guiyang) == 0


def test_location_schema_converts_gcj02_to_wgs84():
    wgs, gcj = REFERENCE[0]
    point = LocationSchema().load({"lat": gcj[0], "lng": gcj[1], "coord_system": "gcj02"})
    assert distance_m(point, Point(*wgs)) < 0.01


def test_location_schema_keeps_wgs84_by_default():
    assert LocationSchema().load({"lat": 26.5783, "lng": 106.7135}) == Point(26.5783, 106.7135)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"lat": 91, "lng": 106.7}, "lat"),
        ({"lat": -90.5, "lng": 106.7}, "lat"),
        ({"lat": 26.5, "lng": 180.1}, "lng"),
        ({"lat": 26.5, "lng": 106.7, "coord_system": "bd09"}, "coord_system"),
        ({"lat": "NaN", "lng": 106.7}, "lat"),
        ({"lng": 106.7}, "lat"),
    ],
)
def test_location_schema_refuses_impossible_coordinates(body, field):
    with pytest.raises(ma.ValidationError) as refused:
        LocationSchema().load(body)
    assert field in refused.value.messages


def test_latitude_91_becomes_a_localized_422_problem(app):
    for language, message in (("en", "Must be less than or equal to 90."), ("zh-CN", "必须小于或等于 90。")):
        with app.test_request_context(headers={"Accept-Language": language}):
            with pytest.raises(ma.ValidationError) as refused:
                LocationSchema().load({"lat": 91, "lng": 106.7})
            response = app.handle_user_exception(refused.value)
        assert response.status_code == 422
        assert response.mimetype == "application/problem+json"
        assert response.get_json()["errors"] == {"lat": [message]}
