"""A resident's social insurance and housing fund, as they live it: records arrive, they look, they prove."""

from __future__ import annotations

from tests.social_security import helpers
from tests.social_security.helpers import EMPLOYER, contribution, entry, month, push, status

SUMMARY = "/api/v1/social-security/summary"
HISTORY = "/api/v1/social-security/records"


def _three_months(client, bureau, fund, number):
    """Pension and medical for three months, a medical account, the housing fund; what was sent."""
    sent = [status("ST-P", number, "pension", "active", helpers.day(200))]
    for ago in (3, 2, 1):
        sent.append(contribution(f"P-{ago}", number, month(ago)))
        sent.append(
            contribution(f"M-{ago}", number, month(ago), scheme="medical", employer=64_000, personal=16_000)
        )
    sent += [
        entry("MA-1", number, "medical", "credit", 16_000, 16_000, helpers.day(80)),
        entry("MA-2", number, "medical", "spend", -4_500, 11_500, helpers.day(50), purpose="药店购药"),
    ]
    assert not push(client, bureau, *sent)["refused"]
    fund_rows = [
        status("HF-ST", number, "housing_fund", "active", helpers.day(200)),
        contribution("HF-1", number, month(1), scheme="housing_fund", employer=96_000, personal=96_000),
        entry("HF-E1", number, "housing_fund", "credit", 192_000, 1_192_000, helpers.day(20)),
    ]
    assert not push(client, fund, *fund_rows)["refused"]
    return sent + fund_rows


def test_records_need_a_verified_real_name_then_appear_as_the_institutions_send_them(
    client, auth, make_person, bureau, fund
):
    stranger = make_person(name="未实名")
    refused = client.get(SUMMARY, headers=auth(stranger))
    assert refused.status_code == 409 and refused.get_json()["code"] == "real-name-required"

    person, number = helpers.verified(make_person)
    nothing = client.get(SUMMARY, headers=auth(person, **{"Accept-Language": "en"}))
    assert nothing.status_code == 404 and nothing.get_json()["title"] == "No records"

    _three_months(client, bureau, fund, number)
    summary = client.get(SUMMARY, headers=auth(person)).get_json()
    assert summary["name"] == "张**" and summary["national_id"] == number[:3] + "*" * 11 + number[-4:]
    schemes = {item["scheme"]: item for item in summary["schemes"]}
    assert schemes["pension"]["status_label"] == "正常参保"
    assert schemes["pension"]["months_paid"] == 3 and schemes["pension"]["continuous_months"] == 3
    assert schemes["pension"]["last_month"] == month(1)
    assert schemes["pension"]["employer_name"] == EMPLOYER[1]
    assert schemes["medical"]["status"] == "active"  # contributions without a status record: paying
    assert schemes["housing_fund"]["last_employer_part"]["amount_fen"] == 96_000
    accounts = {item["scheme"]: item["balance"]["amount_fen"] for item in summary["accounts"]}
    assert accounts == {"medical": 11_500, "housing_fund": 1_192_000}


def test_history_pages_newest_first_and_filters_by_year_and_scheme(client, auth, insured, bureau, fund):
    person, number = insured
    sent = _three_months(client, bureau, fund, number)
    pages, cursor = [], None
    while True:
        query = {"limit": 4, **({"cursor": cursor} if cursor else {})}
        page = client.get(HISTORY, headers=auth(person), query_string=query).get_json()
        pages.append(page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            break
    items = [item for page in pages for item in page]
    assert sorted(item["record_id"] for item in items) == sorted(row["record_id"] for row in sent)
    dates = [item["date"] for item in items]
    assert dates == sorted(dates, reverse=True)

    pension = client.get(HISTORY, headers=auth(person), query_string={"scheme": "pension"}).get_json()[
        "items"
    ]
    assert [item["period"] for item in pension if item["kind"] == "contribution"] == [
        month(1),
        month(2),
        month(3),
    ]
    year = int(month(1)[:4])
    in_year = client.get(HISTORY, headers=auth(person), query_string={"year": year}).get_json()["items"]
    assert {item["record_id"] for item in in_year} == {
        row["record_id"] for row in sent if (row.get("period") or row.get("date"))[:4] == str(year)
    }
    before = client.get(HISTORY, headers=auth(person), query_string={"year": 1999}).get_json()
    assert before["items"] == []
    bad = client.get(HISTORY, headers=auth(person), query_string={"scheme": "lottery"})
    assert bad.status_code == 422 and "scheme" in bad.get_json()["errors"]


def test_a_yearly_statement_adds_up_to_the_raw_rows(client, auth, insured, bureau, fund):
    person, number = insured
    sent = _three_months(client, bureau, fund, number)
    year = int(month(1)[:4])
    body = client.get(f"/api/v1/social-security/statements/{year}", headers=auth(person)).get_json()
    for item in body["schemes"]:
        rows = [
            r for r in sent
            if r["kind"] == "contribution" and r["scheme"] == item["scheme"] and r["period"][:4] == str(year)
        ]  # fmt: skip
        assert item["months"] == len(rows)
        assert item["employer_total"]["amount_fen"] == sum(r["employer_fen"] for r in rows)
        assert item["personal_total"]["amount_fen"] == sum(r["personal_fen"] for r in rows)
        assert item["total"]["amount_fen"] == sum(r["employer_fen"] + r["personal_fen"] for r in rows)
        assert [m["period"] for m in item["monthly"]] == sorted(r["period"] for r in rows)
    assert body["contributions_total"]["amount_fen"] == sum(i["total"]["amount_fen"] for i in body["schemes"])
    for account in body["accounts"]:
        rows = [r for r in sent if r["kind"] == "account_entry" and r["scheme"] == account["scheme"]]
        rows = [r for r in rows if r["date"].startswith(str(year))]
        assert account["entries"] == len(rows)
        assert account["money_in"]["amount_fen"] == sum(r["amount_fen"] for r in rows if r["amount_fen"] > 0)
        assert account["money_out"]["amount_fen"] == -sum(
            r["amount_fen"] for r in rows if r["amount_fen"] < 0
        )
        assert account["balanced"] is True
    assert client.get("/api/v1/social-security/statements/1800", headers=auth(person)).status_code == 422


def test_another_resident_sees_none_of_it(client, auth, make_person, insured, bureau, fund):
    person, number = insured
    _three_months(client, bureau, fund, number)
    other, _ = helpers.verified(make_person, name="李四")
    for path in (SUMMARY, HISTORY, f"/api/v1/social-security/statements/{month(1)[:4]}"):
        response = client.get(path, headers=auth(other))
        assert response.status_code == 404, path
        assert EMPLOYER[1] not in response.get_data(as_text=True)


def test_a_family_member_with_a_mandate_reads_and_it_shows_in_the_access_log(
    client, auth, make_person, insured, bureau, fund
):
    from datetime import timedelta

    from app.core.actors import Actor, ActorKind
    from app.core.models import utcnow
    from app.identity import services as identity

    person, number = insured
    _three_months(client, bureau, fund, number)
    daughter = make_person(name="女儿")
    identity.grant_mandate(
        Actor(kind=ActorKind.PERSON, person_id=person.id),
        grantee_phone=daughter.phone,
        scopes=["social_security"],
        expires_at=utcnow() + timedelta(days=30),
    )
    as_daughter = auth(daughter, **{"X-On-Behalf-Of": str(person.id)})
    assert client.get(SUMMARY, headers=as_daughter).status_code == 200
    log = client.get("/api/v1/me/access-log", headers=auth(person)).get_json()["items"]
    assert any(e["resource"] == "ss_summary" and e["actor_kind"] == "proxy" for e in log)


def test_staff_read_a_summary_with_a_reason_the_resident_sees_in_the_access_log(
    client, auth, make_person, insured, bureau
):
    person, number = insured
    push(client, bureau, contribution("S-1", number, month(1)))
    worker = make_person("community_worker", name="社区工作者")
    path = f"/api/v1/staff/social-security/people/{person.id}/summary"
    assert client.get(path, headers=auth(worker)).status_code == 422  # a reason is required
    seen = client.get(path, headers=auth(worker), query_string={"reason": "协助办理退休手续"})
    assert seen.status_code == 200 and seen.get_json()["schemes"][0]["months_paid"] == 1
    assert (
        client.get(path, headers=auth(make_person(name="路人")), query_string={"reason": "看看"}).status_code
        == 403
    )
    log = client.get("/api/v1/me/access-log", headers=auth(person)).get_json()["items"]
    assert [(e["actor_kind"], e["resource"], e.get("reason")) for e in log] == [
        ("person", "ss_summary", "协助办理退休手续")
    ]


def test_what_needs_attention_for_the_home_screen_and_the_bot(client, db, insured, bureau):
    from app.social_security import services

    person, number = insured
    assert services.attention_items(person.id) == []
    push(client, bureau, contribution("A-1", number, month(6)),
         status("A-S", number, "medical", "suspended", helpers.day(10)))  # fmt: skip
    items = {(item.kind, item.scheme) for item in services.attention_items(person.id)}
    assert items == {("status_not_active", "medical"), ("employer_missing", "pension")}
    assert services.summary_of_person(person.id).schemes[0].scheme == "pension"
