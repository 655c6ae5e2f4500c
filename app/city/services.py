"""Reference data of the city: look-ups and the idempotent upserts demo data uses."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy.orm import selectinload

from app.city.models import Department, District, Street
from app.core.errors import NotFound
from app.core.geo import Point, distance_m
from app.extensions import db


def list_districts() -> list[District]:
    """All districts with their streets, by division code."""
    stmt = db.select(District).options(selectinload(District.streets)).order_by(District.code)
    return list(db.session.scalars(stmt))


def list_departments(district_id: uuid.UUID | None = None) -> list[Department]:
    """Departments, city-wide ones first, optionally those of one district."""
    stmt = db.select(Department).order_by(Department.code)
    if district_id is not None:
        stmt = stmt.where(Department.district_id == district_id)
    return list(db.session.scalars(stmt))


def get_department(department_id: uuid.UUID) -> Department:
    """One department (404 if unknown)."""
    department = db.session.get(Department, department_id)
    if department is None:
        raise NotFound()
    return department


def department_names(department_ids) -> dict[uuid.UUID, str]:
    """The names of these departments in the reader's language, read in one query."""
    ids = [i for i in department_ids if i is not None]
    if not ids:
        return {}
    rows = db.session.scalars(db.select(Department).where(Department.id.in_(ids)))
    return {department.id: department.name for department in rows}


def department_by_code(code: str) -> Department | None:
    """Look a department up by its code."""
    return db.session.scalar(db.select(Department).where(Department.code == code))


def upsert_district(code: str, names: dict[str, str]) -> District:
    """Create or update a district by code, named in each language."""
    district = db.session.scalar(db.select(District).where(District.code == code))
    if district is None:
        district = District(code=code)
        db.session.add(district)
    district.set_names(names)
    return district


def upsert_street(
    district: District, code: str, names: dict[str, str], center: Point | None = None
) -> Street:
    """Create or update a street of a district by code."""
    street = db.session.scalar(db.select(Street).where(Street.code == code))
    if street is None:
        street = Street(code=code, district=district)
        db.session.add(street)
    street.set_names(names)
    street.district = district
    if center is not None:
        street.center_lat, street.center_lng = center.lat, center.lng
    return street


# A point farther than this from every street centre is outside the city's streets; farther than
# OUTSIDE_CITY_M from all of them, it is outside the city (another city's 12345 serves it).
STREET_RADIUS_M = 5000
OUTSIDE_CITY_M = 50_000


@dataclass(frozen=True)
class Place:
    """Where something is, as far as the city knows: a district and maybe a street."""

    district: District | None
    street: Street | None
    outside: bool = False  # the point is far from every street of the city


def locate(address: str = "", point: Point | None = None) -> Place:
    """Find the district and street: by names in the address first, else the nearest street centre."""
    streets = list(db.session.scalars(db.select(Street)))
    named = [s for s in streets if _named_in(s, address)]
    if named:
        street = max(named, key=lambda s: len(s.name_zh_hans))
        return Place(street.district, street)
    if point is not None:
        located = [s for s in streets if s.center_lat is not None]
        nearest = min(
            located, key=lambda s: distance_m(point, Point(s.center_lat, s.center_lng)), default=None
        )
        away = distance_m(point, Point(nearest.center_lat, nearest.center_lng)) if nearest else None
        if away is not None and away <= STREET_RADIUS_M:
            return Place(nearest.district, nearest)
        if away is not None and away > OUTSIDE_CITY_M:
            return Place(None, None, outside=True)
    districts = [d for d in db.session.scalars(db.select(District)) if _named_in(d, address)]
    return Place(districts[0] if districts else None, None)


def _named_in(place, address: str) -> bool:
    """The address names the place, in Simplified or Traditional characters."""
    return any(name and name in address for name in (place.name_zh_hans, place.name_zh_hant))


def district_office(district_id: uuid.UUID) -> Department | None:
    """The district's default department (its government office), where unclear matters go."""
    return db.session.scalar(
        db.select(Department).where(Department.district_id == district_id).order_by(Department.code)
    )


def upsert_department(code: str, names: dict[str, str], district: District | None = None) -> Department:
    """Create or update a department by code, named in each language."""
    department = department_by_code(code)
    if department is None:
        department = Department(code=code)
        db.session.add(department)
    department.set_names(names)
    department.district_id = district.id if district is not None else None
    return department


def street_name(street_id: uuid.UUID) -> str | None:
    """A street's name in the reader's language."""
    street = db.session.get(Street, street_id)
    return street.name if street else None
