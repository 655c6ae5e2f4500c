"""The service directory: every installed service, found in any language or pinyin, mine first."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from werkzeug.exceptions import MethodNotAllowed, NotFound

from app.core import clock
from app.core.models import utcnow
from app.home import services


def codes(response) -> list[str]:
    assert response.status_code == 200, response.get_json()
    return [item["code"] for item in response.get_json()["items"]]


def test_anyone_reads_the_directory_of_installed_services_by_category(client, app):
    response = client.get("/api/v1/services")
    body = response.get_json()
    installed = set(app.config["DOMAINS"])
    assert {item["domain"] for item in body["items"]} <= installed
    assert len(body["items"]) == len([s for s in services.catalogue() if s.domain in installed])
    bills = next(item for item in body["items"] if item["code"] == "utility_bills")
    assert bills["name"] == "生活缴费" and bills["category"] == {"code": "living", "name": "生活服务"}
    assert bills["real_name_required"] is False and bills["provider"].startswith("市水务集团")
    assert next(i for i in body["items"] if i["code"] == "social_insurance")["real_name_required"] is True
    counted = {c["code"]: c["count"] for c in body["categories"]}
    assert sum(counted.values()) == len(body["items"]) and counted["social"] == 3

    english = client.get("/api/v1/services?category=social", headers={"Accept-Language": "en"}).get_json()
    assert [i["name"] for i in english["items"]] == [
        "Social insurance",
        "Housing provident fund",
        "Insurance certificate",
    ]
    assert english["items"][0]["category"]["name"] == "Social security"
    hant = client.get("/api/v1/services?q=公積金", headers={"Accept-Language": "zh-TW"}).get_json()
    assert hant["items"][0]["name"] == "公積金查詢"


def test_every_service_opens_a_route_the_application_serves(app, db):
    adapter = app.url_map.bind("localhost")
    for service in services.installed():
        path = service.target.split("?")[0]
        try:
            adapter.match(path, method="GET")
        except (NotFound, MethodNotAllowed) as error:  # pragma: no cover - the failure message
            pytest.fail(f"{service.code}: {service.target} is not served ({error})")


@pytest.mark.parametrize(
    ("query", "first"),
    [
        ("电费", "utility_bills"),
        ("電費", "utility_bills"),
        ("electricity", "utility_bills"),
        ("dianfei", "utility_bills"),
        ("shjf", "utility_bills"),  # 生活缴费 by its initials
        ("SheBao", "social_insurance"),
        ("公积金 提取", "housing_fund"),
        ("投诉", "hotline_12345"),
        ("ts", "hotline_12345"),  # 投诉
        ("chengshima", "city_code"),
    ],
)
def test_search_in_any_language_and_pinyin(client, query, first):
    assert codes(client.get("/api/v1/services", query_string={"q": query}))[0] == first


def test_a_search_matching_nothing_is_an_empty_directory(client):
    body = client.get("/api/v1/services?q=zzzqqq").get_json()
    assert body["items"] == [] and all(c["count"] == 0 for c in body["categories"])


def test_bad_queries_are_localized_problems(client):
    long = client.get("/api/v1/services", query_string={"q": "缴" * 61}, headers={"Accept-Language": "en"})
    assert long.status_code == 422 and long.mimetype == "application/problem+json"
    assert long.get_json()["errors"]["q"] == ["Longer than maximum length 60."]
    unknown = client.get("/api/v1/services?category=space")
    assert unknown.status_code == 422 and "category" in unknown.get_json()["errors"]


def test_what_i_open_comes_first_for_me_only(client, auth, resident, other_resident):
    before = codes(client.get("/api/v1/services", headers=auth(resident)))
    assert before[0] == "city_code"
    opened = client.post("/api/v1/me/services/insurance_certificate/visits", headers=auth(resident))
    assert opened.status_code == 200
    assert opened.get_json()["my_visits"] == 1 and opened.get_json()["popularity"] == 1
    client.post("/api/v1/me/services/hotline_12345/visits", headers=auth(resident))

    mine = client.get("/api/v1/services", headers=auth(resident)).get_json()["items"]
    assert [i["code"] for i in mine[:2]] == ["hotline_12345", "insurance_certificate"]
    assert mine[0]["my_last_used_at"] is not None and mine[2]["my_visits"] == 0
    # For someone else the services I opened are popular, ahead of the rest, but not "theirs".
    theirs = client.get("/api/v1/services", headers=auth(other_resident)).get_json()["items"]
    assert {i["code"] for i in theirs[:2]} == {"hotline_12345", "insurance_certificate"}
    assert all(i["my_visits"] == 0 for i in theirs)
    # A search still ranks by relevance first.
    assert codes(client.get("/api/v1/services?q=dianfei", headers=auth(resident)))[0] == "utility_bills"


def test_popularity_counts_each_resident_once_a_day(client, auth, resident, other_resident):
    with clock.frozen(utcnow()):
        for _ in range(3):
            last = client.post("/api/v1/me/services/utility_bills/visits", headers=auth(resident)).get_json()
        assert last["my_visits"] == 3 and last["popularity"] == 1
        other = client.post("/api/v1/me/services/utility_bills/visits", headers=auth(other_resident))
        assert other.get_json()["popularity"] == 2
        clock.advance(timedelta(days=1))
        again = client.post("/api/v1/me/services/utility_bills/visits", headers=auth(resident)).get_json()
        assert again["popularity"] == 3 and again["my_visits"] == 4


def test_visits_need_a_known_service_and_a_signed_in_resident(client, auth, resident):
    unknown = client.post(
        "/api/v1/me/services/teleport/visits", headers=auth(resident, **{"Accept-Language": "en"})
    )
    assert unknown.status_code == 404 and unknown.get_json()["title"] == "Unknown service"
    assert client.post("/api/v1/me/services/utility_bills/visits").status_code == 401


def test_the_pinyin_worked_out_ahead_is_what_pypinyin_says_of_every_name_and_keyword():
    from app.home.catalogue import PINYIN
    from app.home.services.directory import pinyin_table

    held = json.loads(PINYIN.read_text(encoding="utf-8"))
    assert held == pinyin_table(), (
        "the catalogue changed: run app.home.services.directory.write_pinyin_table()"
    )


_STARTS = """
import sys
from app import create_app
from config import TestConfig
create_app(TestConfig, SQLALCHEMY_DATABASE_URI="sqlite://", REDIS_URL=None)
print(" ".join(sorted(sys.modules)))
"""


def test_a_worker_starts_without_the_pinyin_dictionaries_or_the_pdf_library():
    """pypinyin (~57 MB) and fpdf2 with its font tools (~45 MB) load only where used, not per worker."""
    loaded = subprocess.run(  # noqa: S603 - this interpreter, a fixed script
        [sys.executable, "-c", _STARTS],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[2],
        env={k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")},
    ).stdout.split()
    assert not {"pypinyin", "fpdf", "fontTools"} & set(loaded)
