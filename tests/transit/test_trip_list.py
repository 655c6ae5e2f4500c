"""A page of trips is the caller and one statement over the rider's trips, whatever its size.

The lines and stations a trip names come from the network each process keeps; a renamed station is
named anew on the next page.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from app.core import clock
from app.extensions import db
from app.transit.models import TransitStation
from tests.statements import Statements
from tests.transit import helpers

MORNING = datetime(2026, 11, 2, 8, 0, tzinfo=ZoneInfo("Asia/Shanghai"))

PAGE_STATEMENTS = [
    "the caller (person, roles, token revocation)",
    "the page: the rider's trips, one index range, no line or station joined",
]


def _tap(client, scanner, person, gate, kind, at):
    with clock.frozen(at):
        body = {"gate": gate, "tap_id": helpers.tap_id(), "kind": kind, "code": helpers.code_for(person, at)}
        response = client.post(helpers.TAPS, json=body, headers=scanner())
    assert response.status_code == 200, response.get_data(as_text=True)


def _ride(client, scanner, resident) -> None:
    """A metro ride in and out, then a bus: two trips."""
    _tap(client, scanner, resident, helpers.gate("M1", "DGG", "IN"), "entry", MORNING)
    _tap(client, scanner, resident, helpers.gate("M1", "BJL", "OUT"), "exit", MORNING + timedelta(minutes=25))
    _tap(client, scanner, resident, helpers.gate("B2", "PSC"), "entry", MORNING + timedelta(minutes=40))


def _page(client, headers_of, limit: int) -> tuple[list[str], dict]:
    path = f"/api/v1/transit/trips?limit={limit}"
    with clock.frozen(MORNING + timedelta(hours=1)):
        headers = headers_of()  # a token of that hour
        client.get(path, headers=headers)  # warm: the token's key, the network
        with Statements() as seen:
            response = client.get(path, headers=headers)
    assert response.status_code == 200, response.get_json()
    return seen.seen, response.get_json()


def test_a_page_of_trips_is_two_statements_and_joins_no_line_or_station(client, scanner, resident, auth):
    _ride(client, scanner, resident)
    headers = lambda: auth(resident)  # noqa: E731
    one, small = _page(client, headers, 1)
    many, large = _page(client, headers, 50)
    assert len(small["items"]) == 1 and len(large["items"]) == 2
    assert len(one) == len(many) == len(PAGE_STATEMENTS), "\n\n".join(many)
    page = many[-1]
    assert "FROM transit_trips" in page
    assert "transit_stations" not in page and "transit_lines" not in page
    bus, metro = large["items"]
    assert metro["line"] == {"code": "M1", "name": metro["line"]["name"], "mode": "metro"}
    assert metro["entry_station"]["name"] == "窦官" and metro["exit_station"]["name"] == "北京路"
    assert bus["line"]["mode"] == "bus" and bus["exit_station"] is None


def test_a_renamed_station_is_named_anew_on_the_next_page(client, scanner, resident, auth):
    _ride(client, scanner, resident)
    headers = lambda: auth(resident)  # noqa: E731
    _, before = _page(client, headers, 50)
    assert before["items"][1]["entry_station"]["name"] == "窦官"
    station = db.session.scalars(db.select(TransitStation).where(TransitStation.code == "DGG")).first()
    station.set_names({"zh_Hans": "窦官站", "zh_Hant": "竇官站", "en": "Dougguan Station"})
    db.session.commit()
    _, after = _page(client, headers, 50)
    assert after["items"][1]["entry_station"]["name"] == "窦官站"
