"""A new tariff with an effective date: the operator publishes it, drivers see it coming, stays across it."""

from __future__ import annotations

from datetime import datetime

from app.core import clock
from app.core.calendar import SHANGHAI
from tests.parking import helpers

HOURLY = {"unit_minutes": 60, "periods": [{"start": "00:00", "end": "00:00", "unit_fen": 100}]}


def _at(hour: int, minute: int = 0, day: int = 1) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=SHANGHAI)


def test_a_published_version_is_seen_coming_and_prices_its_part_of_a_stay(
    client, db, auth, resident, lot, operator_headers
):
    helpers.bind(resident)
    published = client.post(
        f"/api/v1/operator/lots/{lot.code}/tariffs",
        headers=operator_headers,
        json={"tariff": HOURLY, "effective_at": "2026-12-01T14:00:00"},  # no offset: Shanghai's clock
    )
    assert published.status_code == 201, published.get_json()
    version = published.get_json()
    assert version["effective_at"] == "2026-12-01T06:00:00+00:00"
    assert version["tariff"]["periods"][0]["unit_fen"] == 100

    # A driver looking at noon sees today's tariff, the change to come, and a four-hour stay priced across it:
    # two hours of the old one (first hour 5 yuan, then two half hours at 2 yuan), two at the new 1 yuan.
    shown = client.get(f"/api/v1/parking/lots/{lot.id}?stay_minutes=240").get_json()
    assert shown["tariff"]["first_hour_fen"] == 500
    assert shown["upcoming_tariff"]["effective_at"] == "2026-12-01T06:00:00+00:00"
    assert shown["upcoming_tariff"]["tariff"] == version["tariff"]
    assert shown["stay_fee"]["amount_fen"] == 500 + 2 * 200 + 2 * 100
    near = client.get("/api/v1/parking/lots?near=26.5560,106.6905&radius=500&stay_minutes=240").get_json()
    assert [(item["code"], item["upcoming_tariff"]["id"]) for item in near] == [(lot.code, version["id"])]
    managed = client.get(f"/api/v1/operator/lots/{lot.code}", headers=operator_headers).get_json()
    assert [v["id"] for v in managed["upcoming_tariffs"]] == [version["id"]]

    # A car in at 12:30 and out at 15:00 pays each version for its part: 12:30-14:00 under the old one
    # (the first hour, then one half hour), 14:00-15:00 under the new one.
    with clock.frozen(_at(12, 30)):
        helpers.gate(lot, "entry", "贵A12345", _at(12, 30))
    with clock.frozen(_at(15)):
        exited = helpers.gate(lot, "exit", "贵A12345", _at(15))
        assert exited.fee_fen == 500 + 200 + 100
        stay = client.get(f"/api/v1/parking/sessions/{exited.session_id}", headers=auth(resident)).get_json()
        assert stay["fee"]["amount_fen"] == 800
        after = client.get(f"/api/v1/parking/lots/{lot.id}?stay_minutes=120").get_json()
        assert (after["tariff"], after["upcoming_tariff"]) == (version["tariff"], None)
        assert after["stay_fee"]["amount_fen"] == 200


def test_the_operator_replaces_or_withdraws_a_version_before_it_takes_effect(
    client, db, auth, resident, lot, operator_headers
):
    url = f"/api/v1/operator/lots/{lot.code}/tariffs"
    first = client.post(
        url, headers=operator_headers, json={"tariff": HOURLY, "effective_at": "2027-01-01T00:00:00+08:00"}
    )
    dearer = {**HOURLY, "periods": [{"start": "00:00", "end": "00:00", "unit_fen": 150}]}
    again = client.post(
        url, headers=operator_headers, json={"tariff": dearer, "effective_at": "2027-01-01T00:00:00+08:00"}
    )
    assert (again.status_code, again.get_json()["id"]) == (
        201,
        first.get_json()["id"],
    )  # the same moment: replaced
    shown = client.get(f"/api/v1/parking/lots/{lot.id}").get_json()
    assert shown["upcoming_tariff"]["tariff"]["periods"][0]["unit_fen"] == 150

    helpers.register_client(helpers.OTHER_OPERATOR)
    other = helpers.client_token(client, helpers.OTHER_OPERATOR)
    version_url = f"{url}/{first.get_json()['id']}"
    assert client.delete(version_url, headers=other).status_code == 403
    assert client.delete(version_url, headers=auth(resident)).status_code == 403
    assert (
        client.post(
            url, headers=other, json={"tariff": HOURLY, "effective_at": "2027-01-01T00:00:00+08:00"}
        ).status_code
        == 403
    )
    other_lot = helpers.make_lot("other-lot", helpers.OTHER_OPERATOR, point=(26.60, 106.70))
    theirs = client.post(
        f"/api/v1/operator/lots/{other_lot.code}/tariffs",
        headers=other,
        json={"tariff": HOURLY, "effective_at": "2027-01-01T00:00:00+08:00"},
    ).get_json()
    assert (
        client.delete(f"{url}/{theirs['id']}", headers=operator_headers).status_code == 404
    )  # not of my lot

    assert client.delete(version_url, headers=operator_headers).status_code == 204
    assert client.get(f"/api/v1/parking/lots/{lot.id}").get_json()["upcoming_tariff"] is None
    assert client.delete(version_url, headers=operator_headers).status_code == 404

    soon = client.post(
        url, headers=operator_headers, json={"tariff": HOURLY, "effective_at": "2026-12-01T13:00:00+08:00"}
    )
    with clock.frozen(_at(13, 30)):
        refused = client.delete(
            f"{url}/{soon.get_json()['id']}", headers=helpers.client_token(client, helpers.OPERATOR)
        )
        assert (refused.status_code, refused.get_json()["code"]) == (409, "tariff-version-in-effect")


def test_a_version_must_be_a_valid_tariff_at_a_later_moment(client, db, lot, operator_headers):
    url = f"/api/v1/operator/lots/{lot.code}/tariffs"

    def publish(tariff, effective_at):
        return client.post(
            url, headers=operator_headers, json={"tariff": tariff, "effective_at": effective_at}
        )

    past = publish(HOURLY, "2026-12-01T11:59:00+08:00")
    assert past.status_code == 422 and "effective_at" in str(past.get_json())
    assert publish(HOURLY, "2028-01-01T00:00:00+08:00").status_code == 422  # more than a year ahead
    gap = {"unit_minutes": 60, "periods": [{"start": "08:00", "end": "20:00", "unit_fen": 300}]}
    broken = publish(gap, "2026-12-02T00:00:00+08:00")
    assert broken.status_code == 422 and "periods" in str(broken.get_json())
    assert publish(HOURLY, "tomorrow").status_code == 422
    for day in range(2, 12):
        assert publish(HOURLY, f"2026-12-{day:02d}T00:00:00+08:00").status_code == 201
    assert publish(HOURLY, "2026-12-20T00:00:00+08:00").status_code == 422  # ten waiting already
    managed = client.get(f"/api/v1/operator/lots/{lot.code}", headers=operator_headers).get_json()
    assert len(managed["upcoming_tariffs"]) == 10
    assert managed["upcoming_tariffs"][0]["effective_at"] == "2026-12-01T16:00:00+00:00"  # the soonest first


def test_an_immediate_change_during_a_stay_prices_each_part(client, db, lot, operator_headers):
    helpers.gate(lot, "entry", "贵A12345", _at(10))
    changed = client.patch(
        f"/api/v1/operator/lots/{lot.code}", headers=operator_headers, json={"tariff": HOURLY}
    )
    assert changed.status_code == 200, changed.get_json()
    assert client.get(f"/api/v1/parking/lots/{lot.id}").get_json()["tariff"] == changed.get_json()["tariff"]
    assert changed.get_json()["tariff"]["periods"][0]["unit_fen"] == 100
    with clock.frozen(_at(13)):
        exited = helpers.gate(lot, "exit", "贵A12345", _at(13))
    assert exited.fee_fen == 500 + 2 * 200 + 100  # 10:00-12:00 the old tariff, 12:00-13:00 the new one
