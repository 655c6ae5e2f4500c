"""Rules about one record: opening hours across midnight and holidays; the nearby search's order."""

from __future__ import annotations

from datetime import UTC, datetime

from app.commerce import services
from app.commerce.models import open_at
from app.core.geo import Point
from app.extensions import db
from tests.commerce import helpers


def _shanghai(day: int, hour: int, minute: int = 0) -> datetime:
    return (
        datetime(2026, 11, day, (hour - 8) % 24, minute, tzinfo=UTC)
        if hour >= 8
        else datetime(2026, 11, day - 1, hour + 16, minute, tzinfo=UTC)
    )


def test_opening_hours_follow_the_weekly_spans_midnight_and_closed_dates():
    hours = {"wed": [["08:00", "12:00"], ["14:00", "21:00"]], "fri": [["18:00", "02:00"]]}
    assert open_at(hours, [], _shanghai(18, 9))  # Wednesday 09:00
    assert not open_at(hours, [], _shanghai(18, 13))  # the lunch break
    assert not open_at(hours, [], _shanghai(18, 21))  # closes at 21:00
    assert open_at(hours, [], _shanghai(20, 23))  # Friday night
    assert open_at(hours, [], _shanghai(21, 1, 30))  # past midnight, still Friday's span
    assert not open_at(hours, [], _shanghai(21, 2))
    assert not open_at(hours, ["2026-11-18"], _shanghai(18, 9))  # a declared holiday
    assert not open_at(hours, ["2026-11-20"], _shanghai(21, 1))  # Friday's span belongs to Friday


def test_the_nearby_search_keeps_the_radius_the_category_and_sorts_by_distance_or_rating(owner, make_person):
    near_shop = helpers.verified_merchant(owner, Point(26.5565, 106.6905))  # about 55 m
    far_owner = make_person(name="远处店主")
    far_shop = helpers.verified_merchant(
        far_owner, Point(26.5620, 106.6905), category="laundry"
    )  # about 670 m
    out_owner = make_person(name="三公里外")
    out_shop = helpers.verified_merchant(out_owner, Point(26.5830, 106.6905))
    near_item = helpers.listing(near_shop, owner)
    far_item = helpers.listing(far_shop, far_owner, title="洗衣")
    helpers.listing(out_shop, out_owner)
    far_shop.rating_total, far_shop.rating_count = 9, 2
    db.session.flush()

    found = services.search_nearby(helpers.CENTRE, radius=1000)
    assert [item.id for item in found] == [near_item.id, far_item.id]
    assert 40 < found[0].distance_m < 70 and 600 < found[1].distance_m < 750
    by_rating = services.search_nearby(helpers.CENTRE, radius=1000, sort="rating")
    assert [item.id for item in by_rating] == [far_item.id, near_item.id]
    assert [item.id for item in services.search_nearby(helpers.CENTRE, radius=1000, category="laundry")] == [
        far_item.id
    ]
    assert len(services.search_nearby(helpers.CENTRE, radius=5000)) == 3
    assert len(services.search_nearby(helpers.CENTRE, radius=5000, limit=1)) == 1


def test_bad_nearby_queries_are_problems(client):
    assert client.get("/api/v1/commerce/nearby").status_code == 422
    assert client.get("/api/v1/commerce/nearby?near=91,0").status_code == 422
    assert client.get("/api/v1/commerce/nearby?near=26.5,106.7&category=casino").status_code == 422
    assert client.get("/api/v1/commerce/nearby?near=26.5,106.7&radius=50000").status_code == 422
