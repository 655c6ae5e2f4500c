"""他人代缴: a family member with a bills mandate binds and pays the grantor's accounts, in the log."""

from __future__ import annotations

from tests.bills import helpers


def test_a_family_member_with_a_bills_mandate_binds_and_pays_and_the_grantor_sees_every_step(
    client, auth, resident, make_person, water, biller_headers
):
    daughter = make_person(name="女儿")
    helpers.grant_bills_mandate(resident, daughter)
    as_daughter = auth(daughter, **{"X-On-Behalf-Of": str(resident.id)})

    bound = client.post(
        "/api/v1/bills/accounts",
        headers=as_daughter,
        json={
            "biller_id": str(water.id),
            "fields": {"account_number": "5201000012"},
            "holder_name": "李小明",
        },
    )
    assert bound.status_code == 201, bound.get_json()
    mine = client.get("/api/v1/bills/accounts", headers=auth(resident)).get_json()
    assert [a["id"] for a in mine] == [bound.get_json()["id"]]
    assert client.get("/api/v1/bills/accounts", headers=auth(daughter)).get_json() == []

    client.post(
        "/api/v1/biller/bills",
        headers=biller_headers,
        json={"bills": [helpers.bill_json("W-1", "5201000012")]},
    )
    bill = client.get("/api/v1/bills?status=unpaid", headers=as_daughter).get_json()["items"][0]
    paid = client.post(
        "/api/v1/bills/payments",
        headers={**as_daughter, "Idempotency-Key": "daughter-pays"},
        json={"bill_ids": [bill["id"]]},
    )
    assert paid.status_code == 201, paid.get_json()
    helpers.settle()

    shown = client.get(f"/api/v1/bills/{bill['id']}", headers=auth(resident)).get_json()
    assert shown["status"] == "paid"
    payment = client.get(f"/api/v1/payments/{paid.get_json()['id']}", headers=auth(resident)).get_json()
    assert payment["status"] == "succeeded"

    log = client.get("/api/v1/me/access-log", headers=auth(resident)).get_json()["items"]
    by_daughter = [(e["action"], e["resource"]) for e in log if e["proxy_person_id"] == str(daughter.id)]
    assert by_daughter == [  # newest first; one act, one entry
        ("pay", "payment_intent"),
        ("list", "bill"),
        ("change", "POST /api/v1/bills/accounts"),
    ]


def test_without_a_bills_mandate_the_same_calls_are_refused(
    client, auth, resident, make_person, water, account
):
    neighbour = make_person(name="邻居")
    bill = helpers.push(water, "W-1", account.account_number)
    as_stranger = auth(neighbour, **{"X-On-Behalf-Of": str(resident.id)})
    assert client.get("/api/v1/bills/accounts", headers=as_stranger).status_code == 403
    refused = client.post(
        "/api/v1/bills/payments",
        headers={**as_stranger, "Idempotency-Key": "x"},
        json={"bill_ids": [str(bill.id)]},
    )
    assert refused.status_code == 403

    helpers.grant_bills_mandate(resident, neighbour, scopes=("appointments",))
    as_other_scope = auth(neighbour, **{"X-On-Behalf-Of": str(resident.id)})
    assert client.get("/api/v1/bills/accounts", headers=as_other_scope).status_code == 403
    assert client.get(f"/api/v1/bills/{bill.id}", headers=as_other_scope).status_code == 404
    paid = client.post(
        "/api/v1/bills/payments",
        headers={**as_other_scope, "Idempotency-Key": "y"},
        json={"bill_ids": [str(bill.id)]},
    )
    assert paid.status_code == 403
    bind = client.post(
        "/api/v1/bills/accounts",
        headers=as_other_scope,
        json={
            "biller_id": str(account.biller_id),
            "fields": {"account_number": "5201000022"},
            "holder_name": "李",
        },
    )
    assert bind.status_code == 403
    assert client.get("/api/v1/bills/accounts", headers=auth(resident)).get_json()[0]["id"] == str(account.id)
