"""BOLA cases of elder care: another resident never sees or touches an elder's alerts or check-ins."""

from app.eldercare import services
from app.identity import services as identity
from tests.bola import BolaContext, bola_case, exempt
from tests.eldercare import helpers

SECRET = "秘密的求助：胸口疼"


def _elder(ctx: BolaContext):
    identity.verify_real_name(helpers.person_actor(ctx.owner), "资源所有人", helpers.national_id())
    helpers.profile(ctx.owner, conditions=("秘密病情",))
    return ctx.owner


def _alert(ctx: BolaContext):
    alert = services.raise_sos(helpers.person_actor(_elder(ctx)), note=SECRET)
    ctx.db.session.commit()
    return alert


@bola_case("GET", "/api/v1/eldercare/alerts/{alert_id}")
def read_alert(ctx: BolaContext) -> dict:
    """The elder reads the alert; another resident gets 404."""
    return {"alert_id": _alert(ctx).id, "secret": SECRET}


@bola_case("GET", "/api/v1/eldercare/alerts", collection=True)
def list_alerts(ctx: BolaContext) -> dict:
    """Another resident's list never shows the elder's alert."""
    _alert(ctx)
    return {"secret": SECRET}


@bola_case("GET", "/api/v1/eldercare/checkins", collection=True)
def list_checkins(ctx: BolaContext) -> dict:
    """Another resident's check-ins never show the elder's day."""
    day = services.check_in(helpers.person_actor(_elder(ctx)))
    ctx.db.session.commit()
    return {"secret": str(day.id)}


@bola_case(
    "POST", "/api/v1/eldercare/alerts/{alert_id}/acknowledge", body={"eta_minutes": 5}, owner_status=(403,)
)
def acknowledge_alert(ctx: BolaContext) -> dict:
    """Nobody outside the elder's ladder answers the alert (the elder resolves it instead: 403)."""
    return {"alert_id": _alert(ctx).id, "secret": SECRET}


@bola_case("POST", "/api/v1/eldercare/alerts/{alert_id}/arrival", owner_status=(409,))
def record_arrival(ctx: BolaContext) -> dict:
    """Nobody outside the ladder records an arrival (the owner: 409, nobody has answered)."""
    return {"alert_id": _alert(ctx).id, "secret": SECRET}


@bola_case("POST", "/api/v1/eldercare/alerts/{alert_id}/resolution", body={"outcome": "false_alarm"})
def resolve_alert(ctx: BolaContext) -> dict:
    """Only the elder's circle closes the alert."""
    return {"alert_id": _alert(ctx).id, "secret": SECRET}


exempt(
    "/api/v1/staff/eldercare/elders/<uuid:person_id>",
    "a community worker's route: residents are refused (403, role community_worker); a worker the elder "
    "did not choose gets 404 (tests/eldercare/test_profiles.py::"
    "test_another_worker_and_a_guardian_without_the_scope_see_nothing)",
)


def _visit(ctx: BolaContext):
    from app.core.actors import Actor, ActorKind
    from app.core.geo import Point
    from app.identity import clients
    from tests.transit.helpers import code_for

    elder = _elder(ctx)
    if clients.client_by_id("bola-care-provider") is None:
        clients.register_client("care_provider", "BOLA 养老", client_id="bola-care-provider", secret="s")
    provider = Actor(
        kind=ActorKind.CLIENT,
        client_id="bola-care-provider",
        scopes=frozenset({"eldercare:visits", "citycode:verify"}),
    )
    visit = services.start_visit(
        provider, visit_ref=f"BOLA-{elder.id}", service="meal_help", caregiver="秘密护工",
        code=code_for(elder), location=Point(26.55, 106.69),
    )  # fmt: skip
    ctx.db.session.commit()
    return visit


@bola_case("GET", "/api/v1/eldercare/visits/{visit_id}")
def read_visit(ctx: BolaContext) -> dict:
    """The elder reads a care visit; another resident gets 404."""
    return {"visit_id": _visit(ctx).id, "secret": "秘密护工"}


@bola_case("GET", "/api/v1/eldercare/visits", collection=True)
def list_visits(ctx: BolaContext) -> dict:
    """Another resident's visit list never shows the elder's visit."""
    _visit(ctx)
    return {"secret": "秘密护工"}


exempt(
    "/api/v1/staff/eldercare/elders/<uuid:person_id>/voucher",
    "a community worker's route: residents are refused (403); a worker the elder did not choose gets 404 "
    "(tests/eldercare/test_visits.py::test_only_the_assigned_worker_tops_up_a_voucher)",
)
exempt(
    "/api/v1/eldercare/provider/visits/<uuid:visit_id>/end",
    "a care provider's client only (scope eldercare:visits); another provider gets 404 "
    "(tests/eldercare/test_visits.py::test_a_visit_is_refused_without_a_valid_scan_of_the_same_elder)",
)
