"""The three rates as series (department, category, ISO week in Asia/Shanghai), their CSV and arithmetic."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

from app.complaints import metrics
from app.core import clock

# Sunday 2026-11-15 23:30 in Shanghai is 15:30 UTC: ISO week 46, though UTC and Shanghai agree on the date.
# Monday 2026-11-16 00:30 in Shanghai is Sunday 16:30 UTC: week 47 in Shanghai, week 46 in UTC.
LATE_SUNDAY = datetime(2026, 11, 15, 15, 30, tzinfo=UTC)
EARLY_MONDAY = datetime(2026, 11, 15, 16, 30, tzinfo=UTC)
NOON = datetime(2026, 11, 18, 4, 0, tzinfo=UTC)


def _row(**fields):
    base = {
        "status": "resolved", "resolved_at": None, "closed_at": None, "feedback_due": None,
        "dispatch_due": NOON, "rating": None,
    }  # fmt: skip
    return SimpleNamespace(**{**base, **fields})


def test_rates_are_none_without_a_denominator_and_rounded_otherwise():
    empty = metrics.Figures()
    assert (empty.on_time_rate, empty.resolution_rate, empty.satisfaction_rate) == (None, None, None)
    unrated = metrics.Figures()
    unrated.count(_row(status="dispatched", feedback_due=NOON), NOON)
    assert unrated.received == 1 and unrated.resolution_rate == 0.0
    assert unrated.satisfaction_rate is None and unrated.on_time_rate is None, "none rated, none replied"
    thirds = metrics.Figures()
    for rating in (3, 2, 1):
        thirds.count(_row(resolved_at=NOON, feedback_due=NOON, rating=rating), NOON)
    assert thirds.satisfaction_rate == 0.3333 and thirds.on_time_rate == 1.0, (
        "a reply at the deadline is on time"
    )
    late = metrics.Figures()
    late.count(_row(resolved_at=NOON + timedelta(seconds=1), feedback_due=NOON), NOON)
    assert late.on_time_rate == 0.0 and late.resolution_rate == 1.0


def test_overdue_counts_the_clock_that_runs():
    figures = metrics.Figures()
    figures.count(_row(status="submitted", dispatch_due=NOON - timedelta(minutes=1)), NOON)
    figures.count(_row(status="in_progress", feedback_due=NOON + timedelta(minutes=1)), NOON)
    figures.count(_row(status="closed", closed_at=NOON, feedback_due=NOON - timedelta(days=1)), NOON)
    assert figures.overdue_open == 1


def test_iso_weeks_are_shanghai_weeks_and_clipped_to_the_period():
    assert metrics.week_key(LATE_SUNDAY) == "2026-W46"
    assert metrics.week_key(EARLY_MONDAY) == "2026-W47"
    points = metrics.weeks(date(2026, 11, 11), date(2026, 11, 24))
    assert [(p.key, p.start, p.end) for p in points] == [
        ("2026-W46", date(2026, 11, 11), date(2026, 11, 15)),
        ("2026-W47", date(2026, 11, 16), date(2026, 11, 22)),
        ("2026-W48", date(2026, 11, 23), date(2026, 11, 24)),
    ]
    new_year = metrics.weeks(date(2026, 12, 28), date(2027, 1, 4))
    assert [p.key for p in new_year] == ["2026-W53", "2027-W01"]
    assert metrics.previous_month(date(2026, 1, 15)) == (date(2025, 12, 1), date(2025, 12, 31))
    assert metrics.previous_month(date(2026, 3, 1)) == (date(2026, 2, 1), date(2026, 2, 28))


def _series(client, auth, who, group_by, start="2026-11-09", end="2026-11-22", **headers):
    query = f"start={start}&end={end}&group_by={group_by}"
    return client.get(f"/api/v1/staff/complaints/metrics/series?{query}", headers=auth(who, **headers))


def test_series_by_week_department_and_category_over_http(client, auth, city, staff, resident, report):
    with clock.frozen(LATE_SUNDAY):
        report(resident)
    with clock.frozen(EARLY_MONDAY):
        report(resident)
        report(resident, category="0301", description="新华路停水了", address="新华路街道")
    supervisor = staff["supervisor"]

    weekly = _series(client, auth, supervisor, "week").get_json()
    assert [(p["key"], p["received"]) for p in weekly["points"]] == [("2026-W46", 1), ("2026-W47", 2)]
    assert weekly["points"][0]["resolution_rate"] == 0.0 and weekly["points"][0]["satisfaction_rate"] is None

    by_department = _series(client, auth, supervisor, "department", **{"Accept-Language": "en"}).get_json()
    assert [(p["key"], p["label"], p["received"]) for p in by_department["points"]] == [
        ("city-urban-management", "Municipal Urban Management Bureau", 2),
        ("city-water", "City Water Group", 1),
    ]

    by_category = _series(client, auth, supervisor, "category").get_json()
    counts = {p["key"]: p["received"] for p in by_category["points"]}
    assert counts["02"] == 2 and counts["03"] == 1 and counts["01"] == 0, "every top-level category is a bar"
    assert next(p["label"] for p in by_category["points"] if p["key"] == "02") == "城市管理"

    handler = _series(client, auth, staff["handler"], "department").get_json()
    assert [p["key"] for p in handler["points"]] == ["city-urban-management"], "a handler sees their own"
    assert _series(client, auth, resident, "week").status_code == 403
    assert _series(client, auth, supervisor, "month").status_code == 422


def test_an_empty_period_has_empty_weeks_and_a_csv(client, auth, city, staff):
    weekly = _series(
        client, auth, staff["supervisor"], "week", start="2026-06-01", end="2026-06-14"
    ).get_json()
    assert [(p["key"], p["received"], p["on_time_rate"]) for p in weekly["points"]] == [
        ("2026-W23", 0, None),
        ("2026-W24", 0, None),
    ]
    exported = client.get(
        "/api/v1/staff/complaints/metrics/series.csv?start=2026-06-01&end=2026-06-14&group_by=week",
        headers=auth(staff["supervisor"]),
    )
    assert exported.mimetype == "text/csv"
    assert 'filename="12345-week-2026-06-01-2026-06-14.csv"' in exported.headers["Content-Disposition"]
    lines = exported.get_data(as_text=True).splitlines()
    assert lines[0] == "\ufeffperiod,2026-06-01..2026-06-14" and lines[1] == "group_by,week"
    assert lines[2].startswith("key,label,start,end,received,replied")
    assert lines[3].startswith("2026-W23,2026-W23 (2026-06-01–2026-06-07),2026-06-01,2026-06-07,0,0,0,,")


def test_an_unrouted_complaint_past_its_dispatch_deadline_is_overdue(
    client, auth, city, staff, resident, report
):
    with clock.frozen(NOON):
        waiting = report(resident, category="0402", description="公交站牌被撞歪了", address="新华路街道")
    assert waiting["status"] == "submitted", "no rule for this category: the dispatchers' queue"
    with clock.frozen(NOON + timedelta(days=3)):
        body = client.get(
            "/api/v1/staff/complaints/metrics?start=2026-11-18&end=2026-11-18",
            headers=auth(staff["supervisor"]),
        ).get_json()
        series = _series(
            client, auth, staff["supervisor"], "department", "2026-11-18", "2026-11-18"
        ).get_json()
    assert [c["id"] for c in body["overdue"]] == [waiting["id"]]
    queue = next(row for row in body["departments"] if row["department_code"] == metrics.QUEUE)
    assert (queue["received"], queue["overdue_open"], queue["department_name"]) == (1, 1, "待派单队列")
    assert [(p["key"], p["overdue_open"]) for p in series["points"]] == [(metrics.QUEUE, 1)]
