"""Demo data of access: two compounds with gates, the demo resident living in one, three venues, scanners."""

from __future__ import annotations

from flask import current_app

from app.access.models import Compound, CompoundGate, Residency, Venue, VenueCard
from app.core.demo import DEMO_RESIDENT_PHONE, demo_seeder
from app.extensions import db
from app.identity import services as identity

COMMUNITY_SCANNER = ("demo-community-gate", "金阳花园门禁", "demo-community-gate-secret")
VENUE_SCANNER = ("demo-venue-gate", "市图书馆与场馆闸机", "demo-venue-gate-secret")

# code, names, gates: (code, names)
DEMO_COMPOUNDS = [
    ("JYHY", ("金阳花园", "金陽花園", "Jinyang Garden"), [
        ("JYHY-N", ("北门", "北門", "North gate")),
        ("JYHY-S", ("南门", "南門", "South gate")),
    ]),
    ("QLXQ", ("黔灵小区", "黔靈小區", "Qianling Estate"), [
        ("QLXQ-E", ("东门", "東門", "East gate")),
    ]),
]  # fmt: skip
# code, kind, purpose, admission, names
DEMO_VENUES = [
    ("GYLIB", "library", "library", "card_holders", ("贵阳市图书馆", "貴陽市圖書館", "Guiyang Library")),
    ("GZMUS", "museum", "venue", "real_name", ("贵州省博物馆", "貴州省博物館", "Guizhou Provincial Museum")),
    ("GYOTC", "sports_centre", "venue", "card_holders", ("贵阳奥体中心", "貴陽奧體中心", "Olympic Centre")),
]  # fmt: skip
DEMO_LIBRARY_CARD = "520100000001"


def _names(names: tuple[str, str, str]) -> dict[str, str]:
    return dict(zip(("zh_Hans", "zh_Hant", "en"), names, strict=True))


def _by_code(model, code: str):
    record = db.session.scalar(db.select(model).where(model.code == code))
    if record is None:
        record = model(code=code)
        db.session.add(record)
    return record


def seed_compounds(client_id: str) -> list[Compound]:
    """The demo compounds and their gates, operated by ``client_id``."""
    made = []
    for code, names, gates in DEMO_COMPOUNDS:
        compound = _by_code(Compound, code)
        compound.set_names(_names(names))
        db.session.flush()
        for gate_code, gate_names in gates:
            gate = _by_code(CompoundGate, gate_code)
            gate.compound_id, gate.client_id = compound.id, client_id
            gate.set_names(_names(gate_names))
        made.append(compound)
    db.session.flush()
    return made


def seed_venues(client_id: str) -> list[Venue]:
    """The demo venues, their entrances operated by ``client_id``."""
    made = []
    for code, kind, purpose, admission, names in DEMO_VENUES:
        venue = _by_code(Venue, code)
        venue.kind, venue.purpose, venue.admission, venue.client_id = kind, purpose, admission, client_id
        venue.set_names(_names(names))
        made.append(venue)
    db.session.flush()
    return made


@demo_seeder("access")
def seed_access() -> dict[str, int]:
    """Compounds, venues, the demo resident at 金阳花园 with a library card, and the two scanners."""
    if current_app.config["SANDBOX_PROVIDERS"]:
        for client_id, name, secret in (COMMUNITY_SCANNER, VENUE_SCANNER):
            identity.upsert_client("scanner", name, client_id, secret=secret)
    compounds = seed_compounds(COMMUNITY_SCANNER[0])
    venues = seed_venues(VENUE_SCANNER[0])
    resident = identity.person_by_phone(DEMO_RESIDENT_PHONE)
    if resident is not None:
        home = compounds[0]
        if (
            db.session.scalar(
                db.select(Residency.id).where(
                    Residency.compound_id == home.id, Residency.person_id == resident.id
                )
            )
            is None
        ):
            db.session.add(Residency(compound_id=home.id, person_id=resident.id, unit="3栋2单元1102"))
        library = venues[0]
        if (
            db.session.scalar(
                db.select(VenueCard.id).where(
                    VenueCard.venue_id == library.id, VenueCard.person_id == resident.id
                )
            )
            is None
        ):
            db.session.add(VenueCard(venue_id=library.id, person_id=resident.id, card_no=DEMO_LIBRARY_CARD))
    db.session.flush()
    return {"compounds": len(compounds), "venues": len(venues)}
