"""Home-care visits verified by the elder's city code at the door, paid once from the subsidy voucher."""

from __future__ import annotations

from datetime import timedelta

from app.core import clock
from app.eldercare import services
from app.identity import clients
from app.notifications.models import OutboxMessage
from tests.eldercare import helpers
from tests.transit.helpers import code_for, scanner_headers

PROVIDER, OTHER_PROVIDER = "test-care-provider", "test-care-provider-2"
VISITS = "/api/v1/eldercare/provider/visits"
DOOR = {"lat": 26.5565, "lng": 106.6910, "coord_system": "gcj02"}


def _provider(client, client_id=PROVIDER) -> dict:
    if clients.client_by_id(client_id) is None:
        clients.register_client(
            "care_provider", "颐康居家养老", client_id=client_id, secret=f"{client_id}-secret"
        )
    return scanner_headers(client, client_id)


def _top_up(client, auth, family, fen):
    url = f"/api/v1/staff/eldercare/elders/{family['elder'].id}/voucher"
    return client.post(url, json={"amount": {"amount_fen": fen}}, headers=auth(family["worker"]))


def _start(client, headers, elder, ref="V-1", service="cleaning"):
    body = {
        "visit_ref": ref,
        "service": service,
        "caregiver": "赵护工",
        "code": code_for(elder),
        "location": DOOR,
    }
    return client.post(VISITS, json=body, headers=headers)


def test_a_visit_scanned_in_and_out_is_verified_and_paid_once_from_the_voucher(client, auth, family, db):
    elder = family["elder"]
    topped = _top_up(client, auth, family, 3000)
    assert topped.status_code == 200 and topped.get_json()["balance"]["amount_fen"] == 3000
    provider = _provider(client)
    started = _start(client, provider, elder)
    assert started.status_code == 201, started.get_data(as_text=True)
    visit = started.get_json()
    assert visit["status"] == "in_progress" and visit["recipient_id"] == str(elder.id)
    assert _start(client, provider, elder).get_json()["id"] == visit["id"]  # the same ref: the same visit

    end = f"{VISITS}/{visit['id']}/end"
    with clock.frozen(helpers.DAYTIME + timedelta(minutes=75)):
        provider = _provider(client)  # a fresh token: the first has expired
        ended = client.post(end, json={"code": code_for(elder), "location": DOOR}, headers=provider)
        assert ended.status_code == 200, ended.get_data(as_text=True)
        done = ended.get_json()
        again = client.post(end, json={"code": code_for(elder), "location": DOOR}, headers=provider)
        mine = client.get("/api/v1/eldercare/visits", headers=auth(elder)).get_json()["items"]
        voucher = client.get("/api/v1/eldercare/voucher", headers=auth(elder)).get_json()
        as_guardian = client.get(
            f"/api/v1/eldercare/visits/{visit['id']}",
            headers=auth(family["guardian"], **{"X-On-Behalf-Of": str(elder.id)}),
        )
        report = client.get(VISITS, headers=provider).get_json()["items"]
    assert done["status"] == "verified" and done["minutes"] == 75
    assert done["subsidy"]["amount_fen"] == 3000  # cleaning pays up to 40 yuan; 30 were left
    assert again.status_code == 409 and again.get_json()["code"] == "visit-already-ended"
    assert [v["id"] for v in mine] == [visit["id"]] and mine[0]["provider"] == "颐康居家养老"
    assert voucher["balance"]["amount_fen"] == 0 and voucher["granted"]["amount_fen"] == 3000
    assert as_guardian.status_code == 200
    assert [(v["id"], v["subsidy"]["amount_fen"]) for v in report] == [(visit["id"], 3000)]
    told = db.session.scalars(
        db.select(OutboxMessage.template).where(OutboxMessage.recipient_id == elder.id)
    ).all()
    assert "eldercare_visit_verified" in told


def test_a_visit_never_ended_lapses_after_the_set_hours_and_is_never_paid(client, auth, family, app, db):
    from app.core.jobs import PERIODIC
    from app.eldercare import jobs

    assert PERIODIC["eldercare.visits"].func == "app.eldercare.jobs.lapse_unfinished_visits"
    elder = family["elder"]
    _top_up(client, auth, family, 3000)
    visit = _start(client, _provider(client), elder, ref="V-LAPSE").get_json()
    hours = app.config["ELDERCARE_VISIT_LAPSE_HOURS"]
    with clock.frozen(helpers.DAYTIME + timedelta(hours=hours) - timedelta(minutes=5)):
        assert jobs.lapse_unfinished_visits() == 0  # the caregiver may still scan out
        still = client.get(f"/api/v1/eldercare/visits/{visit['id']}", headers=auth(elder)).get_json()
    with clock.frozen(helpers.DAYTIME + timedelta(hours=hours, minutes=5)):
        assert services.lapse_unfinished_visits() == 1
        assert services.lapse_unfinished_visits() == 0  # once
        provider = _provider(client)
        late = client.post(
            f"{VISITS}/{visit['id']}/end", json={"code": code_for(elder), "location": DOOR}, headers=provider
        )
        lapsed = client.get(f"/api/v1/eldercare/visits/{visit['id']}", headers=auth(elder)).get_json()
        voucher = client.get("/api/v1/eldercare/voucher", headers=auth(elder)).get_json()
    assert still["status"] == "in_progress", still
    assert late.status_code == 409 and late.get_json()["code"] == "visit-lapsed"
    assert (lapsed["status"], lapsed["payment_id"], lapsed["subsidy"]["amount_fen"]) == ("lapsed", None, 0)
    assert voucher["balance"]["amount_fen"] == 3000


def test_a_visit_is_refused_without_a_valid_scan_of_the_same_elder(client, auth, family, make_person):
    elder = family["elder"]
    provider = _provider(client)
    refused = client.post(
        VISITS,
        json={
            "visit_ref": "V-2",
            "service": "meal_help",
            "caregiver": "赵护工",
            "code": "not-a-code",
            "location": DOOR,
        },
        headers=provider,
    )
    assert refused.status_code == 422 and refused.get_json()["code"] == "visit-scan-refused"
    missing = client.post(
        VISITS, json={"visit_ref": "V-2", "service": "meal_help", "caregiver": "赵护工", "location": DOOR},
        headers=provider,
    )  # fmt: skip
    assert missing.status_code == 422  # no scan, no visit
    visit = _start(client, provider, elder, ref="V-3").get_json()
    end = f"{VISITS}/{visit['id']}/end"
    stale = code_for(elder, helpers.DAYTIME - timedelta(hours=1))
    assert client.post(end, json={"code": stale, "location": DOOR}, headers=provider).get_json()["code"] == (
        "visit-scan-refused"
    )
    someone = helpers.verified(make_person, name="邻居", born=1950)
    mismatch = client.post(end, json={"code": code_for(someone), "location": DOOR}, headers=provider)
    assert mismatch.status_code == 422 and mismatch.get_json()["code"] == "visit-scan-mismatch"
    other = _provider(client, OTHER_PROVIDER)
    foreign = client.post(end, json={"code": code_for(elder), "location": DOOR}, headers=other)
    assert foreign.status_code == 404
    unpaid = client.get(f"/api/v1/eldercare/visits/{visit['id']}", headers=auth(elder)).get_json()
    assert unpaid["status"] == "in_progress" and unpaid["subsidy"]["amount_fen"] == 0


def test_someone_without_an_elder_profile_gets_no_visit(client, make_person):
    stranger = helpers.verified(make_person, name="没有档案", born=1950)
    with clock.frozen(helpers.DAYTIME):
        response = _start(client, _provider(client), stranger, ref="V-9")
    assert response.status_code == 404 and response.get_json()["code"] == "no-elder-profile"


def test_only_the_assigned_worker_tops_up_a_voucher(client, auth, family, make_person):
    other_worker = helpers.worker(make_person, name="别的社工")
    url = f"/api/v1/staff/eldercare/elders/{family['elder'].id}/voucher"
    assert (
        client.post(url, json={"amount": {"amount_fen": 100}}, headers=auth(other_worker)).status_code == 404
    )
    assert (
        client.post(url, json={"amount": {"amount_fen": 100}}, headers=auth(family["guardian"])).status_code
        == 403
    )
    assert _top_up(client, auth, family, 0).status_code == 422
