"""Photos of listings by the merchant, of reviews by the resident; anyone fetches a verified merchant's."""

from __future__ import annotations

import io

from app.commerce import services
from app.core.actors import Actor
from tests.commerce import helpers
from tests.commerce.helpers import person_actor

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64


def _upload(client, url, headers, data=PNG, name="a.png"):
    return client.post(url, data={"photo": (io.BytesIO(data), name)}, headers=headers)


def test_a_listing_shows_its_photos_in_order_and_anyone_fetches_them(client, auth, owner, shop, water):
    url = f"/api/v1/merchant/merchants/{shop.id}/listings/{water.id}/photos"
    first = _upload(client, url, auth(owner))
    assert first.status_code == 201, first.get_data(as_text=True)
    second = _upload(client, url, auth(owner), JPEG, "b.jpg").get_json()
    listing = client.get(f"/api/v1/commerce/merchants/{shop.id}/listings").get_json()["items"][0]
    assert listing["photos"] == [first.get_json()["url"], second["url"]]
    fetched = client.get(first.get_json()["url"])
    assert fetched.status_code == 200 and fetched.mimetype == "image/png" and fetched.data == PNG
    nearby = client.get("/api/v1/commerce/nearby?near=26.5560,106.6905&radius=1000").get_json()["items"]
    assert nearby[0]["photos"] == listing["photos"]

    removed = client.delete(f"{url}/{first.get_json()['id']}", headers=auth(owner))
    assert removed.status_code == 204
    listing = client.get(f"/api/v1/commerce/merchants/{shop.id}/listings").get_json()["items"][0]
    assert listing["photos"] == [second["url"]]
    assert client.get(first.get_json()["url"]).status_code == 404


def test_a_photo_must_be_an_image_and_listings_take_six(client, auth, owner, shop, water):
    url = f"/api/v1/merchant/merchants/{shop.id}/listings/{water.id}/photos"
    not_image = _upload(client, url, auth(owner), b"%PDF-1.4 not a photo", "a.png")
    assert not_image.status_code == 422
    for _ in range(6):
        assert _upload(client, url, auth(owner)).status_code == 201
    assert _upload(client, url, auth(owner)).status_code == 422


def test_another_merchant_and_a_resident_cannot_add_listing_photos(
    client, auth, resident, shop, water, make_person
):
    url = f"/api/v1/merchant/merchants/{shop.id}/listings/{water.id}/photos"
    other_owner = make_person(name="别家店主")
    other = helpers.verified_merchant(other_owner)
    assert _upload(client, url, auth(other_owner)).status_code == 404
    assert _upload(client, url, auth(resident)).status_code == 403
    cross = f"/api/v1/merchant/merchants/{other.id}/listings/{water.id}/photos"
    assert _upload(client, cross, auth(other_owner)).status_code == 404  # not that merchant's listing


def test_a_resident_adds_photos_to_their_review(client, auth, resident, other_resident, owner, shop, water):
    order = helpers.paid_order(resident, water)
    as_shop = person_actor(owner)
    services.accept_order(as_shop, shop.id, order.id)
    services.mark_ready(as_shop, shop.id, order.id)
    url = f"/api/v1/commerce/orders/{order.id}/review/photos"
    assert _upload(client, url, auth(resident)).status_code == 404  # no review yet
    services.confirm_received(person_actor(resident), order.id)
    services.review_order(person_actor(resident), order.id, 5, "水很好")
    added = _upload(client, url, auth(resident))
    assert added.status_code == 201, added.get_data(as_text=True)
    assert _upload(client, url, auth(other_resident)).status_code == 404
    (review,) = client.get(f"/api/v1/commerce/merchants/{shop.id}/reviews").get_json()["items"]
    assert review["photos"] == [added.get_json()["url"]]
    assert client.get(added.get_json()["url"]).data == PNG
    for _ in range(2):
        _upload(client, url, auth(resident))
    assert _upload(client, url, auth(resident)).status_code == 422  # three per review


def test_a_photo_of_a_merchant_no_longer_verified_is_not_served(client, auth, owner, shop, water):
    url = f"/api/v1/merchant/merchants/{shop.id}/listings/{water.id}/photos"
    photo = _upload(client, url, auth(owner)).get_json()
    services.decide_merchant(Actor.system(), shop.id, verified=False, note="执照过期")
    assert client.get(photo["url"]).status_code == 404
