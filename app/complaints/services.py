"""12345 complaints: intake from every channel, routing, the lifecycle, deadlines and duplicates."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from flask_babel import get_locale, gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_

from app.city import services as city
from app.complaints import sla
from app.complaints.models import (
    Category,
    Complaint,
    ComplaintAssist,
    ComplaintEvent,
    ComplaintPhoto,
    ComplaintSubscription,
    DeadlineBreach,
    DeadlineExtension,
    RoutingRuleRecord,
)
from app.complaints.routing import ComplaintFacts, RoutingDecision, RoutingRule, RuleSet
from app.complaints.similarity import similarity
from app.core import audit
from app.core.actors import Actor, ActorKind, MandateScope, Role
from app.core.calendar import SHANGHAI, load_calendar
from app.core.errors import Conflict, NotFound, StaleVersion, ValidationFailed
from app.core.geo import Point, distance_m
from app.core.ids import new_id
from app.core.models import utcnow
from app.core.pagination import Page, paginate
from app.core.policy import acting_resident, require_role, require_scope
from app.core.storage import sniff_image_type, storage
from app.extensions import db
from app.identity import services as identity
from app.notifications import services as notifications
from app.notifications.services import Localized

CATEGORIES_FILE = Path(__file__).parent / "data" / "categories.json"
MANDATE_SCOPE = MandateScope.COMPLAINTS

SUBMITTED, DISPATCHED, ACCEPTED, IN_PROGRESS = "submitted", "dispatched", "accepted", "in_progress"
RESOLVED, CLOSED, MERGED = "resolved", "closed", "merged"
OPEN_STATES = (SUBMITTED, DISPATCHED, ACCEPTED, IN_PROGRESS)
STAFF_READERS = (Role.HOTLINE_AGENT, Role.DISPATCHER, Role.SUPERVISOR, Role.ADMIN)

DUPLICATE_RADIUS_M = 200
DUPLICATE_WINDOW = timedelta(hours=72)
DUPLICATE_MIN_SIMILARITY = 0.3
DUPLICATE_SCAN_LIMIT = 50  # the newest nearby complaints compared
DUPLICATE_CANDIDATES = 5  # the most alike shown to the dispatcher
RATING_WINDOW = timedelta(days=7)
SATISFIED_FROM = 3  # ratings 3-5 satisfied (满意/基本满意), 1-2 unsatisfied
MAX_PHOTOS = 6
MAX_PHOTO_BYTES = 5 * 1024 * 1024


class InvalidTransition(Conflict):
    """The complaint is not in a state that allows this step."""

    code = "invalid-transition"
    title = _l("Not possible in the complaint's current state")
    default_detail = _l("This step is not possible in the complaint's current state.")


EVENT_SUMMARIES = {
    "submitted": _l("Your request was received."),
    "dispatched": _l("Your request was passed to %(department)s."),
    "accepted": _l("The department has taken on your request."),
    "in_progress": _l("Work on your request has started."),
    "resolved": _l("The department has answered your request."),
    "rated": _l("Thank you for your rating. The request is closed."),
    "reopened": _l("Your request was reopened for rework."),
    "closed": _l("Closed after 7 days without a rating."),
    "merged": _l("Your request is handled together with %(number)s."),
    "duplicate_merged": _l("A similar request was merged into this one."),
    "split": _l("Your request was split into %(count)s parts."),
    "sent_back": _l("The department returned the request to the hotline for re-dispatch."),
    "extension_requested": _l("The department asked for more time."),
    "extension_approved": _l("The deadline was extended."),
    "extension_refused": _l("An extension was refused."),
    "dispatch_overdue": _l("The dispatch deadline was missed."),
    "feedback_overdue": _l("The reply deadline was missed."),
}


def event_summary(event: ComplaintEvent, locale: str) -> str:
    """The event in the reader's language."""
    template = EVENT_SUMMARIES.get(event.kind)
    if template is None:
        return event.kind
    params = dict(event.params or {})
    if "department_zh" in params:
        params["department"] = params["department_en"] if locale == "en" else params["department_zh"]
    return str(template) % params if "%(" in str(template) else str(template)


# --- categories ---------------------------------------------------------------------------


def seed_categories() -> int:
    """Load the shipped 12345 category tree (idempotent); returns how many nodes exist."""
    nodes = json.loads(CATEGORIES_FILE.read_text(encoding="utf-8"))
    count = 0
    stack = [(node, None) for node in nodes]
    while stack:
        node, parent = stack.pop()
        category = db.session.scalar(db.select(Category).where(Category.code == node["code"]))
        if category is None:
            category = Category(code=node["code"])
            db.session.add(category)
        category.parent_code = parent
        category.name_zh_hans, category.name_zh_hant, category.name_en = (
            node["zh_Hans"],
            node["zh_Hant"],
            node["en"],
        )
        category.sla_class = node["sla"]
        count += 1
        stack.extend((child, node["code"]) for child in node.get("children", ()))
    db.session.flush()
    return count


def category_name(category: Category) -> str:
    """The category's name in the request's language."""
    locale = str(get_locale())
    return {"en": category.name_en, "zh_Hant": category.name_zh_hant}.get(locale, category.name_zh_hans)


def list_categories() -> list[Category]:
    """Every active category, by code (parents before children)."""
    return list(db.session.scalars(db.select(Category).where(Category.active).order_by(Category.code)))


def category_by_code(code: str) -> Category:
    """An active category; a wrong code is a validation error on ``category``."""
    category = db.session.scalar(db.select(Category).where(Category.code == code, Category.active))
    if category is None:
        raise ValidationFailed({"category": [gettext("Unknown category.")]})
    return category


# --- routing rules ------------------------------------------------------------------------

_rule_cache: dict[str, object] = {}


def _rules_stamp() -> tuple:
    row = db.session.execute(
        db.select(func.count(RoutingRuleRecord.id), func.max(RoutingRuleRecord.updated_at))
    ).one()
    return tuple(row)


def current_rules() -> RuleSet:
    """The active rules, rebuilt whenever any process changed them (no restart needed)."""
    stamp = _rules_stamp()
    if _rule_cache.get("stamp") != stamp:
        records = db.session.scalars(db.select(RoutingRuleRecord).where(RoutingRuleRecord.active))
        _rule_cache["rules"] = RuleSet([_engine_rule(r) for r in records])
        _rule_cache["stamp"] = stamp
    return _rule_cache["rules"]


def _engine_rule(record: RoutingRuleRecord) -> RoutingRule:
    return RoutingRule(
        number=record.number,
        name=record.name,
        department_code=record.department_code,
        priority=record.priority,
        category_prefixes=tuple(record.category_prefixes),
        district_codes=tuple(record.district_codes),
        street_codes=tuple(record.street_codes),
        keywords=tuple(record.keywords),
        assisting_codes=tuple(record.assisting_codes),
    )


def list_rules(actor: Actor) -> list[RoutingRuleRecord]:
    """All routing rules (supervisors and dispatchers)."""
    require_role(actor, Role.SUPERVISOR, Role.DISPATCHER, Role.ADMIN)
    return list(db.session.scalars(db.select(RoutingRuleRecord).order_by(RoutingRuleRecord.number)))


def save_rule(actor: Actor, fields: dict, rule_id: uuid.UUID | None = None) -> RoutingRuleRecord:
    """Create or change a routing rule (supervisors); it applies to the next complaint."""
    require_role(actor, Role.SUPERVISOR, Role.ADMIN)
    for code in [fields.get("department_code"), *fields.get("assisting_codes", [])]:
        if code is not None and city.department_by_code(code) is None:
            raise ValidationFailed({"department_code": [gettext("Unknown department.")]})
    if rule_id is None:
        record = RoutingRuleRecord(number=_next_rule_number())
        db.session.add(record)
    else:
        record = _rule(rule_id)
    for key, value in fields.items():
        setattr(record, key, value)
    record.updated_at = utcnow()
    db.session.flush()
    return record


def deactivate_rule(actor: Actor, rule_id: uuid.UUID) -> None:
    """Switch a rule off (kept for the record of complaints it routed)."""
    require_role(actor, Role.SUPERVISOR, Role.ADMIN)
    record = _rule(rule_id)
    record.active = False
    record.updated_at = utcnow()


def _rule(rule_id: uuid.UUID) -> RoutingRuleRecord:
    record = db.session.get(RoutingRuleRecord, rule_id)
    if record is None:
        raise NotFound()
    return record


def _next_rule_number() -> int:
    return (db.session.scalar(db.select(func.max(RoutingRuleRecord.number))) or 0) + 1


# --- intake -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Intake:
    """What every channel supplies about a new complaint."""

    category_code: str
    description: str
    address: str = ""
    point: Point | None = None
    contact_allowed: bool = True
    identity_visible: bool = False
    urgent: bool = False


def submit_complaint(actor: Actor, intake: Intake, channel: str = "app") -> Complaint:
    """A resident (or their proxy) reports something; it is routed at once when a rule matches."""
    reporter_id = acting_resident(actor, MANDATE_SCOPE)
    complaint = _create(actor, intake, channel, reporter_id=reporter_id)
    if actor.kind is ActorKind.PROXY:
        audit.record_access(actor, reporter_id, "create", "complaint", reason=complaint.tracking_number)
    return complaint


def record_call(actor: Actor, caller_phone: str, intake: Intake) -> Complaint:
    """A hotline agent records a call for the caller, linked to their account when they have one."""
    require_role(actor, Role.HOTLINE_AGENT, Role.DISPATCHER, Role.SUPERVISOR)
    caller = identity.person_by_phone(caller_phone)
    complaint = _create(actor, intake, "hotline", reporter_id=caller.id if caller else None)
    complaint.caller_phone = caller_phone
    complaint.recorded_by_id = actor.person_id
    return complaint


def submit_open311(actor: Actor, intake: Intake, reporter_phone: str | None = None) -> Complaint:
    """An Open311 client files a service request (reporter linked by phone when known)."""
    require_scope(actor, "open311")
    reporter = identity.person_by_phone(reporter_phone) if reporter_phone else None
    complaint = _create(actor, intake, "open311", reporter_id=reporter.id if reporter else None)
    complaint.open311_client_id = actor.client_id
    complaint.caller_phone = reporter_phone
    return complaint


def _create(actor: Actor, intake: Intake, channel: str, reporter_id: uuid.UUID | None) -> Complaint:
    category = category_by_code(intake.category_code)
    place = city.locate(intake.address, intake.point)
    now = utcnow()
    sla_class = sla.effective_class(category.sla_class, intake.urgent)
    complaint = Complaint(
        channel=channel,
        reporter_id=reporter_id,
        category=category,
        description=intake.description,
        address=intake.address,
        lat=intake.point.lat if intake.point else None,
        lng=intake.point.lng if intake.point else None,
        district_id=place.district.id if place.district else None,
        street_id=place.street.id if place.street else None,
        contact_allowed=intake.contact_allowed,
        identity_visible=intake.identity_visible,
        urgent=intake.urgent,
        status=SUBMITTED,
        sla_class=sla_class.value,
        dispatch_due=sla.dispatch_due(sla_class, now, load_calendar()),
        duplicate_candidate_ids=[],
    )
    complaint.tracking_number = _tracking_number(now)
    db.session.add(complaint)
    received = _event(complaint, actor, "submitted")
    db.session.flush()
    if reporter_id is not None:
        db.session.add(ComplaintSubscription(complaint_id=complaint.id, person_id=reporter_id))
    complaint.duplicate_candidate_ids = [str(c.id) for c in find_duplicates(complaint)]
    dispatched = _route(complaint, place)
    db.session.flush()
    announce(complaint, received)
    if dispatched is not None:
        announce(complaint, dispatched)
    return complaint


def _tracking_number(now: datetime) -> str:
    return "12345-" + now.astimezone(SHANGHAI).strftime("%Y%m%d") + "-" + uuid.uuid4().hex[:8].upper()


def _route(complaint: Complaint, place: city.Place) -> ComplaintEvent | None:
    facts = ComplaintFacts(
        category_code=complaint.category.code,
        district_code=place.district.code if place.district else None,
        street_code=place.street.code if place.street else None,
        text=complaint.description + " " + complaint.address,
    )
    decision = current_rules().route(facts)
    if decision is None:
        complaint.routing_reason = "no rule matched: dispatcher queue"
        return None
    complaint.routing_rule_number = decision.rule.number
    complaint.routing_reason = _explain(decision)
    department = city.department_by_code(decision.department_code)
    assisting = [city.department_by_code(code) for code in decision.assisting_codes]
    return _assign(
        complaint, department, [d for d in assisting if d], Actor.system(), note=complaint.routing_reason
    )


def _explain(decision: RoutingDecision) -> str:
    """``rule 12: 噪音扰民 (category 0101, district 520102) -> city-ecology-environment``."""
    rule = decision.rule
    return f"rule {rule.number}: {rule.name} ({', '.join(decision.reasons)}) -> {decision.department_code}"


def _assign(
    complaint: Complaint, department, assisting: list, actor: Actor, note: str = ""
) -> ComplaintEvent:
    now = utcnow()
    complaint.lead_department_id = department.id
    complaint.assists = [ComplaintAssist(department_id=d.id) for d in assisting if d.id != department.id]
    complaint.status = DISPATCHED
    complaint.dispatched_at = now
    complaint.accepted_at = None
    complaint.feedback_due = sla.feedback_due(sla.SlaClass(complaint.sla_class), now, load_calendar())
    return _event(
        complaint,
        actor,
        "dispatched",
        params={"department_zh": department.name_zh, "department_en": department.name_en},
        internal=note,
        department_id=department.id,
    )


def _event(
    complaint: Complaint,
    actor: Actor,
    kind: str,
    *,
    public: str = "",
    internal: str = "",
    department_id: uuid.UUID | None = None,
    params: dict | None = None,
) -> ComplaintEvent:
    event = ComplaintEvent(
        id=new_id(),
        kind=kind,
        params=params or {},
        status_after=complaint.status,
        actor_kind=actor.kind.value,
        actor_person_id=actor.person_id,
        department_id=department_id,
        public_note=public,
        internal_note=internal,
    )
    complaint.events.append(event)
    return event


# --- duplicates ---------------------------------------------------------------------------


def find_duplicates(complaint: Complaint) -> list[Complaint]:
    """Open complaints of the same category within 200 m and 72 h whose text is alike."""
    if complaint.lat is None or complaint.lng is None:
        return []
    delta = 0.003  # ~300 m of latitude: a cheap box before the exact distance
    since = complaint.created_at - DUPLICATE_WINDOW
    stmt = db.select(Complaint).where(
        Complaint.id != complaint.id,
        Complaint.category_id == complaint.category_id,
        Complaint.created_at >= since,
        Complaint.merged_into_id.is_(None),
        Complaint.status.not_in((CLOSED, MERGED)),
        Complaint.lat.between(complaint.lat - delta, complaint.lat + delta),
        Complaint.lng.between(complaint.lng - delta, complaint.lng + delta),
    )
    here = Point(complaint.lat, complaint.lng)
    nearby = db.session.scalars(stmt.order_by(Complaint.id.desc()).limit(DUPLICATE_SCAN_LIMIT))
    scored = [
        (similarity(other.description, complaint.description), other)
        for other in nearby
        if distance_m(here, Point(other.lat, other.lng)) <= DUPLICATE_RADIUS_M
    ]
    alike = sorted((pair for pair in scored if pair[0] >= DUPLICATE_MIN_SIMILARITY), key=lambda p: -p[0])
    return [other for _score, other in alike[:DUPLICATE_CANDIDATES]]


# --- reading ------------------------------------------------------------------------------


def my_complaints(actor: Actor, *, cursor: str | None, limit: int, status: str | None = None) -> Page:
    """The complaints the resident reported or follows (merged duplicates included)."""
    person_id = acting_resident(actor, MANDATE_SCOPE)
    followed = db.select(ComplaintSubscription.complaint_id).where(
        ComplaintSubscription.person_id == person_id
    )
    stmt = db.select(Complaint).where(or_(Complaint.reporter_id == person_id, Complaint.id.in_(followed)))
    if status:
        stmt = stmt.where(Complaint.status == status)
    return paginate(stmt, Complaint.id, cursor=cursor, limit=limit)


def resident_complaint(actor: Actor, complaint_id: uuid.UUID) -> Complaint:
    """One complaint the resident reported or follows; anyone else's does not exist (404)."""
    person_id = acting_resident(actor, MANDATE_SCOPE)
    complaint = db.session.get(Complaint, complaint_id)
    if complaint is None or not _follows(person_id, complaint):
        raise NotFound()
    return complaint


def resident_complaint_by_number(actor: Actor, tracking_number: str) -> Complaint:
    """One of the resident's complaints by its tracking number (what the hotline reads out)."""
    complaint = db.session.scalar(
        db.select(Complaint).where(Complaint.tracking_number == tracking_number.strip())
    )
    if complaint is None:
        raise NotFound()
    return resident_complaint(actor, complaint.id)


def _follows(person_id: uuid.UUID, complaint: Complaint) -> bool:
    if complaint.reporter_id == person_id:
        return True
    return (
        db.session.scalar(
            db.select(ComplaintSubscription.id).where(
                ComplaintSubscription.complaint_id == complaint.id,
                ComplaintSubscription.person_id == person_id,
            )
        )
        is not None
    )


def staff_complaint(actor: Actor, complaint_id: uuid.UUID) -> Complaint:
    """One complaint as staff see it: the hotline sees all, a department its own (404 otherwise)."""
    complaint = db.session.get(Complaint, complaint_id)
    if complaint is None or not can_staff_see(actor, complaint):
        raise NotFound()
    return complaint


def can_staff_see(actor: Actor, complaint: Complaint) -> bool:
    """The hotline and supervisors see every complaint; handlers those of their department."""
    if actor.kind is not ActorKind.PERSON:
        return False
    if actor.has_role(*STAFF_READERS):
        return True
    if actor.has_role(Role.DEPARTMENT_HANDLER):
        departments = {complaint.lead_department_id, *(a.department_id for a in complaint.assists)}
        return bool(actor.department_ids & departments)
    return False


def may_see_reporter(actor: Actor, complaint: Complaint) -> bool:
    """Hotline staff always; a department only when the resident allowed it."""
    return actor.has_role(*STAFF_READERS) or complaint.identity_visible


def reporter_contact(actor: Actor, complaint: Complaint) -> dict | None:
    """The reporter's name and phone for staff allowed to see them; the read is audited."""
    if not may_see_reporter(actor, complaint):
        return None
    reporter = identity.get_person(complaint.reporter_id) if complaint.reporter_id else None
    phone = complaint.caller_phone or (reporter.phone if reporter else None)
    if reporter is not None:
        audit.record_access(
            actor, reporter.id, "read", "complaint.reporter", reason=complaint.tracking_number
        )
    return {
        "name": reporter.display_name if reporter else None,
        "phone": phone if complaint.contact_allowed else None,
    }


def staff_queue(
    actor: Actor,
    *,
    cursor: str | None,
    limit: int,
    status: str | None = None,
    department_id: uuid.UUID | None = None,
    overdue: bool = False,
) -> Page:
    """Work lists: the dispatcher queue (status=submitted), a department's work, overdue items."""
    require_role(actor, *STAFF_READERS, Role.DEPARTMENT_HANDLER)
    stmt = db.select(Complaint).where(Complaint.merged_into_id.is_(None))
    if not actor.has_role(*STAFF_READERS):
        mine = list(actor.department_ids)
        assisted = db.select(ComplaintAssist.complaint_id).where(ComplaintAssist.department_id.in_(mine))
        stmt = stmt.where(or_(Complaint.lead_department_id.in_(mine), Complaint.id.in_(assisted)))
    if status:
        stmt = stmt.where(Complaint.status == status)
    if department_id:
        stmt = stmt.where(Complaint.lead_department_id == department_id)
    if overdue:
        now = utcnow()
        stmt = stmt.where(
            or_(
                (Complaint.status == SUBMITTED) & (Complaint.dispatch_due < now),
                (Complaint.status.in_((DISPATCHED, ACCEPTED, IN_PROGRESS))) & (Complaint.feedback_due < now),
            )
        )
    return paginate(stmt, Complaint.id, cursor=cursor, limit=limit)


# --- staff steps --------------------------------------------------------------------------

SPLIT = "split"


def _editable(actor: Actor, complaint_id: uuid.UUID, version: int, allowed: tuple[str, ...]) -> Complaint:
    complaint = staff_complaint(actor, complaint_id)
    if complaint.version != version:
        raise StaleVersion()
    if complaint.status not in allowed:
        raise InvalidTransition()
    return complaint


def _save(complaint: Complaint) -> Complaint:
    """Flush now: a concurrent change raises StaleDataError, which every front end answers with 409."""
    db.session.flush()
    return complaint


def _department(code: str):
    department = city.department_by_code(code)
    if department is None:
        raise ValidationFailed({"department_code": [gettext("Unknown department.")]})
    return department


def dispatch(
    actor: Actor,
    complaint_id: uuid.UUID,
    version: int,
    department_code: str,
    assisting_codes=(),
    note: str = "",
) -> Complaint:
    """Dispatch (派单) or reassign to a lead department with assisting ones."""
    require_role(actor, Role.DISPATCHER, Role.SUPERVISOR)
    complaint = _editable(actor, complaint_id, version, OPEN_STATES)
    lead = _department(department_code)
    event = _assign(complaint, lead, [_department(code) for code in assisting_codes], actor, note=note)
    return _announced(_save(complaint), event)


def dispatch_to_district(actor: Actor, complaint_id: uuid.UUID, version: int, note: str = "") -> Complaint:
    """Ownership unclear: the district's default department takes it, as 12345 centres do."""
    require_role(actor, Role.DISPATCHER, Role.SUPERVISOR)
    complaint = _editable(actor, complaint_id, version, OPEN_STATES)
    office = city.district_office(complaint.district_id) if complaint.district_id else None
    if office is None:
        raise ValidationFailed({"district": [gettext("The complaint's district is unknown.")]})
    event = _assign(
        complaint, office, [], actor, note=note or "ownership unclear: district default department"
    )
    return _announced(_save(complaint), event)


def split(actor: Actor, complaint_id: uuid.UUID, version: int, parts: list[dict]) -> list[Complaint]:
    """Split a complaint that asks several things into parts, each dispatched on its own."""
    require_role(actor, Role.DISPATCHER, Role.SUPERVISOR)
    complaint = _editable(actor, complaint_id, version, (SUBMITTED, DISPATCHED))
    children = []
    for part in parts:
        intake = Intake(
            category_code=part["category_code"],
            description=part["description"],
            address=complaint.address,
            point=Point(complaint.lat, complaint.lng) if complaint.lat is not None else None,
            contact_allowed=complaint.contact_allowed,
            identity_visible=complaint.identity_visible,
            urgent=complaint.urgent,
        )
        child = _create(actor, intake, complaint.channel, reporter_id=complaint.reporter_id)
        child.parent_id, child.caller_phone = complaint.id, complaint.caller_phone
        event = _assign(
            child,
            _department(part["department_code"]),
            [],
            actor,
            note=f"split from {complaint.tracking_number}",
        )
        children.append(_announced(child, event))
    complaint.status = SPLIT
    _event(complaint, actor, "split", params={"count": len(parts)})
    _save(complaint)
    return children


def send_back(actor: Actor, complaint_id: uuid.UUID, version: int, reason: str) -> Complaint:
    """The department returns a complaint that is not theirs (退单), with a reason."""
    require_role(actor, Role.DEPARTMENT_HANDLER)
    complaint = _editable(actor, complaint_id, version, (DISPATCHED, ACCEPTED))
    _require_lead_handler(actor, complaint)
    department_id = complaint.lead_department_id
    complaint.status, complaint.lead_department_id, complaint.assists = SUBMITTED, None, []
    complaint.dispatched_at = complaint.accepted_at = complaint.feedback_due = None
    _event(complaint, actor, "sent_back", internal=reason, department_id=department_id)
    return _save(complaint)


def accept(actor: Actor, complaint_id: uuid.UUID, version: int) -> Complaint:
    """The lead department takes the complaint on (签收)."""
    complaint = _editable(actor, complaint_id, version, (DISPATCHED,))
    _require_lead_handler(actor, complaint)
    complaint.status, complaint.accepted_at = ACCEPTED, utcnow()
    _event(complaint, actor, "accepted")
    return _save(complaint)


def start_work(actor: Actor, complaint_id: uuid.UUID, version: int, note: str = "") -> Complaint:
    """Work has started on site."""
    complaint = _editable(actor, complaint_id, version, (ACCEPTED,))
    _require_lead_handler(actor, complaint)
    complaint.status = IN_PROGRESS
    _event(complaint, actor, "in_progress", internal=note)
    return _save(complaint)


def resolve(actor: Actor, complaint_id: uuid.UUID, version: int, reply: str) -> Complaint:
    """The department answers the resident in writing (办结); the resident is asked to rate it."""
    complaint = _editable(actor, complaint_id, version, (ACCEPTED, IN_PROGRESS))
    _require_lead_handler(actor, complaint)
    complaint.status, complaint.resolved_at, complaint.reply = RESOLVED, utcnow(), reply
    event = _event(complaint, actor, "resolved", public=reply)
    return _announced(_save(complaint), event)


def _require_lead_handler(actor: Actor, complaint: Complaint) -> None:
    require_role(actor, Role.DEPARTMENT_HANDLER, department_id=complaint.lead_department_id)


def merge(actor: Actor, duplicate_id: uuid.UUID, version: int, into_id: uuid.UUID) -> Complaint:
    """Merge a duplicate into the original; its reporters follow the original from now on."""
    require_role(actor, Role.DISPATCHER, Role.SUPERVISOR)
    duplicate = _editable(actor, duplicate_id, version, OPEN_STATES)
    original = staff_complaint(actor, into_id)
    if (
        original.id == duplicate.id
        or original.merged_into_id is not None
        or original.status in (CLOSED, MERGED)
    ):
        raise InvalidTransition(gettext("A complaint can only be merged into another open complaint."))
    followers = db.session.scalars(
        db.select(ComplaintSubscription.person_id).where(ComplaintSubscription.complaint_id == duplicate.id)
    )
    for person_id in set(followers):
        _subscribe(original, person_id)
    duplicate.status, duplicate.merged_into_id = MERGED, original.id
    event = _event(
        duplicate,
        actor,
        "merged",
        params={"number": original.tracking_number},
    )
    _event(original, actor, "duplicate_merged", internal=f"merged {duplicate.tracking_number}")
    _announced(_save(duplicate), event)
    return original


def _subscribe(complaint: Complaint, person_id: uuid.UUID) -> None:
    exists = db.session.scalar(
        db.select(ComplaintSubscription.id).where(
            ComplaintSubscription.complaint_id == complaint.id, ComplaintSubscription.person_id == person_id
        )
    )
    if exists is None:
        db.session.add(ComplaintSubscription(complaint_id=complaint.id, person_id=person_id))


def followers_of(complaint: Complaint) -> list[uuid.UUID]:
    """Everyone told about the complaint's progress: its reporter and merged reporters."""
    return list(
        db.session.scalars(
            db.select(ComplaintSubscription.person_id).where(
                ComplaintSubscription.complaint_id == complaint.id
            )
        )
    )


# --- the resident's rating ------------------------------------------------------------------


def rate(actor: Actor, complaint_id: uuid.UUID, rating: int, comment: str = "") -> Complaint:
    """Satisfied (3-5) closes the complaint; unsatisfied (1-2) within 7 days reopens it for rework."""
    complaint = resident_complaint(actor, complaint_id)
    if complaint.reporter_id != acting_resident(actor, MANDATE_SCOPE) or complaint.status != RESOLVED:
        raise InvalidTransition(gettext("Only a resolved complaint you reported can be rated."))
    now = utcnow()
    if now - complaint.resolved_at > RATING_WINDOW:
        raise InvalidTransition(gettext("The rating period of 7 days has ended."))
    complaint.rating, complaint.rating_comment = rating, comment
    if rating >= SATISFIED_FROM:
        complaint.status, complaint.closed_at = CLOSED, now
        event = _event(complaint, actor, "rated", params={"rating": rating})
    else:
        complaint.status, complaint.reopen_count = IN_PROGRESS, complaint.reopen_count + 1
        complaint.resolved_at = None
        complaint.feedback_due = sla.feedback_due(sla.SlaClass(complaint.sla_class), now, load_calendar())
        event = _event(
            complaint,
            actor,
            "reopened",
            params={"rating": rating},
            internal=comment,
            department_id=complaint.lead_department_id,
        )
    db.session.flush()
    return _announced(complaint, event)


def close_unrated(now: datetime | None = None) -> list[Complaint]:
    """Close complaints resolved more than 7 days ago that nobody rated."""
    now = now or utcnow()
    stmt = db.select(Complaint).where(
        Complaint.status == RESOLVED, Complaint.resolved_at <= now - RATING_WINDOW
    )
    closed = list(db.session.scalars(stmt))
    for complaint in closed:
        complaint.status, complaint.closed_at = CLOSED, now
        event = _event(complaint, Actor.system(), "closed")
        db.session.flush()
        announce(complaint, event)
    return closed


# --- deadlines ----------------------------------------------------------------------------


def request_extension(
    actor: Actor, complaint_id: uuid.UUID, requested_due: datetime, reason: str
) -> DeadlineExtension:
    """The lead department asks for more time; a supervisor decides."""
    complaint = staff_complaint(actor, complaint_id)
    _require_lead_handler(actor, complaint)
    if complaint.status not in (DISPATCHED, ACCEPTED, IN_PROGRESS):
        raise InvalidTransition()
    if complaint.feedback_due and requested_due <= complaint.feedback_due:
        raise ValidationFailed(
            {"requested_due": [gettext("The new deadline must be later than the current one.")]}
        )
    extension = DeadlineExtension(
        complaint_id=complaint.id, requested_by_id=actor.person_id, requested_due=requested_due, reason=reason
    )
    db.session.add(extension)
    _event(
        complaint, actor, "extension_requested", internal=reason, department_id=complaint.lead_department_id
    )
    db.session.flush()
    return extension


def decide_extension(
    actor: Actor, extension_id: uuid.UUID, approve: bool, note: str = ""
) -> DeadlineExtension:
    """A supervisor approves (the feedback deadline moves) or refuses an extension."""
    require_role(actor, Role.SUPERVISOR)
    extension = db.session.get(DeadlineExtension, extension_id)
    if extension is None:
        raise NotFound()
    if extension.status != "pending":
        raise InvalidTransition(gettext("This extension was already decided."))
    complaint = db.session.get(Complaint, extension.complaint_id)
    extension.status, extension.decided_by_id = ("approved" if approve else "refused"), actor.person_id
    if approve:
        complaint.feedback_due = extension.requested_due
    _event(complaint, actor, "extension_" + extension.status, internal=note)
    db.session.flush()
    return extension


def pending_extensions(actor: Actor) -> list[DeadlineExtension]:
    """Extension requests waiting for a supervisor."""
    require_role(actor, Role.SUPERVISOR)
    return list(db.session.scalars(db.select(DeadlineExtension).where(DeadlineExtension.status == "pending")))


@dataclass(frozen=True)
class Breach:
    """A deadline found missed by a sweep."""

    complaint: Complaint
    kind: str
    due_at: datetime


def record_breaches(now: datetime | None = None) -> list[Breach]:
    """Record each missed dispatch or feedback deadline once (the escalation sweep)."""
    now = now or utcnow()
    missed = [
        *[(c, "dispatch", c.dispatch_due) for c in _overdue(SUBMITTED, Complaint.dispatch_due, now)],
        *[
            (c, "feedback", c.feedback_due)
            for c in _overdue((DISPATCHED, ACCEPTED, IN_PROGRESS), Complaint.feedback_due, now)
        ],
    ]
    new = []
    for complaint, kind, due in missed:
        known = db.session.scalar(
            db.select(DeadlineBreach.id).where(
                DeadlineBreach.complaint_id == complaint.id,
                DeadlineBreach.kind == kind,
                DeadlineBreach.due_at == due,
            )
        )
        if known is None:
            db.session.add(
                DeadlineBreach(
                    complaint_id=complaint.id,
                    kind=kind,
                    due_at=due,
                    department_id=complaint.lead_department_id,
                )
            )
            _event(
                complaint,
                Actor.system(),
                f"{kind}_overdue",
                internal=f"{kind} deadline {due.isoformat()} missed",
            )
            new.append(Breach(complaint, kind, due))
    db.session.flush()
    return new


def _overdue(states, due_column, now: datetime) -> list[Complaint]:
    states = (states,) if isinstance(states, str) else states
    stmt = db.select(Complaint).where(
        Complaint.status.in_(states), Complaint.merged_into_id.is_(None), due_column < now
    )
    return list(db.session.scalars(stmt))


def due_soon(now: datetime | None = None) -> list[Complaint]:
    """Complaints whose feedback deadline is less than a fifth of its window away (remind handlers)."""
    now = now or utcnow()
    active = db.session.scalars(
        db.select(Complaint).where(
            Complaint.status.in_((DISPATCHED, ACCEPTED, IN_PROGRESS)), Complaint.feedback_due > now
        )
    )
    return [c for c in active if sla.reminder_at(c.dispatched_at, c.feedback_due) <= now]


def breaches_of(complaint: Complaint) -> list[DeadlineBreach]:
    """Every breach recorded on a complaint."""
    return list(
        db.session.scalars(db.select(DeadlineBreach).where(DeadlineBreach.complaint_id == complaint.id))
    )


# --- photos -------------------------------------------------------------------------------


def add_photo(actor: Actor, complaint_id: uuid.UUID, data: bytes) -> ComplaintPhoto:
    """Attach a JPEG, PNG or WebP photo (5 MB at most, 6 per complaint) while it is still open."""
    complaint = resident_complaint(actor, complaint_id)
    if complaint.status not in OPEN_STATES:
        raise InvalidTransition()
    content_type = sniff_image_type(data)
    if content_type is None:
        raise ValidationFailed({"photo": [gettext("Only JPEG, PNG or WebP photos are accepted.")]})
    if len(data) > MAX_PHOTO_BYTES:
        raise ValidationFailed({"photo": [gettext("A photo may be at most 5 MB.")]})
    if len(complaint.photos) >= MAX_PHOTOS:
        raise ValidationFailed({"photo": [gettext("At most 6 photos per complaint.")]})
    key = storage().save("complaints/" + str(complaint.id), data, content_type)
    photo = ComplaintPhoto(
        complaint_id=complaint.id, storage_key=key, content_type=content_type, size=len(data)
    )
    complaint.photos.append(photo)
    db.session.flush()
    return photo


def photo_bytes(photo: ComplaintPhoto) -> bytes:
    """The stored photo."""
    return storage().load(photo.storage_key)


def deadline_clock(complaint: Complaint, now: datetime | None = None) -> dict | None:
    """The deadline that runs now (dispatch while waiting, then feedback) and whether it is missed."""
    now = now or utcnow()
    if complaint.status == SUBMITTED:
        kind, due = "dispatch", complaint.dispatch_due
    elif complaint.status in (DISPATCHED, ACCEPTED, IN_PROGRESS) and complaint.feedback_due:
        kind, due = "feedback", complaint.feedback_due
    else:
        return None
    return {
        "kind": kind,
        "due_at": due,
        "overdue": due < now,
        "seconds_left": int((due - now).total_seconds()),
    }


# --- who is told what ---------------------------------------------------------------------


def _department_name(department_id: uuid.UUID | None) -> Localized:
    department = city.get_department(department_id)
    return Localized({"zh_Hans": department.name_zh, "zh_Hant": department.name_zh, "en": department.name_en})


def _category_name(complaint: Complaint) -> Localized:
    category = complaint.category
    return Localized(
        {"zh_Hans": category.name_zh_hans, "zh_Hant": category.name_zh_hant, "en": category.name_en}
    )


def _tell_followers(complaint: Complaint, template: str, key: str, **params) -> None:
    """Tell the reporter and everyone following the complaint (merged duplicates' reporters too)."""
    for person_id in followers_of(complaint):
        notifications.notify(
            person_id,
            template,
            {"reference": complaint.tracking_number, **params},
            topic="complaints",
            dedupe_key=f"complaint-{key}-{person_id}",
        )


def _tell_role(role: str, department_id, template: str, key: str, params: dict) -> None:
    for person_id in identity.people_with_role(role, department_id):
        notifications.notify(
            person_id, template, params, topic="complaints", dedupe_key=f"complaint-{key}-{person_id}"
        )


def _announced(complaint: Complaint, event: ComplaintEvent) -> Complaint:
    announce(complaint, event)
    return complaint


def announce(complaint: Complaint, event: ComplaintEvent) -> None:
    """After a step: tell the residents following it and, for new work, the department's handlers."""
    key = f"{event.kind}-{event.id}"
    if event.kind == "submitted":
        _tell_followers(complaint, "complaint_received", key)
    elif event.kind == "dispatched":
        department = _department_name(complaint.lead_department_id)
        _tell_followers(complaint, "complaint_dispatched", key, department=department)
        params = {
            "reference": complaint.tracking_number,
            "category": _category_name(complaint),
            "deadline": complaint.feedback_due,
        }
        _tell_role(Role.DEPARTMENT_HANDLER, complaint.lead_department_id, "complaint_new_work", key, params)
    elif event.kind == "resolved":
        _tell_followers(complaint, "complaint_resolved", key)
    elif event.kind == "reopened":
        _tell_followers(complaint, "complaint_reopened", key, deadline=complaint.feedback_due)
        params = {
            "reference": complaint.tracking_number,
            "category": _category_name(complaint),
            "deadline": complaint.feedback_due,
        }
        _tell_role(Role.DEPARTMENT_HANDLER, complaint.lead_department_id, "complaint_new_work", key, params)
    elif event.kind in ("closed", "rated") and complaint.status == CLOSED:
        _tell_followers(complaint, "complaint_closed", key)
    elif event.kind == "merged":
        original = db.session.get(Complaint, complaint.merged_into_id)
        _tell_followers(complaint, "complaint_merged", key, original=original.tracking_number)


def remind_due_soon(now: datetime | None = None) -> int:
    """Remind the lead department's handlers once per deadline when a reply is due soon."""
    count = 0
    for complaint in due_soon(now):
        params = {"reference": complaint.tracking_number, "deadline": complaint.feedback_due}
        key = f"due-soon-{complaint.id}-{int(complaint.feedback_due.timestamp())}"
        _tell_role(
            Role.DEPARTMENT_HANDLER, complaint.lead_department_id, "complaint_deadline_near", key, params
        )
        count += 1
    return count


def escalate_breaches(now: datetime | None = None) -> int:
    """Record newly missed deadlines and escalate each to the supervisors."""
    breaches = record_breaches(now)
    for breach in breaches:
        params = {"reference": breach.complaint.tracking_number, "deadline": breach.due_at}
        key = f"breach-{breach.complaint.id}-{breach.kind}-{int(breach.due_at.timestamp())}"
        _tell_role(Role.SUPERVISOR, None, "complaint_escalated", key, params)
    return len(breaches)
