"""Home-care visits verified at the door (EVV), paid from the elder's care-subsidy voucher.

A care provider's terminal is a machine client (kind ``care_provider``, scopes ``eldercare:visits``
and ``citycode:verify``). The caregiver scans the elder's city code (purpose ``care_visit``) when they
arrive and again when they leave: the two scans are the visit's start and end, the code names the
recipient, the terminal's place at the first scan is the place. A visit without both scans is never
paid; a verified one is paid once from the voucher, up to the service's subsidy rate, and what the
voucher paid goes to the provider through the payments ledger in the same transaction (payee
``care_provider:<client id>``, purpose ``eldercare_subsidy:<visit id>``: once per visit). The street
office and civil affairs read what each provider redeemed from the ledger (:func:`subsidy_report`).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from flask_babel import gettext
from sqlalchemy.exc import IntegrityError

from app.core import access, audit
from app.core.actors import Actor, MandateScope, Role
from app.core.audit import AuditAction
from app.core.calendar import SHANGHAI
from app.core.errors import NotFound, ValidationFailed
from app.core.geo import Point
from app.core.i18n import in_every_locale
from app.core.models import upsert_insert, utcnow
from app.core.money import Money
from app.core.pagination import Page, paginate
from app.core.policy import require_role, require_scope
from app.eldercare import notices, policies
from app.eldercare.errors import VisitAlreadyEnded, VisitScanMismatch, VisitScanRefused
from app.eldercare.models import CareService, CareVisit, CareVoucher, VisitStatus
from app.eldercare.services._shared import profile_of, require_profile
from app.extensions import db
from app.identity import services as identity
from app.payments import services as payments

SCOPE = MandateScope.ELDERCARE
PURPOSE = "care_visit"
# What the city's subsidy pays for one verified visit of each service, at most (fen).
SUBSIDY_RATES = {
    CareService.MEAL_HELP: 1_000,
    CareService.CLEANING: 4_000,
    CareService.PERSONAL_CARE: 5_000,
    CareService.MEDICAL_VISIT: 6_000,
}
MAX_TOP_UP = 500_000  # 5,000 yuan at a time
SUBSIDY_DOMAIN = "eldercare_subsidy"  # the payment purpose: one verified visit's subsidy
SUBSIDY_FUND = "eldercare_voucher"  # the ledger's fund account the subsidies are paid from
MAX_REPORT_DAYS = 366


def install() -> None:
    """Register the visit subsidy as a payment purpose (paid from the fund at once: nothing to hear)."""
    payments.register_purpose(SUBSIDY_DOMAIN, SCOPE, on_settled=lambda _outcome: None)


def _scanned_elder(actor: Actor, code: str) -> uuid.UUID:
    """The person whose valid city code the caregiver scanned (422 for an invalid or stale one)."""
    verification = identity.verify_city_code(actor, code, PURPOSE)
    if not verification.valid:
        raise VisitScanRefused(reason=verification.reason)
    return verification.person_id


def start_visit(
    actor: Actor, *, visit_ref: str, service: str, caregiver: str, code: str, location: Point, notes: str = ""
) -> CareVisit:
    """The caregiver is at the door: the elder's code scanned starts the visit (the same ref again: it)."""
    require_scope(actor, policies.VISIT_SCOPE)
    existing = _visit_by_ref(actor.client_id, visit_ref)
    if existing is not None:
        return existing
    person_id = _scanned_elder(actor, code)
    require_profile(person_id)
    client = identity.client_by_id(actor.client_id)
    visit = CareVisit(
        client_id=actor.client_id, provider_name=client.name if client else "", visit_ref=visit_ref,
        person_id=person_id, service=service, caregiver_name=caregiver.strip(), started_at=utcnow(),
        lat=location.lat, lng=location.lng, notes=notes.strip(), status=VisitStatus.IN_PROGRESS,
    )  # fmt: skip
    try:
        with db.session.begin_nested():
            db.session.add(visit)
            db.session.flush()
    except IntegrityError:
        return _visit_by_ref(actor.client_id, visit_ref)
    audit.record(actor, person_id, AuditAction.CREATE, "care_visit", visit.id)
    return visit


def _visit_by_ref(client_id: str | None, visit_ref: str) -> CareVisit | None:
    return db.session.scalar(
        db.select(CareVisit).where(CareVisit.client_id == client_id, CareVisit.visit_ref == visit_ref)
    )


def end_visit(actor: Actor, visit_id: uuid.UUID, *, code: str, location: Point) -> CareVisit:
    """The caregiver leaves: the same elder's code scanned again verifies the visit; the voucher pays once."""
    require_scope(actor, policies.VISIT_SCOPE)
    visit = db.session.scalar(
        db.select(CareVisit)
        .where(CareVisit.id == visit_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if visit is None or visit.client_id != actor.client_id:
        raise NotFound()
    if visit.status != VisitStatus.IN_PROGRESS:
        raise VisitAlreadyEnded()
    if _scanned_elder(actor, code) != visit.person_id:
        raise VisitScanMismatch()
    visit.ended_at, visit.end_lat, visit.end_lng = utcnow(), location.lat, location.lng
    visit.status = VisitStatus.VERIFIED
    visit.subsidy_fen = _pay_from_voucher(visit)
    db.session.flush()
    if visit.subsidy_fen:
        visit.payment_id = _pay_provider(visit).id
    audit.record(actor, visit.person_id, AuditAction.PAY, "care_visit", visit.id)
    notices.visit_verified(visit)
    return visit


def _pay_from_voucher(visit: CareVisit) -> int:
    """Take the service's subsidy (or what is left) from the elder's voucher, under the voucher's lock."""
    voucher = _locked_voucher(visit.person_id)
    paid = min(SUBSIDY_RATES[CareService(visit.service)], voucher.balance_fen)
    voucher.balance_fen -= paid
    return paid


def _pay_provider(visit: CareVisit):
    """The provider is paid what the voucher paid for the visit, through the ledger, once per visit."""
    return payments.pay_from_subsidy(
        visit.person_id,
        payments.Payee("care_provider", visit.client_id),
        Money(visit.subsidy_fen),
        payments.Purpose(SUBSIDY_DOMAIN, (str(visit.id),)),
        f"eldercare-visit-{visit.id}",
        fund=SUBSIDY_FUND,
        description=in_every_locale(
            lambda: gettext(
                "Care subsidy: %(service)s by %(provider)s",
                service=visit.service_label,
                provider=visit.provider_name,
            )
        ),
    )


def _locked_voucher(person_id: uuid.UUID) -> CareVoucher:
    db.session.execute(
        upsert_insert(CareVoucher)
        .values(person_id=person_id, balance_fen=0, granted_fen=0, updated_at=utcnow())
        .on_conflict_do_nothing()
    )
    return db.session.scalars(
        db.select(CareVoucher)
        .where(CareVoucher.person_id == person_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()


def provider_visits(actor: Actor, *, day: date | None, cursor: str | None, limit: int) -> Page:
    """The calling provider's visits, newest first (of one day in Asia/Shanghai when given): its report."""
    require_scope(actor, policies.VISIT_SCOPE)
    stmt = db.select(CareVisit).where(CareVisit.client_id == actor.client_id)
    if day is not None:
        start = datetime.combine(day, time(), SHANGHAI)
        stmt = stmt.where(CareVisit.started_at >= start, CareVisit.started_at < start + timedelta(days=1))
    return paginate(stmt, CareVisit.id, cursor=cursor, limit=limit)


# --- the elder and guardians ----------------------------------------------------------------------


def list_visits(actor: Actor, *, cursor: str | None, limit: int) -> Page:
    """The care visits made to the elder, newest first."""
    person_id = access.list_owner(actor, SCOPE, "care_visit")
    stmt = db.select(CareVisit).where(CareVisit.person_id == person_id)
    return paginate(stmt, CareVisit.id, cursor=cursor, limit=limit)


def get_visit(actor: Actor, visit_id: uuid.UUID) -> CareVisit:
    """One visit to the elder (404 for anyone else's)."""
    return access.load_private(actor, CareVisit, visit_id, scope=SCOPE)


def my_voucher(actor: Actor) -> CareVoucher:
    """The elder's subsidy balance (none granted yet: zero)."""
    person_id = access.list_owner(actor, SCOPE, "care_voucher")
    voucher = db.session.get(CareVoucher, person_id)
    return voucher or CareVoucher(person_id=person_id, balance_fen=0, granted_fen=0)


def top_up_voucher(actor: Actor, person_id: uuid.UUID, amount: Money) -> CareVoucher:
    """The elder's assigned community worker adds a grant to their voucher (404 for any other elder)."""
    require_role(actor, Role.COMMUNITY_WORKER)
    if not policies.is_assigned_worker(actor, profile_of(person_id)):
        raise NotFound()
    if not 0 < amount.fen <= MAX_TOP_UP:
        raise ValidationFailed({"amount": [gettext("A top-up is more than nothing and at most 5,000 yuan.")]})
    voucher = _locked_voucher(person_id)
    voucher.balance_fen += amount.fen
    voucher.granted_fen += amount.fen
    db.session.flush()
    audit.record(actor, person_id, AuditAction.CHANGE, "care_voucher", None, f"+{amount.fen}")
    return voucher


@dataclass(frozen=True)
class ProviderSubsidy:
    """What one care provider redeemed from elders' vouchers in a period, from the ledger."""

    client_id: str
    name: str
    payments_count: int
    amount: Money


@dataclass(frozen=True)
class SubsidyReport:
    """The subsidy redeemed per provider over business days [start, end], and in all."""

    start: date
    end: date
    providers: list[ProviderSubsidy]

    @property
    def total(self) -> Money:
        """Every provider's subsidy together."""
        return Money(sum(p.amount.fen for p in self.providers))


def subsidy_report(actor: Actor, *, start: date, end: date) -> SubsidyReport:
    """Per provider, the care subsidy paid in [start, end] (the street office, civil affairs, supervisors)."""
    if not policies.may_read_subsidies(actor):
        require_role(actor, Role.COMMUNITY_WORKER, Role.SUPERVISOR, Role.ADMIN)
    if end < start or (end - start).days >= MAX_REPORT_DAYS:
        raise ValidationFailed({"end": [gettext("From the start day, at most a year.")]})
    totals = payments.subsidy_totals(SUBSIDY_DOMAIN, "care_provider", start, end)
    rows = [
        ProviderSubsidy(client_id, _provider_name(client_id), count, Money(fen))
        for client_id, (count, fen) in totals.items()
    ]
    rows.sort(key=lambda row: (-row.amount.fen, row.client_id))  # providers and sums: no one's personal data
    return SubsidyReport(start=start, end=end, providers=rows)


def _provider_name(client_id: str) -> str:
    client = identity.client_by_id(client_id)
    return client.name if client else client_id
