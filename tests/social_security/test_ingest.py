"""The institutions' API: bulk, idempotent by record id, corrections superseding with history kept."""

from __future__ import annotations

from app.social_security.models import Record
from tests.social_security import helpers
from tests.social_security.helpers import OTHER_EMPLOYER, PUSH, contribution, month, push, status


def _count(db, *where) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(Record).where(*where))


def test_the_same_batch_again_changes_nothing(client, db, insured, bureau):
    _person, number = insured
    rows = [contribution(f"R-{ago}", number, month(ago)) for ago in (1, 2, 3)]
    first = push(client, bureau, *rows)
    assert [a["result"] for a in first["accepted"]] == ["created"] * 3
    again = push(client, bureau, *rows)
    assert [a["result"] for a in again["accepted"]] == ["unchanged"] * 3
    assert [a["id"] for a in again["accepted"]] == [a["id"] for a in first["accepted"]]
    assert _count(db) == 3


def test_a_correction_supersedes_the_record_and_keeps_its_history(client, auth, db, insured, bureau):
    person, number = insured
    original = contribution("R-1", number, month(1), stated=helpers.as_of(48))
    created = push(client, bureau, original)["accepted"][0]
    fixed = contribution("R-1", number, month(1), base=900_000, employer=144_000, personal=72_000,
                         employer_code=OTHER_EMPLOYER)  # fmt: skip
    corrected = push(client, bureau, fixed)["accepted"][0]
    assert corrected["result"] == "corrected" and corrected["version"] == 2

    history = client.get("/api/v1/social-security/records", headers=auth(person)).get_json()["items"]
    assert [(i["record_id"], i["version"], i["base"]["amount_fen"]) for i in history] == [("R-1", 2, 900_000)]
    detail = client.get(f"/api/v1/social-security/records/{corrected['id']}", headers=auth(person)).get_json()
    assert [(v["version"], v["current"], v["employer_name"]) for v in detail["versions"]] == [
        (2, True, OTHER_EMPLOYER[1]),
        (1, False, helpers.EMPLOYER[1]),
    ]
    assert detail["versions"][1]["superseded_at"] is not None
    old = client.get(f"/api/v1/social-security/records/{created['id']}", headers=auth(person)).get_json()
    assert old["current"] is False and old["version"] == 1

    stale = push(client, bureau, contribution("R-1", number, month(1), stated=helpers.as_of(72)))
    assert stale["refused"][0]["code"] == "stale" and stale["refused"][0]["reason"]
    assert _count(db) == 2 and _count(db, Record.is_current) == 1


def test_each_item_is_accepted_or_refused_on_its_own(client, db, insured, bureau):
    _person, number = insured
    good = contribution("OK-1", number, month(1))
    result = push(
        client,
        bureau,
        good,
        {**contribution("BAD-1", number, month(1)), "national_id": "520102199003071230"},
        {**contribution("BAD-2", number, month(1)), "employer_code": "91520100MA6DKQ1A5X"},
        {**contribution("BAD-3", number, month(1)), "employer_fen": 1.5},
        {**contribution("BAD-4", number, "2999-01")},
        status("BAD-5", number, "pension", "active", helpers.day(-5)),
        helpers.entry("BAD-6", number, "medical", "spend", 4_000, 10_000, helpers.day(3)),
        contribution("HF-1", number, month(1), scheme="housing_fund"),
        good,
        "not an object",
        {"record_id": "BAD-7", "kind": "loan"},
        {**contribution("BAD-8", number, month(1)), "national_id": "520199198301010014"},  # unknown county
    )
    assert [(a["index"], a["result"]) for a in result["accepted"]] == [(0, "created")]
    refused = {r["index"]: r for r in result["refused"]}
    assert set(refused) == set(range(1, 12))
    assert "national_id" in refused[1]["errors"] and refused[1]["record_id"] == "BAD-1"
    assert "employer_code" in refused[2]["errors"]
    assert "employer_fen" in refused[3]["errors"]
    assert "period" in refused[4]["errors"]
    assert "date" in refused[5]["errors"]
    assert "amount_fen" in refused[6]["errors"]
    assert refused[7]["code"] == "wrong-institution"
    assert refused[8]["code"] == "duplicate-in-batch"
    assert refused[9]["record_id"] is None
    assert {"national_id", "name", "scheme", "as_of"} <= set(refused[10]["errors"])
    assert "national_id" in refused[11]["errors"]
    assert _count(db) == 1


def test_only_the_institutions_push_and_a_batch_is_bounded(client, auth, resident, insured, fund):
    _person, number = insured
    as_resident = client.post(
        PUSH, headers=auth(resident), json={"records": [contribution("X", number, month(1))]}
    )
    assert as_resident.status_code == 403
    pension_from_fund = push(client, fund, contribution("X", number, month(1)))
    assert pension_from_fund["refused"][0]["code"] == "wrong-institution"
    too_many = client.post(PUSH, headers=fund, json={"records": [{}] * 1001})
    assert too_many.status_code == 422


def test_an_institution_reads_back_only_its_own_records_and_the_resident_sees_it(
    client, auth, insured, bureau, fund
):
    person, number = insured
    push(client, bureau, contribution("SAME-NO", number, month(1)))
    mine = client.get("/api/v1/social-security/institution/records/SAME-NO", headers=bureau)
    assert mine.status_code == 200 and mine.get_json()["versions"][0]["record_id"] == "SAME-NO"
    assert client.get("/api/v1/social-security/institution/records/SAME-NO", headers=fund).status_code == 404
    log = client.get("/api/v1/me/access-log", headers=auth(person)).get_json()["items"]
    assert [(e["client_id"], e["resource"], e["action"]) for e in log] == [
        (helpers.BUREAU, "ss_record", "read")
    ]


def test_records_wait_for_a_person_who_verifies_later(client, auth, make_person, bureau):
    number = helpers.national_id()
    push(client, bureau, contribution("EARLY-1", number, month(1), name="王五"))
    person, _ = helpers.verified(make_person, name="王五", number=number)
    summary = client.get("/api/v1/social-security/summary", headers=auth(person)).get_json()
    assert summary["name"] == "王*" and summary["schemes"][0]["months_paid"] == 1
