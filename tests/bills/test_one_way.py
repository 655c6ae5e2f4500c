"""The kernel's one way, as users see it through HTTP (each of these once differed between domains).

A. A payee's or an administrator's read of a resident's payment reaches the resident's access log.
B. A family member whose mandate does not cover a domain gets 404 for its records, in every domain.
C. One proxy payment is one entry in the grantor's access log.
D. Turning a channel off on /me stops deliveries on that channel.
"""

from __future__ import annotations

from app.core.sms import sandbox_log
from tests.bills import helpers


def _log(client, auth, person) -> list[tuple]:
    items = client.get("/api/v1/me/access-log", headers=auth(person)).get_json()["items"]
    return [(e["actor_kind"], e["action"], e["resource"], e["client_id"]) for e in items]


def _pay(client, headers, bill, key="pay-once"):
    return client.post(
        "/api/v1/bills/payments",
        headers={**headers, "Idempotency-Key": key},
        json={"bill_ids": [str(bill.id)]},
    )


def test_a_payees_and_an_administrators_reads_of_a_payment_are_in_the_residents_access_log(
    client, auth, resident, make_person
):
    water = helpers.make_biller("test-reader", "test-reader-biller")
    helpers.register_client("test-reader-biller")
    from app.identity import clients

    clients.client_by_id("test-reader-biller").scopes = ["bills:write", "payments:read"]
    account = helpers.bind(resident, water)
    bill = helpers.push(water, "W-A", account.account_number)
    payment = _pay(client, auth(resident), bill).get_json()
    biller = helpers.client_token(client, water.client_id)
    admin = make_person("admin")

    assert client.get(f"/api/v1/payments/{payment['id']}", headers=biller).status_code == 200
    assert client.get(f"/api/v1/payments/{payment['id']}", headers=auth(admin)).status_code == 200

    reads = [e for e in _log(client, auth, resident) if e[2] == "payment_intent"]
    assert reads == [
        ("person", "read", "payment_intent", "test-client"),
        ("client", "read", "payment_intent", water.client_id),
    ]


def test_a_proxy_outside_its_mandate_gets_404_in_every_domain(
    client, auth, demo, resident, make_person, water, account
):
    bill = helpers.push(water, "W-B", account.account_number)
    report = client.post(
        "/api/v1/complaints",
        headers=auth(resident),
        json={"category": "0202", "description": "路灯坏了，晚上很黑", "address": "南明区花果园街道"},
    ).get_json()
    only_bills, only_complaints = make_person(name="账单代办"), make_person(name="诉求代办")
    helpers.grant_bills_mandate(resident, only_bills, scopes=("bills",))
    helpers.grant_bills_mandate(resident, only_complaints, scopes=("complaints",))

    def as_proxy(person):
        return auth(person, **{"X-On-Behalf-Of": str(resident.id)})

    assert client.get(f"/api/v1/bills/{bill.id}", headers=as_proxy(only_bills)).status_code == 200
    assert (
        client.get(f"/api/v1/complaints/{report['id']}", headers=as_proxy(only_complaints)).status_code == 200
    )
    assert client.get(f"/api/v1/complaints/{report['id']}", headers=as_proxy(only_bills)).status_code == 404
    assert client.get(f"/api/v1/bills/{bill.id}", headers=as_proxy(only_complaints)).status_code == 404


def test_one_proxy_payment_is_one_entry_in_the_grantors_access_log(
    client, auth, resident, make_person, water, account
):
    bill = helpers.push(water, "W-C", account.account_number)
    daughter = make_person(name="女儿")
    helpers.grant_bills_mandate(resident, daughter)

    paid = _pay(client, auth(daughter, **{"X-On-Behalf-Of": str(resident.id)}), bill)

    assert paid.status_code == 201
    by_daughter = [e for e in _log(client, auth, resident) if e[0] == "proxy"]
    assert by_daughter == [("proxy", "pay", "payment_intent", "test-client")]


def test_turning_sms_off_on_me_stops_sms_deliveries(client, db, auth, resident, water, account):
    changed = client.patch("/api/v1/me", headers=auth(resident), json={"notification_channels": []})
    assert changed.status_code == 200 and changed.get_json()["notification_channels"] == ["inbox"]
    before = len(sandbox_log(resident.phone))

    helpers.push(water, "W-D", account.account_number)  # a new bill: its notice goes to the holder
    db.session.commit()  # delivered once the push commits

    inbox = client.get("/api/v1/me/inbox", headers=auth(resident)).get_json()["items"]
    assert [item["title"] for item in inbox][:1] == ["新账单"]
    assert len(sandbox_log(resident.phone)) == before
