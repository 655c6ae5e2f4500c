"""A merchant's settlement by business day over HTTP: paid orders, refunds, the net, and its CSV."""

from __future__ import annotations

from datetime import timedelta

from app.commerce import services
from app.core import clock
from tests.commerce import helpers
from tests.commerce.helpers import person_actor

PERIOD = "start=2026-11-17&end=2026-11-19"


def _settlement(client, auth, who, merchant_id, query=PERIOD, suffix="", **headers):
    return client.get(
        f"/api/v1/merchant/merchants/{merchant_id}/settlement{suffix}?{query}", headers=auth(who, **headers)
    )


def _two_days_of_trade(resident, other_resident, owner, shop, water):
    """Wednesday: three orders paid (¥20), one declined; Thursday: one accepted order cancelled."""
    first = helpers.paid_order(resident, water)
    second = helpers.paid_order(other_resident, water, quantity=2)
    declined = helpers.paid_order(resident, water)
    services.decline_order(person_actor(owner), shop.id, declined.id, "今日售罄")
    services.accept_order(person_actor(owner), shop.id, second.id)
    clock.advance(timedelta(days=1))
    services.cancel_by_merchant(person_actor(owner), shop.id, second.id, "无法配送")
    return first, second


def test_the_owner_reads_paid_refunded_and_net_per_day(
    client, auth, db, resident, other_resident, owner, shop, water
):
    _two_days_of_trade(resident, other_resident, owner, shop, water)
    db.session.commit()
    answer = _settlement(client, auth, owner, shop.id)
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    days = [
        (d["date"], d["paid_orders"], d["paid"]["amount_fen"], d["refunds"], d["refunded"]["amount_fen"],
         d["net"]["amount_fen"])
        for d in body["days"]
    ]  # fmt: skip
    assert days == [
        ("2026-11-17", 0, 0, 0, 0, 0),
        ("2026-11-18", 3, 2000, 1, 500, 1500),
        ("2026-11-19", 0, 0, 1, 1000, -1000),
    ]
    assert (body["paid_orders"], body["paid"]["amount_fen"], body["net"]["amount_fen"]) == (3, 2000, 500)

    default = _settlement(client, auth, owner, shop.id, query="").get_json()
    assert (default["start"], default["end"]) == ("2026-11-01", "2026-11-19"), "this month so far"


def test_the_csv_has_a_row_per_day_and_the_totals(
    client, auth, db, resident, other_resident, owner, shop, water
):
    _two_days_of_trade(resident, other_resident, owner, shop, water)
    db.session.commit()
    exported = _settlement(client, auth, owner, shop.id, suffix=".csv")
    assert exported.mimetype == "text/csv"
    assert 'filename="settlement-2026-11-17-2026-11-19.csv"' in exported.headers["Content-Disposition"]
    lines = exported.get_data(as_text=True).splitlines()
    assert lines[0] == "\ufeffmerchant,测试便利店"
    assert lines[2:] == [
        "date,paid_orders,paid_yuan,subsidised_orders,subsidy_yuan,refunds,refunded_yuan,net_yuan",
        "2026-11-17,0,0.00,0,0.00,0,0.00,0.00",
        "2026-11-18,3,20.00,0,0.00,1,5.00,15.00",
        "2026-11-19,0,0.00,0,0.00,1,10.00,-10.00",
        "total,3,20.00,0,0.00,2,15.00,5.00",
    ]


def test_another_merchant_is_404_staff_403_and_periods_bounded(client, auth, db, make_person, owner, shop):
    stranger = make_person(name="别家店主")
    their_shop = helpers.verified_merchant(stranger)
    worker = make_person(name="店员")
    helpers.add_staff(shop, owner, worker.phone)
    db.session.commit()
    refused = _settlement(client, auth, worker, shop.id, **{"Accept-Language": "en"})
    assert refused.status_code == 403, "the money is the owners' to read"
    assert refused.get_json()["detail"] == "Only the merchant's owner can do this."
    assert _settlement(client, auth, stranger, shop.id).status_code == 404
    assert _settlement(client, auth, stranger, shop.id, suffix=".csv").status_code == 404
    assert _settlement(client, auth, stranger, their_shop.id).status_code == 200
    assert _settlement(client, auth, owner, their_shop.id).status_code == 404
    too_long = _settlement(client, auth, owner, shop.id, query="start=2026-01-01&end=2026-11-19")
    assert too_long.status_code == 422
    half = _settlement(client, auth, owner, shop.id, query="start=2026-11-01")
    assert half.status_code == 422
    backwards = _settlement(
        client, auth, owner, shop.id, query="start=2026-11-19&end=2026-11-01", **{"Accept-Language": "en"}
    )
    assert backwards.get_json()["errors"]["end"] == ["The end comes before the start."]
