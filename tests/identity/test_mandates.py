"""Mandates (帮办代办): granting, acting as a proxy with X-On-Behalf-Of, auditing, revoking."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest

from app import create_app
from app.core.actors import ActorKind, MandateScope
from app.core.api import ApiBlueprint, ProxyHeaderPlugin, current_actor
from app.core.policy import acting_for
from app.core.sms import sandbox_log
from app.extensions import db as _db
from app.identity import services
from app.identity.models import Mandate
from config import TestConfig
from tests.conftest import IsolatedClient


def _in(days: float) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).isoformat()


def _grant(client, auth, grantor, grantee, scopes=("bills",), days=30, **extra):
    return client.post(
        "/api/v1/me/mandates",
        json={"grantee_phone": grantee.phone, "scopes": list(scopes), "expires_at": _in(days), **extra},
        headers=auth(grantor),
    )


@pytest.fixture(scope="module")
def probe_app(app):
    """An app with one more route that asks whose bills the caller may touch, as later domains will."""
    probe = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"])
    blp = ApiBlueprint("probe", __name__)

    @blp.route("/probe/bills")
    @blp.auth()
    def whose_bills():
        actor = current_actor()
        resident = acting_for(actor, MandateScope.BILLS)
        return {"resident": str(resident), "kind": actor.kind.value, "mandate": str(actor.mandate_id)}

    probe.register_blueprint(blp, url_prefix="/api/v1")  # a plain Flask registration: no spec change
    probe.test_client_class = IsolatedClient
    yield probe
    with probe.app_context():
        _db.engine.dispose()


@pytest.fixture
def proxy_probe(probe_app, db):
    """A client of the probe app (sharing the test's transaction) and the probe's path."""
    return probe_app.test_client(), "/api/v1/probe/bills"


def test_grant_list_and_see_a_mandate_from_both_sides(client, auth, resident, other_resident):
    created = _grant(
        client, auth, resident, other_resident, scopes=["bills", "appointments"], note="女儿帮忙"
    )
    assert created.status_code == 201, created.get_data(as_text=True)
    body = created.get_json()
    assert body["status"] == "active" and body["scopes"] == ["bills", "appointments"]
    assert body["grantee"]["phone"].count("*") == 4, "the other person's phone is masked"
    assert body["consent_method"] == "app"

    granted = client.get("/api/v1/me/mandates?direction=granted", headers=auth(resident)).get_json()["items"]
    received = client.get("/api/v1/me/mandates?direction=received", headers=auth(other_resident)).get_json()
    assert [m["id"] for m in granted] == [body["id"]] == [m["id"] for m in received["items"]]
    assert (
        client.get("/api/v1/me/mandates?direction=received", headers=auth(resident)).get_json()["items"] == []
    )


def test_a_grantee_acts_as_proxy_within_scope_and_the_grantor_sees_it(
    client, auth, resident, other_resident, proxy_probe
):
    probe, path = proxy_probe
    mandate = _grant(client, auth, resident, other_resident, scopes=["bills"]).get_json()
    as_proxy = probe.get(path, headers=auth(other_resident, **{"X-On-Behalf-Of": str(resident.id)}))
    assert as_proxy.status_code == 200, as_proxy.get_data(as_text=True)
    assert as_proxy.get_json() == {"resident": str(resident.id), "kind": "proxy", "mandate": mandate["id"]}

    log = client.get("/api/v1/me/access-log", headers=auth(resident)).get_json()["items"]
    assert len(log) == 1
    assert log[0]["actor_kind"] == "proxy" and log[0]["proxy_person_id"] == str(other_resident.id)
    assert log[0]["action"] == "read" and log[0]["resource"] == "GET /api/v1/probe/bills"
    assert mandate["id"] in log[0]["reason"]
    assert client.get("/api/v1/me/access-log", headers=auth(other_resident)).get_json()["items"] == []


def test_a_proxy_is_refused_outside_its_scopes(app, db, resident, other_resident):
    grantor_actor = _person_actor(resident)
    services.grant_mandate(
        grantor_actor,
        grantee_phone=other_resident.phone,
        scopes=["appointments"],
        expires_at=datetime.now(UTC) + timedelta(days=1),
    )
    proxy = services.proxy_actor(_person_actor(other_resident), str(resident.id))
    assert proxy.kind is ActorKind.PROXY and proxy.proxy_scopes == {"appointments"}
    assert acting_for(proxy, MandateScope.APPOINTMENTS) == resident.id
    with pytest.raises(Exception, match="forbidden|bills"):
        acting_for(proxy, MandateScope.BILLS)


def _person_actor(person):
    from app.identity import tokens

    return tokens.actor_from_claims(
        tokens.verify_access_token(tokens.issue_access_token(person, client_id="t", scopes=["openid"]))
    )


@pytest.mark.parametrize("header", ["not-a-uuid", "00000000-0000-7000-8000-000000000000"])
def test_acting_for_someone_without_a_mandate_is_403(client, auth, resident, proxy_probe, header):
    probe, path = proxy_probe
    response = probe.get(path, headers=auth(resident, **{"X-On-Behalf-Of": header}))
    assert response.status_code == 403
    assert response.mimetype == "application/problem+json"


def test_revoked_and_expired_mandates_stop_working(client, auth, resident, other_resident, proxy_probe, db):
    probe, path = proxy_probe
    mandate = _grant(client, auth, resident, other_resident).get_json()
    headers = auth(other_resident, **{"X-On-Behalf-Of": str(resident.id)})
    assert probe.get(path, headers=headers).status_code == 200
    revoked = client.post(f"/api/v1/me/mandates/{mandate['id']}/revoke", headers=auth(resident))
    assert revoked.get_json()["status"] == "revoked"
    assert probe.get(path, headers=headers).status_code == 403

    second = _grant(client, auth, resident, other_resident).get_json()
    row = db.session.get(Mandate, uuid.UUID(second["id"]))
    row.expires_at = datetime.now(UTC) - timedelta(seconds=1)
    db.session.commit()
    assert probe.get(path, headers=headers).status_code == 403
    assert client.get(f"/api/v1/me/mandates/{second['id']}", headers=auth(resident)).get_json()["status"] == (
        "expired"
    )


def test_the_grantee_may_give_a_mandate_up(client, auth, resident, other_resident):
    mandate = _grant(client, auth, resident, other_resident).get_json()
    given_up = client.post(f"/api/v1/me/mandates/{mandate['id']}/revoke", headers=auth(other_resident))
    assert given_up.status_code == 200 and given_up.get_json()["status"] == "revoked"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"scopes": ["everything"]}, "scopes"),
        ({"scopes": []}, "scopes"),
        ({"days": 400}, "expires_at"),
        ({"days": -1}, "expires_at"),
    ],
)
def test_invalid_mandates_are_refused(client, auth, resident, other_resident, change, field):
    kwargs = {"scopes": change.get("scopes", ["bills"]), "days": change.get("days", 30)}
    response = _grant(client, auth, resident, other_resident, **kwargs)
    assert response.status_code == 422
    assert field in response.get_json()["errors"]


def test_no_mandate_to_oneself_and_no_duplicate(client, auth, resident, other_resident):
    assert _grant(client, auth, resident, resident).status_code == 422
    assert _grant(client, auth, resident, other_resident).status_code == 201
    assert _grant(client, auth, resident, other_resident).status_code == 409


def test_a_proxy_cannot_manage_the_grantors_identity(client, auth, resident, other_resident, make_person):
    _grant(client, auth, resident, other_resident)
    headers = auth(other_resident, **{"X-On-Behalf-Of": str(resident.id)})
    third = make_person()
    for method, path, body in [
        ("GET", "/api/v1/me", None),
        ("GET", "/api/v1/me/citycode", None),
        (
            "POST",
            "/api/v1/me/mandates",
            {"grantee_phone": third.phone, "scopes": ["bills"], "expires_at": _in(5)},
        ),
        ("GET", "/api/v1/me/access-log", None),
    ]:
        assert client.open(path, method=method, json=body, headers=headers).status_code == 403, path


def test_community_worker_registers_a_mandate_for_an_elder(client, auth, make_person, db):
    from app.notifications.models import Delivery, OutboxMessage

    worker = make_person("community_worker")
    elder = make_person(name="李奶奶")
    daughter = make_person(name="李女儿")
    body = {
        "grantor_phone": elder.phone,
        "grantee_phone": daughter.phone,
        "scopes": ["eldercare", "bills"],
        "expires_at": _in(180),
        "consent_method": "in_person_signature",
        "consent_note": "本人在社区服务中心签字确认，见证人：王主任",
    }
    created = client.post("/api/v1/staff/mandates", json=body, headers=auth(worker))
    assert created.status_code == 201, created.get_data(as_text=True)
    assert created.get_json()["consent_method"] == "in_person_signature"
    assert "签字" in created.get_json()["consent_note"]

    granted = client.get("/api/v1/me/mandates", headers=auth(elder)).get_json()["items"]
    assert granted[0]["grantee"]["id"] == str(daughter.id)
    log = client.get("/api/v1/me/access-log", headers=auth(elder)).get_json()["items"]
    assert log[0]["resource"] == "mandate" and log[0]["action"] == "create"
    notice = client.get("/api/v1/me/inbox", headers=auth(elder)).get_json()["items"][0]
    assert notice["title"] == "已有人可代您办理事项" and "12345" in notice["body"]
    sms = db.session.scalars(
        db.select(Delivery.status)
        .join(OutboxMessage)
        .where(
            OutboxMessage.recipient_id == elder.id,
            OutboxMessage.template == "mandate_registered",
            Delivery.channel == "sms",
        )
    ).all()
    assert sms in (["delivered"], ["held"]), "the elder is also told by SMS (held during quiet hours)"

    resident = make_person()
    assert client.post("/api/v1/staff/mandates", json=body, headers=auth(resident)).status_code == 403
    missing_consent = {**body, "consent_method": "app"}
    assert (
        client.post("/api/v1/staff/mandates", json=missing_consent, headers=auth(worker)).status_code == 422
    )


def test_openapi_documents_the_on_behalf_of_header(client):
    spec = client.get("/openapi.json").get_json()
    grant = spec["paths"]["/api/v1/me/mandates"]["post"]
    assert grant["security"] == [{"bearerAuth": []}]
    verify = spec["paths"]["/api/v1/citycode/verify"]["post"]
    assert verify["security"] == [{"bearerAuth": ["citycode:verify"]}]
    header_routes = [
        (path, method)
        for path, operations in spec["paths"].items()
        for method, operation in operations.items()
        if isinstance(operation, dict)
        and any(p.get("name") == "X-On-Behalf-Of" for p in operation.get("parameters", []))
    ]
    assert ("/api/v1/me", "get") not in header_routes, "identity routes are the person's own"
    assert ("/api/v1/complaints", "post") in header_routes, "a proxy may report for the person"
    assert "x-accepts-proxy" not in str(spec)
    header = spec["components"]["parameters"]["OnBehalfOf"]
    assert (header["in"], header["name"], header["schema"]["format"]) == ("header", "X-On-Behalf-Of", "uuid")
    assert "X-On-Behalf-Of" in spec["info"]["description"]


def test_the_header_is_documented_on_routes_a_proxy_may_call(probe_app):
    view = probe_app.view_functions["probe.whose_bills"]
    operations = {"get": dict(view._apidoc["manual_doc"])}
    ProxyHeaderPlugin().operation_helper(path="/api/v1/probe/bills", operations=operations)
    assert [(p["in"], p["name"]) for p in operations["get"]["parameters"]] == [("header", "X-On-Behalf-Of")]
    assert "x-accepts-proxy" not in operations["get"]


# --- invitations: a mandate to a phone with no account --------------------------------------------

INVITED = "+8613922220000"
INVITATION_TEXT = {
    "zh_Hans": "请求您在一码通城中代为办理",
    "zh_Hant": "請求您在一碼通城中代為辦理",
    "en": "asks you to act for them in Yimatong",
}


@pytest.fixture
def daytime():
    """Deliveries run at 10:00 Shanghai time, outside quiet hours."""
    from tests.notifications.conftest import DAYTIME

    with mock.patch("app.notifications.delivery.clock", return_value=DAYTIME):
        yield


def _invite(client, auth, grantor, phone=INVITED):
    return client.post(
        "/api/v1/me/mandates",
        json={"grantee_phone": phone, "scopes": ["bills"], "expires_at": _in(30)},
        headers=auth(grantor),
    )


def _first_sign_in(phone: str):
    from tests.identity.helpers import latest_code

    services.send_sign_in_code(phone)
    person = services.sign_in_with_otp(phone, latest_code(phone))
    _db.session.commit()  # as the sign-in request does: its notices leave after the commit
    return person


@pytest.mark.parametrize("locale", ["zh_Hans", "zh_Hant", "en"])
def test_a_mandate_to_a_number_without_account_is_an_invitation_texted_in_the_grantors_language(
    client, auth, make_person, daytime, locale
):
    grantor = make_person(name="李小明", locale=locale)
    invited = _invite(client, auth, grantor)
    assert invited.status_code == 201, invited.get_json()
    mandate = invited.get_json()
    assert mandate["status"] == "pending" and mandate["grantee"] is None
    assert mandate["invitee_phone"] == "139****0000" and mandate["accepted_at"] is None
    assert services.person_by_phone(INVITED) is None  # no account made up for the number

    granted = client.get("/api/v1/me/mandates?direction=granted", headers=auth(grantor)).get_json()["items"]
    assert [(m["id"], m["status"]) for m in granted] == [(mandate["id"], "pending")]
    (text,) = [m.body for m in sandbox_log(INVITED, 5)]
    assert INVITATION_TEXT[locale] in text and "李小明" in text


def test_the_invited_person_signs_in_and_accepts_before_acting(
    client, auth, make_person, proxy_probe, daytime
):
    probe, path = proxy_probe
    grantor = make_person(name="李小明")
    mandate_id = _invite(client, auth, grantor).get_json()["id"]
    helper = _first_sign_in(INVITED)  # the first sign-in makes the account, as for anyone

    received = client.get("/api/v1/me/mandates?direction=received", headers=auth(helper)).get_json()["items"]
    assert [(m["id"], m["status"]) for m in received] == [(mandate_id, "pending")]
    on_behalf = {"X-On-Behalf-Of": str(grantor.id)}
    assert probe.get(path, headers=auth(helper, **on_behalf)).status_code == 403  # not in force yet
    inbox = client.get("/api/v1/me/inbox", headers=auth(helper)).get_json()["items"]
    assert "mandate_to_accept" in [item["template"] for item in inbox]

    assert client.post(f"/api/v1/me/mandates/{mandate_id}/accept", headers=auth(grantor)).status_code == 403
    accepted = client.post(f"/api/v1/me/mandates/{mandate_id}/accept", headers=auth(helper))
    assert accepted.status_code == 200 and accepted.get_json()["status"] == "active"
    assert probe.get(path, headers=auth(helper, **on_behalf)).status_code == 200

    told = client.get("/api/v1/me/inbox", headers=auth(grantor)).get_json()["items"]
    assert told[0]["template"] == "mandate_accepted"


def test_a_revoked_invitation_cannot_be_accepted(client, auth, make_person, daytime):
    grantor = make_person(name="李小明")
    mandate_id = _invite(client, auth, grantor).get_json()["id"]
    assert _invite(client, auth, grantor).status_code == 409  # one open invitation per number
    client.post(f"/api/v1/me/mandates/{mandate_id}/revoke", headers=auth(grantor))
    helper = _first_sign_in(INVITED)
    refused = client.post(f"/api/v1/me/mandates/{mandate_id}/accept", headers=auth(helper))
    assert refused.status_code == 409
