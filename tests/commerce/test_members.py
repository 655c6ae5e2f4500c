"""The owner removes a member: they lose the merchant's orders and role at once; the last owner stays."""

from __future__ import annotations

from app.identity import services as identity
from tests.commerce import helpers


def _members(client, auth, owner, shop):
    return client.get(f"/api/v1/merchant/merchants/{shop.id}/members", headers=auth(owner)).get_json()


def test_a_removed_staff_member_loses_the_orders_and_the_role(
    client, auth, resident, owner, shop, water, make_person
):
    staff = make_person(name="离职店员")
    added = client.post(
        f"/api/v1/merchant/merchants/{shop.id}/members", json={"phone": staff.phone}, headers=auth(owner)
    ).get_json()
    helpers.paid_order(resident, water)
    old_token = auth(staff)  # issued while they still worked there
    assert client.get(f"/api/v1/merchant/merchants/{shop.id}/orders", headers=old_token).status_code == 200

    by_staff = client.delete(f"/api/v1/merchant/merchants/{shop.id}/members/{added['id']}", headers=old_token)
    assert by_staff.status_code == 403  # staff remove nobody
    removed = client.delete(
        f"/api/v1/merchant/merchants/{shop.id}/members/{added['id']}", headers=auth(owner)
    )
    assert removed.status_code == 204, removed.get_data(as_text=True)

    assert client.get(f"/api/v1/merchant/merchants/{shop.id}/orders", headers=old_token).status_code in (
        403,
        404,
    )
    assert client.get(f"/api/v1/merchant/merchants/{shop.id}/orders", headers=auth(staff)).status_code == 403
    assert {grant.role for grant in identity.get_person(staff.id).roles} == set()
    assert [m["person_id"] for m in _members(client, auth, owner, shop)] == [str(owner.id)]
    log = client.get("/api/v1/me/access-log", headers=auth(staff)).get_json()
    assert "merchant_member" in str(log)  # the removal is in the removed person's log
    again = client.delete(f"/api/v1/merchant/merchants/{shop.id}/members/{added['id']}", headers=auth(owner))
    assert again.status_code == 404


def test_the_last_owner_cannot_be_removed_and_another_merchant_is_404(client, auth, owner, shop, make_person):
    (me,) = _members(client, auth, owner, shop)
    last = client.delete(f"/api/v1/merchant/merchants/{shop.id}/members/{me['id']}", headers=auth(owner))
    assert last.status_code == 409 and last.get_json()["code"] == "merchant-last-owner"
    other_owner = make_person(name="别家店主")
    other = helpers.verified_merchant(other_owner)
    foreign = client.delete(f"/api/v1/merchant/merchants/{other.id}/members/{me['id']}", headers=auth(owner))
    assert foreign.status_code in (403, 404)
    mixed = client.delete(
        f"/api/v1/merchant/merchants/{shop.id}/members/{me['id']}", headers=auth(other_owner)
    )
    assert mixed.status_code == 404
