"""Home-care visits verified at the door (EVV), paid from the elder's care-subsidy voucher.

A care provider's terminal is a machine client (kind ``care_provider``, scopes ``eldercare:visits``
and ``citycode:verify``). The caregiver scans the elder's city code (purpose ``care_visit``) when they
arrive and again when they leave: the two scans are the visit's start and end, the code names the
recipient, the terminal's place at the first scan is the place. A visit without both scans is never
paid; a verified one is paid once from the voucher, up to the service's subsidy rate, and what the
voucher paid goes to the provider through the payments ledger in the same transaction (payee
``care_provider:<client id>``, purpose ``eldercare_subsidy:<visit id>``: once per visit). The street
office and civil affairs read what each provider redeemed from the ledger (:func:`subsidy_report`).

A visit may serve a booking: a provider publishing its home visits as appointment services names the
elder's booking at the first scan, which arrives it; the verified end fulfils it. A commerce merchant's
staff record the visit of an elder-care order the same way (:func:`begin_visit`, :func:`finish_visit`
with the merchant as provider, its scans named in the elder's scan log); commerce then pays the
order's held subsidy at the verified end instead of the voucher's rate.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from flask import current_app
from flask_babel import gettext

from app.appointments import services as appointments
from app.core import access, audit
from app.core.actors import Actor, MandateScope, Role
from app.core.audit import AuditAction
from app.core.calendar import SHANGHAI
from app.core.errors import NotFound, ValidationFailed
from app.core.geo import Point
from app.core.i18n import in_every_locale
from app.core.models import add_new, upsert_insert, utcnow
from app.core.money import Money
from app.core.pagination import Page, paginate
from app.core.policy import require_role, require_scope
from app.eldercare import notices, policies
from app.eldercare.errors import VisitAlreadyEnded, VisitLapsed, VisitScanMismatch, VisitScanRefused
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


@dataclass(frozen=True)
class VisitProvider:
    """Who makes a visit: a care provider's terminal (a machine client), or a merchant by its staff."""

    kind: str  # care_provider | merchant
    id: str  # the client id, or the merchant's id
    name: str

    @property
    def scanner(self) -> identity.Scanner | None:
        """How a merchant's staff are named in the elder's scan log (a terminal is named by its client)."""
        return None if self.kind == CARE_PROVIDER else identity.Scanner(f"{self.kind}:{self.id}", self.name)


CARE_PROVIDER = "care_provider"
MERCHANT = "merchant"
# How a verified visit is paid when another domain pays it (a commerce order's held subsidy): it
# returns what was paid (fen) and the ledger's payment, or (0, None).
VisitPayment = Callable[[CareVisit], tuple[int, "uuid.UUID | None"]]


def _terminal(actor: Actor) -> VisitProvider:
    """The calling care provider's terminal (scope ``eldercare:visits``)."""
    require_scope(actor, policies.VISIT_SCOPE)
    return VisitProvider(CARE_PROVIDER, actor.client_id or "", identity.client_name(actor.client_id) or "")


def _check_provider(actor: Actor, provider: VisitProvider) -> None:
    """A terminal carries the visit scope; a merchant's visit is made by a member (commerce checks whose)."""
    if provider.kind == CARE_PROVIDER:
        require_scope(actor, policies.VISIT_SCOPE)
    else:
        require_role(actor, Role.MERCHANT_OWNER, Role.MERCHANT_STAFF)


def _scanned_elder(actor: Actor, code: str, provider: VisitProvider) -> uuid.UUID:
    """The person whose valid city code the caregiver scanned (422 for an invalid or stale one)."""
    verification = identity.verify_city_code(actor, code, PURPOSE, scanner=provider.scanner)
    if not verification.valid:
        raise VisitScanRefused(reason=verification.reason)
    return verification.person_id


def start_visit(
    actor: Actor,
    *,
    visit_ref: str,
    service: str,
    caregiver: str,
    code: str,
    location: Point,
    notes: str = "",
    appointment_id: uuid.UUID | None = None,
) -> CareVisit:
    """The caregiver is at the door: the elder's code scanned starts the visit (the same ref again: it).

    Naming ``appointment_id`` (a booking of the elder at one of the provider's appointment services of
    this care service, on any day: her scan at the door consents) ties the visit to it: the booking is
    arrived now, fulfilled at the end.
    """
    provider = _terminal(actor)
    visit, made = begin_visit(
        actor, provider, visit_ref=visit_ref, service=service, caregiver=caregiver, code=code,
        location=location, notes=notes,
    )  # fmt: skip
    if made and appointment_id is not None:
        appointments.arrive_for_home_visit(
            actor, appointment_id, person_id=visit.person_id, service_type=service, visit_id=visit.id
        )
        visit.appointment_id = appointment_id
    return visit


def begin_visit(
    actor: Actor,
    provider: VisitProvider,
    *,
    visit_ref: str,
    service: str,
    caregiver: str,
    code: str,
    location: Point,
    notes: str = "",
    recipient_id: uuid.UUID | None = None,
    order_id: uuid.UUID | None = None,
) -> tuple[CareVisit, bool]:
    """Start a visit of ``provider`` by the elder's code scanned at the door; (the visit, whether new).

    The same ``visit_ref`` again returns the visit (nothing scanned). ``recipient_id``: the person the
    visit must be for (a commerce order's elder; another person's code is ``visit-scan-mismatch``).
    """
    _check_provider(actor, provider)
    if service not in SUBSIDY_RATES:
        raise ValidationFailed(
            {"service": [gettext("Choose one of: %(choices)s.", choices=", ".join(SUBSIDY_RATES))]}
        )
    existing = _visit_by_ref(provider, visit_ref)
    if existing is not None:
        return existing, False
    person_id = _scanned_elder(actor, code, provider)
    if recipient_id is not None and person_id != recipient_id:
        raise VisitScanMismatch()
    require_profile(person_id)
    visit = CareVisit(
        client_id=provider.id, provider_kind=provider.kind, provider_name=provider.name, visit_ref=visit_ref,
        person_id=person_id, service=service, caregiver_name=caregiver.strip(), started_at=utcnow(),
        lat=location.lat, lng=location.lng, notes=notes.strip(), status=VisitStatus.IN_PROGRESS,
        order_id=order_id,
    )  # fmt: skip
    if not add_new(visit):
        return _visit_by_ref(provider, visit_ref), False
    audit.record(actor, person_id, AuditAction.CREATE, "care_visit", visit.id)
    return visit, True


def _visit_by_ref(provider: VisitProvider, visit_ref: str) -> CareVisit | None:
    return db.session.scalar(
        db.select(CareVisit).where(
            CareVisit.client_id == provider.id,
            CareVisit.provider_kind == provider.kind,
            CareVisit.visit_ref == visit_ref,
        )
    )


def end_visit(actor: Actor, visit_id: uuid.UUID, *, code: str, location: Point) -> CareVisit:
    """The caregiver leaves: the same elder's code scanned again verifies the visit; the voucher pays once."""
    return finish_visit(actor, _terminal(actor), visit_id, code=code, location=location)


def finish_visit(
    actor: Actor,
    provider: VisitProvider,
    visit_id: uuid.UUID,
    *,
    code: str,
    location: Point,
    pay: VisitPayment | None = None,
) -> CareVisit:
    """Verify ``provider``'s visit by the same elder's code scanned again, under the visit's lock; pay once.

    By default the voucher pays the service's subsidy rate to the provider; ``pay`` pays it instead
    (a commerce order's subsidy, held since it was placed). A booking the visit serves is fulfilled.
    """
    _check_provider(actor, provider)
    visit = db.session.scalar(
        db.select(CareVisit)
        .where(CareVisit.id == visit_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if visit is None or visit.client_id != provider.id or visit.provider_kind != provider.kind:
        raise NotFound()
    if visit.status == VisitStatus.LAPSED:
        raise VisitLapsed()
    if visit.status != VisitStatus.IN_PROGRESS:
        raise VisitAlreadyEnded()
    if _scanned_elder(actor, code, provider) != visit.person_id:
        raise VisitScanMismatch()
    visit.ended_at, visit.end_lat, visit.end_lng = utcnow(), location.lat, location.lng
    visit.status = VisitStatus.VERIFIED
    if pay is not None:
        visit.subsidy_fen, visit.payment_id = pay(visit)
    else:
        visit.subsidy_fen = _pay_from_voucher(visit)
        db.session.flush()
        if visit.subsidy_fen:
            visit.payment_id = _pay_provider(visit).id
    if visit.appointment_id is not None:
        appointments.fulfil_home_visit(actor, visit.appointment_id)
    db.session.flush()
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
    stmt = db.select(CareVisit).where(
        CareVisit.client_id == actor.client_id, CareVisit.provider_kind == CARE_PROVIDER
    )
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


def take_from_voucher(person_id: uuid.UUID, wanted_fen: int) -> int:
    """Take up to ``wanted_fen`` from the elder's voucher under its lock (what is left, never below zero).

    For another domain paying for an elder's care service (a commerce order): it returns what it took.
    """
    voucher = db.session.scalar(
        db.select(CareVoucher)
        .where(CareVoucher.person_id == person_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if voucher is None or wanted_fen <= 0:  # never granted one: nothing to take, no row made
        return 0
    taken = min(wanted_fen, voucher.balance_fen)
    voucher.balance_fen -= taken
    db.session.flush()
    return taken


def give_back_to_voucher(person_id: uuid.UUID, fen: int) -> None:
    """Put back on the elder's voucher what :func:`take_from_voucher` took for a service not delivered."""
    if fen > 0:
        voucher = _locked_voucher(person_id)
        voucher.balance_fen += fen
        db.session.flush()


@dataclass(frozen=True)
class VoucherRedeemer:
    """Another domain whose payees are paid from the voucher fund (commerce's merchants)."""

    domain: str  # the payment purpose its subsidy payments carry
    payee_kind: str
    names: Callable[[Iterable[str]], dict[str, str]]  # payee ids -> names


_redeemers: dict[str, VoucherRedeemer] = {}


def lapse_visit(visit_id: uuid.UUID) -> bool:
    """A visit begun and never verified: it lapses, is never paid, and its end scan is refused.

    True when it was still in progress (under its lock); a visit verified meanwhile is left as it is.
    The caller holds whatever the visit's payment would have locked first (a commerce order's lock).
    """
    visit = db.session.scalar(
        db.select(CareVisit)
        .where(CareVisit.id == visit_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if visit is None or visit.status != VisitStatus.IN_PROGRESS:
        return False
    visit.status = VisitStatus.LAPSED  # no end: nobody scanned her code on leaving
    db.session.flush()
    return True


def lapse_unfinished_visits(now: datetime | None = None, batch: int = 200) -> int:
    """A provider's visits begun more than ``ELDERCARE_VISIT_LAPSE_HOURS`` ago and never ended lapse.

    Nobody scanned the elder's code on leaving, so the visit is not verified and never paid; its
    end scan is refused from then on (409 ``visit-lapsed``). A visit delivering a commerce order is
    left to commerce's sweep, which lapses it under the order's lock and gives its subsidy back.
    Idempotent; at most ``batch`` visits a run, the oldest first.
    """
    now = now or utcnow()
    cutoff = now - timedelta(hours=int(current_app.config["ELDERCARE_VISIT_LAPSE_HOURS"]))
    ids = db.session.scalars(
        db.select(CareVisit.id)
        .where(
            CareVisit.status == VisitStatus.IN_PROGRESS,
            CareVisit.started_at < cutoff,
            CareVisit.order_id.is_(None),
        )
        .order_by(CareVisit.started_at)
        .limit(batch)
    ).all()
    return sum(1 for visit_id in ids if lapse_visit(visit_id))


def register_voucher_redeemer(
    domain: str, payee_kind: str, names: Callable[[Iterable[str]], dict[str, str]]
) -> None:
    """Let the subsidy report include what ``payee_kind`` payees redeemed under ``domain`` (at start-up)."""
    _redeemers[payee_kind] = VoucherRedeemer(domain, payee_kind, names)


@dataclass(frozen=True)
class MerchantSubsidy:
    """What one commerce merchant redeemed from elders' vouchers in a period, from the ledger."""

    merchant_id: str
    name: str
    payments_count: int
    amount: Money


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
    merchants: list[MerchantSubsidy] = field(default_factory=list)

    @property
    def total(self) -> Money:
        """Every provider's and every merchant's subsidy together."""
        return Money(sum(p.amount.fen for p in self.providers) + sum(m.amount.fen for m in self.merchants))


def subsidy_report(actor: Actor, *, start: date, end: date) -> SubsidyReport:
    """Per provider and per merchant, the care subsidy paid in [start, end] (street office, civil affairs)."""
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
    return SubsidyReport(start=start, end=end, providers=rows, merchants=_merchant_rows(start, end))


def _merchant_rows(start: date, end: date) -> list[MerchantSubsidy]:
    """What each commerce merchant redeemed (its orders of subsidised listings), largest first."""
    redeemer = _redeemers.get("merchant")
    if redeemer is None:
        return []
    totals = payments.subsidy_totals(redeemer.domain, redeemer.payee_kind, start, end)
    names = redeemer.names(sorted(totals)) if totals else {}
    rows = [
        MerchantSubsidy(merchant_id, names.get(merchant_id, merchant_id), count, Money(fen))
        for merchant_id, (count, fen) in totals.items()
    ]
    rows.sort(key=lambda row: (-row.amount.fen, row.merchant_id))
    return rows


def _provider_name(client_id: str) -> str:
    return identity.client_name(client_id) or client_id
