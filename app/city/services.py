"""Reference data of the city: look-ups and the idempotent upserts demo data uses."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy.orm import selectinload

from app.city.errors import UnknownDepartment
from app.city.models import Department, District, Street
from app.core import refdata
from app.core.errors import NotFound
from app.core.geo import Point, distance_m
from app.core.i18n import pick
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


def require_department(code: str, field: str = "department_code") -> Department:
    """The department with this code; an unknown code is a 422 on ``field``."""
    department = department_by_code(code)
    if department is None:
        raise UnknownDepartment(field)
    return department


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


@dataclass(frozen=True)
class DistrictRef:
    """A district as the look-ups hand it out: what every process keeps (``app.core.refdata``)."""

    id: uuid.UUID
    code: str
    names: dict[str, str]

    @property
    def name(self) -> str:
        """The name in the reader's language."""
        return pick(self.names)


@dataclass(frozen=True)
class StreetRef:
    """A street as the look-ups hand it out, with its district and centre."""

    id: uuid.UUID
    code: str
    names: dict[str, str]
    district: DistrictRef
    center: Point | None

    @property
    def name(self) -> str:
        """The name in the reader's language."""
        return pick(self.names)


@dataclass(frozen=True)
class DepartmentRef:
    """A department as the look-ups hand it out."""

    id: uuid.UUID
    code: str
    names: dict[str, str]
    district_id: uuid.UUID | None

    @property
    def name(self) -> str:
        """The name in the reader's language."""
        return pick(self.names)


@dataclass(frozen=True)
class CityMap:
    """Every district, street and department, read once per process and kept until one changes."""

    districts: tuple[DistrictRef, ...]
    streets: tuple[StreetRef, ...]
    departments: dict[str, DepartmentRef]


REFERENCE = "city"
refdata.register(REFERENCE, District, Street, Department)


def city_map() -> CityMap:
    """The city's reference data as this process keeps it (re-read after any change to it)."""
    return refdata.cached(REFERENCE, _load_city_map)


def _load_city_map() -> CityMap:
    districts = {
        d.id: DistrictRef(d.id, d.code, d.names)
        for d in db.session.scalars(db.select(District).order_by(District.code))
    }
    streets = tuple(
        StreetRef(
            s.id,
            s.code,
            s.names,
            districts[s.district_id],
            Point(s.center_lat, s.center_lng)
            if s.center_lat is not None and s.center_lng is not None
            else None,
        )
        for s in db.session.scalars(db.select(Street).order_by(Street.code))
    )
    departments = {
        d.code: DepartmentRef(d.id, d.code, d.names, d.district_id)
        for d in db.session.scalars(db.select(Department).order_by(Department.code))
    }
    return CityMap(tuple(districts.values()), streets, departments)


def department_ref(code: str) -> DepartmentRef | None:
    """A department by code from the reference data this process keeps (no query once loaded)."""
    return city_map().departments.get(code)


# A point farther than this from every street centre is outside the city's streets; farther than
# OUTSIDE_CITY_M from all of them, it is outside the city (another city's 12345 serves it).
STREET_RADIUS_M = 5000
OUTSIDE_CITY_M = 50_000


@dataclass(frozen=True)
class Place:
    """Where something is, as far as the city knows: a district and maybe a street."""

    district: DistrictRef | None
    street: StreetRef | None
    outside: bool = False  # the point is far from every street of the city


def locate(address: str = "", point: Point | None = None) -> Place:
    """Find the district and street: by names in the address first, else the nearest street centre."""
    known = city_map()
    named = [s for s in known.streets if _named_in(s, address)]
    if named:
        street = max(named, key=lambda s: len(s.names["zh_Hans"]))
        return Place(street.district, street)
    if point is not None:
        located = [s for s in known.streets if s.center is not None]
        nearest = min(located, key=lambda s: distance_m(point, s.center), default=None)
        away = distance_m(point, nearest.center) if nearest else None
        if away is not None and away <= STREET_RADIUS_M:
            return Place(nearest.district, nearest)
        if away is not None and away > OUTSIDE_CITY_M:
            return Place(None, None, outside=True)
    districts = [d for d in known.districts if _named_in(d, address)]
    return Place(districts[0] if districts else None, None)


def _named_in(place, address: str) -> bool:
    """The address names the place, in Simplified or Traditional characters."""
    return any(name and name in address for name in (place.names.get("zh_Hans"), place.names.get("zh_Hant")))


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
