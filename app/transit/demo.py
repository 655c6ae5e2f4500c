"""Demo data of transit: two metro lines meeting at an interchange, a bus line, gates for the demo scanner."""

from __future__ import annotations

from flask import current_app

from app.core.demo import demo_seeder
from app.extensions import db
from app.identity import services as identity
from app.transit.models import TransitGate, TransitLine, TransitStation

DEMO_SCANNER = "demo-gate-scanner"  # identity's demo scanner client ("地铁1号线闸机")
# kind, client id, name, secret: the school attesting students, the clearing house deciding disputes
DEMO_INSTITUTIONS = [
    ("education", "demo-school", "贵阳市第一中学学籍系统", "demo-school-secret"),
    ("transit_clearing", "demo-transit-clearing", "贵阳公交地铁清分中心", "demo-transit-clearing-secret"),
]

# code, mode, operator, names, stations: (code, km, zh_Hans, zh_Hant, en)
DEMO_LINES = [
    ("M1", "metro", "guiyang-metro", ("地铁1号线", "地鐵1號線", "Metro Line 1"), [
        ("DGG", 0.0, "窦官", "竇官", "Douguan"),
        ("GYB", 6.5, "贵阳北站", "貴陽北站", "Guiyang North Railway Station"),
        ("BJL", 11.0, "北京路", "北京路", "Beijing Road"),
        ("ZSX", 13.2, "中山西路", "中山西路", "Zhongshan West Road"),
        ("GYZ", 15.0, "贵阳火车站", "貴陽火車站", "Guiyang Railway Station"),
        ("XMG", 26.5, "小孟工业园", "小孟工業園", "Xiaomeng Industrial Park"),
    ]),
    ("M2", "metro", "guiyang-metro", ("地铁2号线", "地鐵2號線", "Metro Line 2"), [
        ("ZSX", 9.0, "中山西路", "中山西路", "Zhongshan West Road"),
        ("BXL", 4.0, "宝山北路", "寶山北路", "Baoshan North Road"),
        ("ZZL", 14.5, "遵义路", "遵義路", "Zunyi Road"),
    ]),
    ("B2", "bus", "guiyang-bus", ("2路公交", "2路公車", "Bus Route 2"), [
        ("PSC", 0.0, "喷水池", "噴水池", "Penshuichi"),
    ]),
]  # fmt: skip


def gate_code(line: str, station: str, kind: str = "") -> str:
    """The demo's gate codes: ``M1-GYB-IN``, ``M1-GYB-OUT``, ``B2-PSC``."""
    return f"{line}-{station}" + (f"-{kind}" if kind else "")


def _line(code: str, mode: str, operator: str, names: tuple[str, str, str]) -> TransitLine:
    line = db.session.scalar(db.select(TransitLine).where(TransitLine.code == code))
    if line is None:
        line = TransitLine(code=code)
        db.session.add(line)
    line.mode, line.operator_id = mode, operator
    line.set_names(dict(zip(("zh_Hans", "zh_Hant", "en"), names, strict=True)))
    db.session.flush()
    return line


def _station(line: TransitLine, code: str, km: float, names: tuple[str, str, str]) -> TransitStation:
    station = db.session.scalar(
        db.select(TransitStation).where(TransitStation.line_id == line.id, TransitStation.code == code)
    )
    if station is None:
        station = TransitStation(line_id=line.id, code=code)
        db.session.add(station)
    station.km = km
    station.set_names(dict(zip(("zh_Hans", "zh_Hant", "en"), names, strict=True)))
    db.session.flush()
    return station


def _gate(code: str, station: TransitStation, client_id: str) -> None:
    gate = db.session.scalar(db.select(TransitGate).where(TransitGate.code == code))
    if gate is None:
        db.session.add(TransitGate(code=code, station_id=station.id, client_id=client_id))
    else:
        gate.station_id, gate.client_id = station.id, client_id


def seed_network(client_id: str = DEMO_SCANNER) -> int:
    """The demo network and its gates, all operated by ``client_id``; returns how many gates."""
    gates = 0
    for code, mode, operator, names, stations in DEMO_LINES:
        line = _line(code, mode, operator, names)
        for station_code, km, *station_names in stations:
            station = _station(line, station_code, km, tuple(station_names))
            kinds = ("IN", "OUT") if mode == "metro" else ("",)
            for kind in kinds:
                _gate(gate_code(code, station_code, kind), station, client_id)
                gates += 1
    db.session.flush()
    return gates


@demo_seeder("transit")
def seed_transit() -> dict[str, int]:
    """The demo lines, stations and gates; a school and the clearing house as clients (sandbox only)."""
    if current_app.config["SANDBOX_PROVIDERS"]:
        for kind, client_id, name, secret in DEMO_INSTITUTIONS:
            identity.upsert_client(kind, name, client_id, secret=secret)
    return {"transit_gates": seed_network()}
