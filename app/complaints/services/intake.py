"""Intake from every channel (app, hotline agent, Open311, the bot): one service, routed at once."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext

from app.city import services as city
from app.complaints import sla
from app.complaints.models import (
    Complaint,
    ComplaintAssist,
    ComplaintEvent,
    ComplaintPhoto,
    ComplaintSubscription,
)
from app.complaints.routing import ComplaintFacts
from app.complaints.services._shared import (
    CLOSED,
    DISPATCHED,
    DUPLICATE_CANDIDATES,
    DUPLICATE_MIN_SIMILARITY,
    DUPLICATE_RADIUS_M,
    DUPLICATE_SCAN_LIMIT,
    DUPLICATE_WINDOW,
    MANDATE_SCOPE,
    MAX_PHOTO_BYTES,
    MAX_PHOTOS,
    MERGED,
    OPEN_STATES,
    SUBMITTED,
    InvalidTransition,
)
from app.complaints.services.announce import announce
from app.complaints.services.categories import category_by_code
from app.complaints.services.reading import resident_complaint
from app.complaints.services.rules import current_rules
from app.complaints.similarity import similarity
from app.core import audit
from app.core.actors import Actor, Role
from app.core.audit import AuditAction
from app.core.calendar import SHANGHAI, load_calendar
from app.core.errors import NotFound, ValidationFailed
from app.core.geo import Point, distance_m
from app.core.ids import new_id
from app.core.models import utcnow
from app.core.policy import acting_for, require_role, require_scope
from app.core.storage import sniff_image_type, storage
from app.extensions import db
from app.identity import services as identity


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
    attachment: Attachment | None = None  # filed by another domain: what it is about


@dataclass(frozen=True)
class Attachment:
    """What another domain attaches when it files a complaint: a title and facts, in every language.

    ``title`` and each label are ``{"zh_Hans": ..., "zh_Hant": ..., "en": ...}``; a value is text as
    it is (a number, an amount, someone's own words) or, where the system wrote it, in every language.
    ``reference`` names the record in its domain (``commerce_order:<id>``), for the handling department.
    """

    kind: str
    title: dict[str, str]
    facts: list[tuple[dict[str, str], str | dict[str, str]]]
    reference: str = ""

    def as_data(self) -> dict:
        """How the complaint keeps it."""
        return {
            "kind": self.kind,
            "title": self.title,
            "facts": [[label, value] for label, value in self.facts],
            **({"reference": self.reference} if self.reference else {}),
        }


def submit_complaint(actor: Actor, intake: Intake, channel: str = "app") -> Complaint:
    """A resident (or their proxy) reports something; it is routed at once when a rule matches."""
    reporter_id = acting_for(actor, MANDATE_SCOPE)
    complaint = _create(actor, intake, channel, reporter_id=reporter_id)
    audit.record(actor, reporter_id, AuditAction.CREATE, "complaint", complaint.tracking_number)
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
    if place.outside:
        message = gettext("This place is outside the city: please report it to the 12345 hotline there.")
        raise ValidationFailed({"location": [message]})
    now = utcnow()
    sla_class = sla.effective_class(category.sla_class, intake.urgent)
    complaint = Complaint(
        id=new_id(),
        created_at=now,
        channel=channel,
        reporter_id=reporter_id,
        category=category,
        category_id=category.id,  # read by the duplicate check before the complaint is written
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
        attachment=intake.attachment.as_data() if intake.attachment else None,
    )
    complaint.tracking_number = _tracking_number(now)
    db.session.add(complaint)
    received = _event(complaint, actor, "submitted")
    # Routed before it is first written: one INSERT with its lead department, deadlines and both
    # events, instead of an INSERT and two UPDATEs.
    with db.session.no_autoflush:  # the rules' version check must not write the complaint yet
        dispatched = _route(complaint, place)
    complaint.duplicate_candidate_ids = [str(c.id) for c in find_duplicates(complaint)]
    db.session.flush()  # the complaint before its subscription (no relationship orders them)
    if reporter_id is not None:
        db.session.add(ComplaintSubscription(complaint_id=complaint.id, person_id=reporter_id))
    db.session.flush()
    announce(complaint, received)
    if dispatched is not None:
        announce(complaint, dispatched)
    return complaint


def _tracking_number(now: datetime) -> str:
    return "12345-" + now.astimezone(SHANGHAI).strftime("%Y%m%d") + "-" + uuid.uuid4().hex[:8].upper()


def _attached_text(attachment: dict | None) -> str:
    """What was attached, as the routing rules read it (their keywords are in Simplified Chinese)."""
    if not attachment:
        return ""
    words = [attachment.get("title", {}).get("zh_Hans", "")]
    for _label, value in attachment.get("facts", []):
        words.append(value.get("zh_Hans", "") if isinstance(value, dict) else str(value))
    return " ".join(words)


def routing_text(description: str, address: str, attachment: dict | None) -> str:
    """The words the routing rules read: what the resident wrote, where, and what was attached."""
    return " ".join((description, address, _attached_text(attachment)))


def _route(complaint: Complaint, place: city.Place) -> ComplaintEvent | None:
    facts = ComplaintFacts(
        category_code=complaint.category.code,
        district_code=place.district.code if place.district else None,
        street_code=place.street.code if place.street else None,
        text=routing_text(complaint.description, complaint.address, complaint.attachment),
    )
    decision = current_rules().route(facts)
    if decision is None:
        complaint.routing = {"queue": "dispatcher"}
        return None
    department = city.department_ref(decision.department_code)
    complaint.routing_rule_number = decision.rule.number
    complaint.routing = {
        "rule": decision.rule.number,
        "rule_name": decision.rule.name,
        "matched": [list(reason) for reason in decision.reasons],
        "department_code": decision.department_code,
        "department": department.names,
    }
    assisting = [city.department_ref(code) for code in decision.assisting_codes]
    note = {"kind": "routed", "routing": complaint.routing}
    return _assign(complaint, department, [d for d in assisting if d], Actor.system(), note=note)


def _assign(
    complaint: Complaint, department, assisting: list, actor: Actor, note: str | dict = ""
) -> ComplaintEvent:
    """Make ``department`` the lead (with assisting ones); ``note`` is what staff typed, or a system note."""
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
        params={"department": department.names, **({"note": note} if isinstance(note, dict) else {})},
        internal=note if isinstance(note, str) else "",
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


def add_photo(actor: Actor, complaint_id: uuid.UUID, data: bytes) -> ComplaintPhoto:
    """Attach a JPEG, PNG or WebP photo (5 MB at most, 6 per complaint) while it is still open."""
    complaint = resident_complaint(actor, complaint_id, action=AuditAction.CHANGE)
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


def resident_photo(actor: Actor, complaint_id: uuid.UUID, photo_id: uuid.UUID) -> tuple[bytes, str]:
    """One photo of a complaint the resident may see: its bytes and content type (404 otherwise)."""
    complaint = resident_complaint(actor, complaint_id)
    photo = next((p for p in complaint.photos if p.id == photo_id), None)
    if photo is None:
        raise NotFound()
    return photo_bytes(photo), photo.content_type
