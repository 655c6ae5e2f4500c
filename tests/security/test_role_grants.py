"""Finding 11: a role grant names a merchant only for merchant roles, and only one that exists."""

from __future__ import annotations

import uuid

import pytest

from app.identity import services
from app.identity.services import roles
from tests.security.helpers import assert_problem

INVENTED = str(uuid.uuid4())


@pytest.fixture
def admin(make_person):
    return make_person("admin", name="管理员")


def _grant(client, auth, admin, **body):
    return client.post(
        "/api/v1/staff/role-grants", json={"phone": "13912345001", **body}, headers=auth(admin)
    )


def test_a_merchant_that_does_not_exist_is_refused(client, auth, admin):
    refused = _grant(client, auth, admin, role="merchant_owner", merchant_id=INVENTED)
    assert assert_problem(refused, 422)["errors"] == {"merchant_id": ["未知的商户。"]}
    assert services.person_by_phone("+8613912345001") is None, "nothing of a refused grant is kept"


@pytest.mark.parametrize("role", ["admin", "dispatcher", "supervisor", "hotline_agent"])
def test_a_merchant_on_a_role_that_is_not_a_merchant_role_is_refused(client, auth, admin, role):
    refused = _grant(client, auth, admin, role=role, merchant_id=INVENTED)
    assert "merchant_id" in assert_problem(refused, 422)["errors"]


def test_a_merchant_the_directory_knows_is_granted(client, auth, admin):
    known = uuid.uuid4()
    services.install_merchant_directory(lambda merchant_id: merchant_id == known)
    try:
        granted = _grant(client, auth, admin, role="merchant_staff", merchant_id=str(known))
        assert granted.status_code == 201 and granted.get_json()["merchant_id"] == str(known)
        refused = _grant(client, auth, admin, role="merchant_staff", merchant_id=INVENTED)
        assert_problem(refused, 422)
    finally:
        roles._merchant_directory.clear()
