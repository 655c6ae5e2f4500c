"""Elder care over HTTP: the elder and their guardians, the community service centre, device platforms."""

from __future__ import annotations

from app.core.actors import ActorKind, Role
from app.core.api import ApiBlueprint, current_actor
from app.core.pagination import PageArgsSchema, page_schema
from app.eldercare import policies, services
from app.eldercare.schemas import (
    AlertAcknowledgeSchema,
    AlertResolutionSchema,
    AlertSchema,
    AlertsQuerySchema,
    AssignedElderSchema,
    CareDeviceListSchema,
    CareDeviceSchema,
    CareDeviceWriteSchema,
    CareVisitSchema,
    CareVoucherSchema,
    CentreAlertsQuerySchema,
    DeviceEventSchema,
    EasyModeSchema,
    EasyScreenSchema,
    ElderCheckInSchema,
    ElderProfileSchema,
    ElderProfileWriteSchema,
    ProviderVisitsQuerySchema,
    SosSchema,
    StaffElderProfileSchema,
    SubsidyReportArgsSchema,
    SubsidyReportSchema,
    VisitEndSchema,
    VisitStartSchema,
    VoucherTopUpSchema,
)

blp = ApiBlueprint(
    "eldercare",
    __name__,
    description="Elder care (智慧养老): profiles, daily check-in, SOS and its escalation ladder",
)
staff_blp = ApiBlueprint("staff_eldercare", __name__, description="The community service centre's elder care")
provider_blp = ApiBlueprint(
    "eldercare_providers", __name__, description="Home-care providers verify visits at the elder's door (EVV)"
)
device_blp = ApiBlueprint(
    "eldercare_devices", __name__, description="Care-device platforms report presses and sensors"
)


# --- the elder, and guardians with X-On-Behalf-Of ---------------------------------------------------


@blp.route("/eldercare/profile")
@blp.auth()
@blp.response(200, ElderProfileSchema)
def get_profile():
    """The elder's care profile with conditions and contacts (the elder, or a guardian in scope eldercare)."""
    return services.my_profile(current_actor())


@blp.route("/eldercare/profile", methods=["PUT"])
@blp.auth()
@blp.arguments(ElderProfileWriteSchema)
@blp.response(200, ElderProfileSchema)
def save_profile(body):
    """Create or replace the elder's profile (residents aged 60 and over, by their verified national ID)."""
    return services.save_profile(current_actor(), **body)


@blp.route("/eldercare/devices", methods=["POST"])
@blp.auth()
@blp.arguments(CareDeviceWriteSchema)
@blp.response(201, CareDeviceSchema)
def register_device(body):
    """Register an SOS button or sensor in the elder's home, reported by its platform's client."""
    return services.register_device(current_actor(), **body)


@blp.route("/eldercare/devices")
@blp.auth()
@blp.response(200, CareDeviceListSchema)
def list_devices():
    """The elder's devices."""
    return {"items": services.list_devices(current_actor())}


@blp.route("/eldercare/checkins", methods=["POST"])
@blp.auth()
@blp.response(200, ElderCheckInSchema)
def check_in():
    """I am fine today (平安打卡); calls off a missed-check-in alert nobody answered yet."""
    return services.check_in(current_actor())


@blp.route("/eldercare/checkins")
@blp.auth()
@blp.arguments(PageArgsSchema, location="query")
@blp.response(200, page_schema(ElderCheckInSchema))
def list_checkins(args):
    """The elder's check-in days, newest first."""
    return services.list_checkins(current_actor(), **args)


@blp.route("/eldercare/alerts", methods=["POST"])
@blp.auth()
@blp.arguments(SosSchema)
@blp.response(201, AlertSchema)
def raise_sos(body):
    """Call for help (SOS): guardians and worker at once, then each contact, then the centre, until answered.

    A second press while the call is active returns the same alert.
    """
    return services.raise_sos(current_actor(), note=body["note"])


@blp.route("/eldercare/alerts")
@blp.auth()
@blp.arguments(AlertsQuerySchema, location="query")
@blp.response(200, page_schema(AlertSchema))
def list_alerts(args):
    """The elder's alerts, newest first."""
    return services.list_alerts(current_actor(), **args)


@blp.route("/eldercare/alerts/<uuid:alert_id>")
@blp.auth()
@blp.response(200, AlertSchema)
def get_alert(alert_id):
    """One alert: who is coming, the ladder so far (the elder, guardians, people it called, the centre)."""
    return services.get_alert(current_actor(), alert_id)


@blp.route("/eldercare/alerts/<uuid:alert_id>/acknowledge", methods=["POST"])
@blp.auth()
@blp.arguments(AlertAcknowledgeSchema)
@blp.response(200, AlertSchema)
def acknowledge(body, alert_id):
    """I am coming: the ladder stops and the elder sees who; 409 if someone answered first."""
    return services.acknowledge(current_actor(), alert_id, **body)


@blp.route("/eldercare/alerts/<uuid:alert_id>/arrival", methods=["POST"])
@blp.auth()
@blp.response(200, AlertSchema)
def record_arrival(alert_id):
    """The responder is with the elder."""
    return services.record_arrival(current_actor(), alert_id)


@blp.route("/eldercare/alerts/<uuid:alert_id>/resolution", methods=["POST"])
@blp.auth()
@blp.arguments(AlertResolutionSchema)
@blp.response(200, AlertSchema)
def resolve(body, alert_id):
    """Close the alert with what happened (a false alarm before anyone answered calls it off)."""
    return services.resolve(current_actor(), alert_id, **body)


@blp.route("/eldercare/easy")
@blp.auth()
@blp.response(200, EasyScreenSchema)
def easy_screen():
    """Easy mode (长辈模式): one status line and at most three big choices, in short words."""
    return services.easy_screen(current_actor())


@blp.route("/eldercare/easy", methods=["PUT"])
@blp.auth()
@blp.arguments(EasyModeSchema)
@blp.response(200, EasyScreenSchema)
def set_easy_mode(body):
    """Turn easy mode on or off (the elder, or a guardian beside them)."""
    return services.set_easy_mode(current_actor(), body["enabled"])


@blp.route("/eldercare/visits")
@blp.auth()
@blp.arguments(PageArgsSchema, location="query")
@blp.response(200, page_schema(CareVisitSchema))
def list_visits(args):
    """The care visits made to the elder, newest first, with what the voucher paid."""
    return services.list_visits(current_actor(), **args)


@blp.route("/eldercare/visits/<uuid:visit_id>")
@blp.auth()
@blp.response(200, CareVisitSchema)
def get_visit(visit_id):
    """One care visit to the elder."""
    return services.get_visit(current_actor(), visit_id)


@blp.route("/eldercare/voucher")
@blp.auth()
@blp.response(200, CareVoucherSchema)
def my_voucher():
    """The elder's care-subsidy balance."""
    return services.my_voucher(current_actor())


# --- the community service centre ------------------------------------------------------------------


@staff_blp.route("/eldercare/alerts")
@staff_blp.auth(roles=policies.RESPONDERS)
@staff_blp.arguments(CentreAlertsQuerySchema, location="query")
@staff_blp.response(200, page_schema(AlertSchema))
def centre_alerts(args):
    """Every elder's alerts in one status (open: nobody has answered), newest first."""
    return services.centre_alerts(current_actor(), **args)


@staff_blp.route("/eldercare/elders")
@staff_blp.auth(roles=policies.RESPONDERS)
@staff_blp.arguments(PageArgsSchema, location="query")
@staff_blp.response(200, page_schema(AssignedElderSchema))
def assigned_elders(args):
    """The elders who chose me as their community worker."""
    return services.assigned_elders(current_actor(), **args)


@staff_blp.route("/eldercare/elders/<uuid:person_id>")
@staff_blp.auth(roles=policies.RESPONDERS)
@staff_blp.response(200, StaffElderProfileSchema)
def elder_profile(person_id):
    """An elder's profile, for their assigned worker only (404 for others; written to the elder's log)."""
    return services.elder_for_worker(current_actor(), person_id)


@staff_blp.route("/eldercare/elders/<uuid:person_id>/voucher", methods=["POST"])
@staff_blp.auth(roles=policies.RESPONDERS)
@staff_blp.arguments(VoucherTopUpSchema)
@staff_blp.response(200, CareVoucherSchema)
def top_up_voucher(body, person_id):
    """Add a care-subsidy grant to an elder's voucher (their assigned worker only; 404 for others)."""
    return services.top_up_voucher(current_actor(), person_id, body["amount"])


@staff_blp.route("/eldercare/subsidies")
@staff_blp.auth(roles=(Role.COMMUNITY_WORKER, Role.SUPERVISOR, Role.ADMIN, Role.DEPARTMENT_HANDLER))
@staff_blp.arguments(SubsidyReportArgsSchema, location="query")
@staff_blp.response(200, SubsidyReportSchema)
def subsidy_report(args):
    """The care subsidy each provider and commerce merchant redeemed from elders' vouchers, from the ledger.

    Providers are paid per verified visit; merchants per completed order of a subsidy-eligible listing.

    For the street office (community workers), civil affairs (its department handlers), supervisors and
    administrators; a handler of any other department is refused (403).
    """
    return services.subsidy_report(current_actor(), **args)


# --- care providers ------------------------------------------------------------------------------------

PROVIDER = {"kinds": (ActorKind.CLIENT,), "scopes": (policies.VISIT_SCOPE,)}


@provider_blp.route("/eldercare/provider/visits", methods=["POST"])
@provider_blp.auth(**PROVIDER)
@provider_blp.arguments(VisitStartSchema)
@provider_blp.response(201, CareVisitSchema)
def start_visit(body):
    """At the door: the elder's city code scanned (purpose ``care_visit``) starts the visit.

    422 ``visit-scan-refused`` for a code that is not valid (expired, replayed, forged); the same
    ``visit_ref`` again returns the visit. ``appointment_id`` names the elder's booking the visit serves
    (arrived now, fulfilled at the verified end): another provider's booking is 404, another person's
    or another service's 422 ``visit-booking-mismatch``, one no longer booked 409.
    """
    return services.start_visit(current_actor(), **body)


@provider_blp.route("/eldercare/provider/visits/<uuid:visit_id>/end", methods=["POST"])
@provider_blp.auth(**PROVIDER)
@provider_blp.arguments(VisitEndSchema)
@provider_blp.response(200, CareVisitSchema)
def end_visit(body, visit_id):
    """Leaving: the same elder's code scanned again verifies the visit; the voucher pays its subsidy once.

    422 ``visit-scan-refused`` / ``visit-scan-mismatch`` without a valid scan of the same elder;
    409 ``visit-already-ended``. A booking the visit serves is fulfilled.
    """
    return services.end_visit(current_actor(), visit_id, **body)


@provider_blp.route("/eldercare/provider/visits")
@provider_blp.auth(**PROVIDER)
@provider_blp.arguments(ProviderVisitsQuerySchema, location="query")
@provider_blp.response(200, page_schema(CareVisitSchema))
def provider_visits(args):
    """My visits as a provider, newest first (one day's when ``day`` is given), with the subsidies paid."""
    return services.provider_visits(current_actor(), **args)


# --- device platforms ---------------------------------------------------------------------------------


@device_blp.route("/eldercare/device-events", methods=["POST"])
@device_blp.auth(kinds=(ActorKind.CLIENT,), scopes=(policies.DEVICE_SCOPE,))
@device_blp.arguments(DeviceEventSchema)
@device_blp.response(200, AlertSchema)
def device_event(body):
    """A press or a sensor event (scope eldercare:alarm); the same event id again returns the same alert."""
    return services.device_event(current_actor(), **body)
