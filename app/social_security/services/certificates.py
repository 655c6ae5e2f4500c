"""Certificates (参保证明, 公积金缴存证明): facts frozen at issue, signed; anyone checks them by code.

The code printed on the certificate (and in its QR) is a random serial and a signature: an HMAC,
under a key of its own derived from ``SECRET_KEY``, over what the certificate states (its kind,
facts, issue and expiry). Verification finds the certificate by serial and recomputes the
signature, so a code altered by one character, or facts altered where they are stored, fail alike.
A verifier sees the masked name and ID and the certificate's facts, never more.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
import uuid
from collections.abc import Callable
from datetime import date, timedelta
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import select

from app.core import access, audit
from app.core.actors import Actor, ActorKind
from app.core.audit import AuditAction
from app.core.calendar import business_date
from app.core.models import utcnow
from app.core.pagination import Page, paginate
from app.core.policy import acting_for
from app.core.views import WithFacts, with_facts
from app.extensions import db
from app.social_security.errors import CertificateNotVerified, NoRecords
from app.social_security.models import Certificate, CertificateKind, Scheme
from app.social_security.services._shared import MANDATE_SCOPE, insured_of_person, setting
from app.social_security.services.queries import months_between, paid_months, summary_of

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: no I, L, O, U
PART = 12  # characters of the serial, and of the signature (60 bits each)


def _random(length: int) -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


def _key() -> bytes:
    secret = current_app.config["SECRET_KEY"].encode()
    return hmac.new(secret, b"yimatong-social-security-certificates", hashlib.sha256).digest()


def sign(serial: str, kind: str, facts: dict, issued_on: str, valid_until: str) -> str:
    """The signature of what a certificate states, in the code's alphabet."""
    stated = json.dumps([serial, kind, facts, issued_on, valid_until], sort_keys=True, separators=(",", ":"))
    digest = int.from_bytes(hmac.new(_key(), stated.encode(), hashlib.sha256).digest()[:8], "big")
    return "".join(ALPHABET[(digest >> (5 * i)) & 31] for i in range(PART))


def _signature_of(certificate: Certificate) -> str:
    return sign(
        certificate.serial,
        certificate.kind,
        certificate.facts,
        certificate.issued_at.isoformat(),
        certificate.valid_until.isoformat(),
    )


def issue(actor: Actor, kind: str, months: int) -> Certificate:
    """Issue a certificate of the resident's records over the last ``months`` months (a proxy may ask)."""
    person_id = acting_for(actor, MANDATE_SCOPE)
    insured = insured_of_person(person_id)
    if insured is None:
        raise NoRecords()
    summary = summary_of(insured)
    facts = (_contribution_facts if kind == CertificateKind.CONTRIBUTION else _fund_facts)(summary, months)
    issued_at = utcnow().replace(microsecond=0)
    certificate = Certificate(
        serial=_random(PART),
        person_id=person_id,
        insured_id=insured.id,
        kind=kind,
        facts=facts,
        issued_at=issued_at,
        valid_until=business_date(issued_at) + timedelta(days=setting("CERTIFICATE_VALID_DAYS")),
        requested_by_id=actor.person_id,
    )
    certificate.signature = _signature_of(certificate)
    db.session.add(certificate)
    db.session.flush()
    if actor.kind is ActorKind.PROXY:
        audit.record(actor, person_id, AuditAction.CREATE, "ss_certificate", certificate.id)
    return certificate


def _window(months: int) -> tuple[date, date]:
    today = business_date()
    last = today.replace(day=1)
    index = last.year * 12 + last.month - 1 - (months - 1)
    return date(index // 12, index % 12 + 1, 1), last


def _person_facts(summary) -> dict:
    return {"name": summary.name, "national_id": summary.national_id}


def _months_in(summary, scheme: str, first: date, last: date) -> int:
    return sum(1 for month in paid_months(summary.insured.id, scheme) if first <= month <= last)


def _contribution_facts(summary, months: int) -> dict:
    first, last = _window(months)
    schemes = []
    for item in summary.schemes:
        if item.scheme == Scheme.HOUSING_FUND:
            continue
        schemes.append(
            {
                "scheme": item.scheme,
                "status": item.status,
                "since": item.status_since.isoformat() if item.status_since else None,
                "first_month": item.first_month,
                "last_month": item.last_month,
                "months_paid": item.months_paid,
                "months_in_window": _months_in(summary, item.scheme, first, last),
                "employer_name": item.employer_name,
            }
        )
    if not schemes:
        raise NoRecords()
    return {
        **_person_facts(summary),
        "window": {"from": f"{first:%Y-%m}", "to": f"{last:%Y-%m}", "months": months_between(first, last)},
        "schemes": schemes,
        "as_of": summary.as_of.isoformat() if summary.as_of else None,
    }


def _fund_facts(summary, months: int) -> dict:
    first, last = _window(months)
    fund = next((item for item in summary.schemes if item.scheme == Scheme.HOUSING_FUND), None)
    if fund is None:
        raise NoRecords()
    account = next((a for a in summary.accounts if a.scheme == Scheme.HOUSING_FUND), None)
    deposit = (fund.last_employer_part.fen if fund.last_employer_part else 0) + (
        fund.last_personal_part.fen if fund.last_personal_part else 0
    )
    loan = summary.loans[0] if summary.loans else None
    return {
        **_person_facts(summary),
        "window": {"from": f"{first:%Y-%m}", "to": f"{last:%Y-%m}", "months": months_between(first, last)},
        "status": fund.status,
        "since": fund.status_since.isoformat() if fund.status_since else None,
        "employer_name": fund.employer_name,
        "first_month": fund.first_month,
        "last_month": fund.last_month,
        "months_paid": fund.months_paid,
        "months_in_window": _months_in(summary, Scheme.HOUSING_FUND, first, last),
        "base_fen": fund.last_base.fen if fund.last_base else None,
        "monthly_deposit_fen": deposit,
        "employer_fen": fund.last_employer_part.fen if fund.last_employer_part else None,
        "personal_fen": fund.last_personal_part.fen if fund.last_personal_part else None,
        "balance_fen": account.balance.fen if account else None,
        "balance_on": account.last_entry_on.isoformat() if account else None,
        "loan_owed_fen": loan.balance_fen if loan else None,
        "as_of": summary.as_of.isoformat() if summary.as_of else None,
    }


def list_certificates(actor: Actor, *, cursor: str | None, limit: int) -> Page:
    """The certificates issued to the resident, newest first."""
    person_id = access.list_owner(actor, MANDATE_SCOPE, "ss_certificate")
    stmt = select(Certificate).where(Certificate.person_id == person_id)
    return paginate(stmt, Certificate.id, cursor=cursor, limit=limit)


def get_certificate(actor: Actor, certificate_id: uuid.UUID) -> WithFacts:
    """One of the resident's certificates with where it stands today (404 for anyone else's)."""
    certificate = access.load_private(actor, Certificate, certificate_id, scope=MANDATE_SCOPE)
    return with_facts(certificate, status=certificate.status_on(business_date()))


def certificate_pdf(
    actor: Actor, certificate_id: uuid.UUID, url_of: Callable[[str], str] | None = None
) -> tuple[str, bytes]:
    """One of the resident's certificates as PDF in the reader's language: (file name, content).

    ``url_of(code)`` is where its QR leads (the API gives the address the request reached); off the
    web (the bot), this deployment's verification page at ``OIDC_ISSUER``.
    """
    from app.social_security import pdf  # fpdf2 and its font tools: ~45 MB, loaded by the first PDF only

    certificate = get_certificate(actor, certificate_id).record
    url = (url_of or verification_url)(certificate.code)
    return f"certificate-{certificate.serial}.pdf", pdf.render(certificate, url)


def verification_url(code: str) -> str:
    """The public page that checks a certificate by its code, at this deployment's address."""
    base = urlsplit(current_app.config.get("OIDC_ISSUER") or "http://127.0.0.1:5000")
    adapter = current_app.url_map.bind(base.netloc, script_name=base.path or "/", url_scheme=base.scheme)
    return adapter.build("social_security.verify_certificate", {"code": code}, force_external=True)


def normalize_code(code: str) -> str:
    """The code as typed or scanned: dashes and spaces dropped, O read as 0 and I, L as 1."""
    return re.sub(r"[\s-]", "", code).upper().replace("O", "0").replace("I", "1").replace("L", "1")


def verify(code: str) -> WithFacts:
    """Anyone holding the code checks the certificate: its facts, the masked name, valid or expired."""
    normalized = normalize_code(code)
    if not re.fullmatch(f"[{ALPHABET}]{{{2 * PART}}}", normalized):
        raise CertificateNotVerified()
    serial, signature = normalized[:PART], normalized[PART:]
    certificate = db.session.scalar(select(Certificate).where(Certificate.serial == serial))
    if certificate is None:
        raise CertificateNotVerified()
    expected = _signature_of(certificate)
    if not (
        hmac.compare_digest(expected, signature) and hmac.compare_digest(certificate.signature, expected)
    ):
        raise CertificateNotVerified()
    return with_facts(certificate, status=certificate.status_on(business_date()))
