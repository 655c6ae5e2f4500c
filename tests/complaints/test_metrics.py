"""Oversight figures over HTTP, and the CSV export."""

from datetime import timedelta

from app.core.calendar import SHANGHAI
from app.core.models import utcnow


def _story(client, auth, staff, resident, report, rating):
    mine = report(resident)
    view = client.get(f"/api/v1/staff/complaints/{mine['id']}", headers=auth(staff["handler"])).get_json()
    accepted = client.post(
        f"/api/v1/staff/complaints/{mine['id']}/accept",
        json={"version": view["version"]},
        headers=auth(staff["handler"]),
    ).get_json()
    client.post(
        f"/api/v1/staff/complaints/{mine['id']}/resolve",
        json={"version": accepted["version"], "reply": "已修复"},
        headers=auth(staff["handler"]),
    )
    client.post(f"/api/v1/complaints/{mine['id']}/rating", json={"rating": rating}, headers=auth(resident))
    return mine


def test_rates_per_department(client, auth, city, staff, resident, other_resident, report):
    _story(client, auth, staff, resident, report, rating=5)
    _story(client, auth, staff, other_resident, report, rating=2)  # reopened, not yet replied again
    report(resident, category="0301", description="新华路停水了", address="新华路街道")
    today = utcnow().date()
    query = f"start={(today - timedelta(days=1)).isoformat()}&end={(today + timedelta(days=1)).isoformat()}"
    body = client.get(
        f"/api/v1/staff/complaints/metrics?{query}", headers=auth(staff["supervisor"])
    ).get_json()
    rows = {row["department_code"]: row for row in body["departments"]}
    urban = rows["city-urban-management"]
    assert (urban["received"], urban["replied"], urban["rated"], urban["satisfied"]) == (2, 1, 2, 1)
    assert urban["satisfaction_rate"] == 0.5 and urban["on_time_rate"] == 1.0
    assert rows["city-water"]["received"] == 1 and rows["city-water"]["replied"] == 0
    assert body["by_category"] == {"0202": 2, "0301": 1}
    assert body["by_district"] == {"520102": 3}
    assert body["overdue"] == []


def test_handler_sees_only_their_department_and_csv_export(client, auth, city, staff, resident, report):
    _story(client, auth, staff, resident, report, rating=4)
    report(resident, category="0301", description="新华路停水了", address="新华路街道")
    today = utcnow().astimezone(SHANGHAI).date().isoformat()  # the business day, not the machine's
    mine = client.get(
        f"/api/v1/staff/complaints/metrics?start={today}&end={today}", headers=auth(staff["handler"])
    )
    assert [r["department_code"] for r in mine.get_json()["departments"]] == ["city-urban-management"]
    exported = client.get(
        f"/api/v1/staff/complaints/metrics.csv?start={today}&end={today}", headers=auth(staff["supervisor"])
    )
    assert exported.mimetype == "text/csv"
    text = exported.get_data(as_text=True)
    assert text.startswith("\ufeffperiod,")
    assert "city-urban-management,市城市管理局,1,1,1,1.0,1,1.0,1,1,1.0,0" in text
    assert (
        client.get(
            f"/api/v1/staff/complaints/metrics?start={today}&end={today}", headers=auth(resident)
        ).status_code
        == 403
    )


def test_bad_period_is_422(client, auth, city, staff):
    response = client.get(
        "/api/v1/staff/complaints/metrics?start=2026-11-02&end=2026-11-01", headers=auth(staff["supervisor"])
    )
    assert response.status_code == 422


def test_a_bad_period_is_explained_in_the_readers_language(client, auth, city, staff):
    supervisor = staff["supervisor"]
    expected = {
        "zh-CN": ("结束日期早于开始日期。", "统计期间最长一年。"),
        "zh-TW": ("結束日期早於開始日期。", "統計期間最長一年。"),
        "en": ("The end comes before the start.", "A period lasts at most a year."),
    }
    for language, (backwards, too_long) in expected.items():
        headers = auth(supervisor, **{"Accept-Language": language})
        for query, message in (
            ("start=2026-11-02&end=2026-11-01", backwards),
            ("start=2025-01-01&end=2026-11-01", too_long),
        ):
            answer = client.get(f"/api/v1/staff/complaints/metrics?{query}", headers=headers)
            assert answer.status_code == 422
            assert answer.get_json()["errors"]["end"] == [message], language
