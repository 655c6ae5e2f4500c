"""The whole story over HTTP: a service notifies a resident, who reads it in their own language."""

from datetime import date

from app.core.money import Money
from app.core.sms import sandbox_log
from app.notifications import services
from app.notifications.services import Localized

WATER = Localized({"zh_Hans": "市水务集团", "zh_Hant": "市水務集團", "en": "City Water"})


def _bill_due(person, key: str):
    return services.notify(
        person.id,
        "bill_due",
        {"biller": WATER, "amount": Money(12345), "due_date": date(2026, 6, 15)},
        topic="bills",
        dedupe_key=key,
    )


def test_resident_reads_marks_and_clears_their_inbox(app, client, db, make_person, auth):
    ada = make_person(locale="en", name="Ada")
    other = make_person(name="居民乙")
    with app.test_request_context(headers={"Accept-Language": "zh-CN"}):  # the sender speaks Chinese
        _bill_due(ada, "test:story:bill-due")
        services.notify(
            ada.id,
            "complaint_dispatched",
            {"reference": "GY-2026-0001", "department": "Urban Management"},
            topic="complaints",
            dedupe_key="test:story:dispatched",
        )
        db.session.commit()

    inbox = client.get("/api/v1/me/inbox", headers=auth(ada)).get_json()
    assert inbox["unread_count"] == 2
    newest, oldest = inbox["items"]
    assert newest["title"] == "Report dispatched"
    assert oldest["title"] == "Bill due soon"
    assert oldest["body"] == "Your City Water bill of CN¥123.45 is due Jun 15, 2026."
    assert oldest["read"] is False and oldest["topic"] == "bills"
    assert sandbox_log(ada.phone)[-1].body == "[Yimatong] Bill due soon: " + oldest["body"]

    intruder = client.post(f"/api/v1/me/inbox/{oldest['id']}/read", headers=auth(other))
    assert intruder.status_code == 404
    assert client.get("/api/v1/me/inbox", headers=auth(other)).get_json() == {
        "items": [],
        "next_cursor": None,
        "limit": 20,
        "unread_count": 0,
    }

    read = client.post(f"/api/v1/me/inbox/{oldest['id']}/read", headers=auth(ada))
    assert read.status_code == 200 and read.get_json()["read"] is True
    unread = client.get("/api/v1/me/inbox?unread_only=true", headers=auth(ada)).get_json()
    assert [i["id"] for i in unread["items"]] == [newest["id"]] and unread["unread_count"] == 1

    cleared = client.post("/api/v1/me/inbox/read-all", headers=auth(ada))
    assert cleared.get_json() == {"marked": 1, "unread_count": 0}
    assert client.get("/api/v1/me/inbox", headers=auth(ada)).get_json()["unread_count"] == 0


def test_each_recipient_gets_their_own_language(app, client, db, make_person, auth):
    hans, hant, default = make_person(locale="zh_Hans"), make_person(locale="zh_Hant"), make_person()
    with app.test_request_context(headers={"Accept-Language": "en"}):  # the sender reads English
        for person in (hans, hant, default):
            _bill_due(person, f"test:lang:{person.id}")
        db.session.commit()

    def first(person):
        return client.get("/api/v1/me/inbox", headers=auth(person)).get_json()["items"][0]

    assert first(hans)["body"] == "您的市水务集团账单¥123.45将于2026年6月15日到期。"
    assert first(hant)["title"] == "帳單即將到期"
    assert first(hant)["body"].startswith("您的市水務集團帳單")
    assert first(default)["title"] == "账单即将到期" and first(default)["locale"] == "zh_Hans"
    assert sandbox_log(hans.phone)[0].body.startswith("【一码通城】账单即将到期：")


def test_inbox_pages_with_a_cursor(client, db, resident, auth):
    for n in range(3):
        services.notify(
            resident.id,
            "complaint_received",
            {"reference": f"R{n}"},
            topic="complaints",
            dedupe_key=f"test:page:{n}",
        )
    db.session.commit()
    first = client.get("/api/v1/me/inbox?limit=2", headers=auth(resident)).get_json()
    second = client.get(f"/api/v1/me/inbox?limit=2&cursor={first['next_cursor']}", headers=auth(resident))
    bodies = [i["body"] for i in first["items"] + second.get_json()["items"]]
    assert [b.split("R")[1][0] for b in bodies] == ["2", "1", "0"]
    assert second.get_json()["next_cursor"] is None and first["unread_count"] == 3


def test_inbox_needs_a_signed_in_person(client):
    assert client.get("/api/v1/me/inbox").status_code == 401
