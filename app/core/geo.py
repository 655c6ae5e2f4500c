"""WGS84 in the database; GCJ-02 (what mini-program location APIs return) accepted and converted."""

from __future__ import annotations

import math
from dataclasses import dataclass

import marshmallow as ma

from app.core.validation import Range

_A = 6378245.0  # Krasovsky 1940 semi-major axis used by GCJ-02
_EE = 0.00669342162296594323
EARTH_RADIUS_M = 6371008.8


@dataclass(frozen=True)
class Point:
    """A WGS84 coordinate."""

    lat: float
    lng: float


def out_of_china(lat: float, lng: float) -> bool:
    """GCJ-02 offsets apply only inside mainland China's bounding box."""
    return not (73.66 < lng < 135.05 and 3.86 < lat < 53.55)


def _transform_lat(x: float, y: float) -> float:
    ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    ret += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (160.0 * math.sin(y / 12.0 * math.pi) + 320 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    return ret


def _transform_lng(x: float, y: float) -> float:
    ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    ret += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    return ret


def _offset(lat: float, lng: float) -> tuple[float, float]:
    d_lat = _transform_lat(lng - 105.0, lat - 35.0)
    d_lng = _transform_lng(lng - 105.0, lat - 35.0)
    rad_lat = lat / 180.0 * math.pi
    magic = 1 - _EE * math.sin(rad_lat) ** 2
    sqrt_magic = math.sqrt(magic)
    d_lat = (d_lat * 180.0) / ((_A * (1 - _EE)) / (magic * sqrt_magic) * math.pi)
    d_lng = (d_lng * 180.0) / (_A / sqrt_magic * math.cos(rad_lat) * math.pi)
    return d_lat, d_lng


def wgs84_to_gcj02(lat: float, lng: float) -> tuple[float, float]:
    """Apply the GCJ-02 offset."""
    if out_of_china(lat, lng):
        return lat, lng
    d_lat, d_lng = _offset(lat, lng)
    return lat + d_lat, lng + d_lng


def gcj02_to_wgs84(lat: float, lng: float, tolerance: float = 1e-9) -> tuple[float, float]:
    """Invert GCJ-02 by fixed-point iteration (error well under a centimetre)."""
    if out_of_china(lat, lng):
        return lat, lng
    w_lat, w_lng = lat, lng
    for _ in range(30):
        g_lat, g_lng = wgs84_to_gcj02(w_lat, w_lng)
        d_lat, d_lng = g_lat - lat, g_lng - lng
        w_lat, w_lng = w_lat - d_lat, w_lng - d_lng
        if abs(d_lat) < tolerance and abs(d_lng) < tolerance:
            break
    return w_lat, w_lng


def distance_m(a: Point, b: Point) -> float:
    """Great-circle distance in metres (haversine)."""
    phi1, phi2 = math.radians(a.lat), math.radians(b.lat)
    d_phi = phi2 - phi1
    d_lambda = math.radians(b.lng - a.lng)
    h = math.sin(d_phi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(d_lambda / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(h))


class LocationSchema(ma.Schema):
    """A coordinate from a client; ``coord_system: gcj02`` is converted to WGS84 on load."""

    lat = ma.fields.Float(required=True, validate=Range(-90, 90))
    lng = ma.fields.Float(required=True, validate=Range(-180, 180))
    coord_system = ma.fields.String(
        load_default="wgs84",
        validate=ma.validate.OneOf(["wgs84", "gcj02"]),
        metadata={"description": "Coordinate system of lat/lng; stored as WGS84"},
    )

    @ma.post_load
    def to_point(self, data, **kwargs) -> Point:
        """Convert to a WGS84 point."""
        if data["coord_system"] == "gcj02":
            lat, lng = gcj02_to_wgs84(data["lat"], data["lng"])
            return Point(lat, lng)
        return Point(data["lat"], data["lng"])
