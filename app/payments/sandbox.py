"""The sandbox payment provider: the default outside production, used by the demo and the tests.

It behaves like a real provider, on its own tables. An intent opens a charge; when the charge is
due (``PAYMENTS_SANDBOX_PAY_DELAY_SECONDS`` after it opened) the sandbox's worker — :func:`run`,
i.e. ``flask payments sandbox-settle`` or the scheduled job — lets the simulated payer answer and
then delivers an HMAC-SHA256-signed callback to ``POST /api/v1/payments/callbacks/sandbox``: over
HTTP when ``PAYMENTS_SANDBOX_CALLBACK_URL`` is set, otherwise in-process through the same route.
Undelivered callbacks are retried with backoff.

What the payer does is chosen by the fen part of the amount (``amount_fen % 100``), unless the
domain passes ``provider_options={"sandbox_outcome": ...}`` to ``create_intent``:

==========  =======================  ==========================================================
fen part    outcome                  what happens
==========  =======================  ==========================================================
``51``      ``fail``                 declined; a ``charge.failed`` callback is sent
``52``      ``timeout``              captured, but the callback is never sent (reconcile finds it)
``53``      ``abandon``              the payer never pays; reconcile closes it after expiry
other       ``succeed``              captured; a ``charge.succeeded`` callback is sent
==========  =======================  ==========================================================

A callback carries ``X-Sandbox-Event-Id`` (fresh per delivery attempt), ``X-Sandbox-Timestamp``
(Unix seconds) and ``X-Sandbox-Signature: v1=<hex>``, the HMAC-SHA256 under
``PAYMENTS_SANDBOX_SECRET`` of ``"<timestamp>.<event id>." + body``.
"""

from __future__ import annotations

import contextvars
import hashlib
import hmac
import json
import logging
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext

from app.core.errors import ValidationFailed
from app.core.ids import new_id
from app.core.models import upsert_insert, utcnow
from app.core.money import Money
from app.extensions import db
from app.payments.errors import (
    CallbackMalformed,
    CallbackSignatureInvalid,
    CallbackStale,
    ProviderUnavailable,
)
from app.payments.models import PaymentIntent, PaymentRefund, SandboxCharge, SandboxRefund
from app.payments.providers import (
    CallbackEvent,
    ChargeState,
    ChargeStatus,
    ProviderCharge,
    ProviderRefund,
    register_provider,
)

log = logging.getLogger(__name__)

NAME = "sandbox"
SUCCEED, FAIL, TIMEOUT, ABANDON = "succeed", "fail", "timeout", "abandon"
OUTCOMES = (SUCCEED, FAIL, TIMEOUT, ABANDON)
AMOUNT_RULES = {51: FAIL, 52: TIMEOUT, 53: ABANDON}
DECLINE_CODE = "sandbox_declined"

SIGNATURE_HEADER = "X-Sandbox-Signature"
TIMESTAMP_HEADER = "X-Sandbox-Timestamp"
EVENT_ID_HEADER = "X-Sandbox-Event-Id"
CALLBACK_PATH = "/api/v1/payments/callbacks/sandbox"
SUCCEEDED_EVENT, FAILED_EVENT = "charge.succeeded", "charge.failed"

CLAIM_LEASE = timedelta(seconds=60)
RETRY_DELAYS = (10, 30, 120, 600, 1800, 3600)  # seconds after the 1st, 2nd, ... failed delivery


def outcome_for(amount_fen: int, requested: str | None = None) -> str:
    """What the simulated payer will do: the requested outcome, else the amount rule."""
    if requested is not None:
        if requested not in OUTCOMES:
            message = gettext("Must be one of: %(choices)s.", choices=", ".join(OUTCOMES))
            raise ValidationFailed({"sandbox_outcome": [message]})
        return requested
    return AMOUNT_RULES.get(amount_fen % 100, SUCCEED)


def signing_secret() -> bytes:
    """PAYMENTS_SANDBOX_SECRET, or a development secret derived from SECRET_KEY."""
    configured = current_app.config.get("PAYMENTS_SANDBOX_SECRET")
    if configured:
        return configured.encode()
    return hmac.new(
        current_app.config["SECRET_KEY"].encode(), b"payments-sandbox-callbacks", "sha256"
    ).digest()


def sign(timestamp: str, event_id: str, body: bytes) -> str:
    """The signature header value of a callback."""
    message = timestamp.encode() + b"." + event_id.encode() + b"." + body
    return "v1=" + hmac.new(signing_secret(), message, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class SignedCallback:
    """A callback ready to send: body and headers."""

    body: bytes
    headers: dict[str, str]


def signed_callback(
    charge: SandboxCharge, *, at: datetime | None = None, event_id: str | None = None
) -> SignedCallback:
    """The signed notification of a resolved charge (a fresh event id unless one is given)."""
    succeeded = charge.state == ChargeStatus.CAPTURED
    payload = {
        "event": SUCCEEDED_EVENT if succeeded else FAILED_EVENT,
        "intent_id": str(charge.intent_id),
        "provider_ref": charge.provider_ref,
        "amount_fen": charge.amount_fen,
        "currency": charge.currency,
        "failure_code": None if succeeded else DECLINE_CODE,
        "occurred_at": (charge.resolved_at or utcnow()).isoformat(),
    }
    body = json.dumps(payload, separators=(",", ":")).encode()
    timestamp = str(int((at or utcnow()).timestamp()))
    event = event_id or "evt_" + new_id().hex
    headers = {
        "Content-Type": "application/json",
        EVENT_ID_HEADER: event,
        TIMESTAMP_HEADER: timestamp,
        SIGNATURE_HEADER: sign(timestamp, event, body),
    }
    return SignedCallback(body=body, headers=headers)


def charge_for_intent(intent_id: uuid.UUID) -> SandboxCharge | None:
    """The sandbox's charge of an intent."""
    return db.session.scalar(db.select(SandboxCharge).where(SandboxCharge.intent_id == intent_id))


class SandboxProvider:
    """The sandbox adapter; every method works on the sandbox's own tables."""

    name = NAME

    def start_charge(self, intent: PaymentIntent, options: Mapping[str, str]) -> ProviderCharge:
        """Open the charge of an intent (one per intent)."""
        delay = timedelta(seconds=current_app.config["PAYMENTS_SANDBOX_PAY_DELAY_SECONDS"])
        now = utcnow()
        # Inserted unless the intent has its charge already (then that one): one statement either way
        # for a new intent, which is every call but a retry.
        charge = db.session.scalar(
            upsert_insert(SandboxCharge)
            .values(
                id=new_id(),
                created_at=now,
                intent_id=intent.id,
                provider_ref="sbx_" + new_id().hex,
                amount_fen=intent.amount_fen,
                currency=intent.currency,
                outcome=outcome_for(intent.amount_fen, options.get("sandbox_outcome")),
                state=ChargeStatus.OPEN,
                pay_at=now + delay,
            )
            .on_conflict_do_nothing(index_elements=["intent_id"])
            .returning(SandboxCharge)
        ) or charge_for_intent(intent.id)
        action = {"type": NAME, "outcome": charge.outcome, "pay_at": charge.pay_at.isoformat()}
        return ProviderCharge(provider_ref=charge.provider_ref, client_action=action)

    def query_charge(self, intent: PaymentIntent, now: datetime) -> ChargeState:
        """The charge's state as the sandbox recorded it."""
        charge = charge_for_intent(intent.id)
        if charge is None:
            return ChargeState(ChargeStatus.CLOSED, failure_code="not_found")
        status = ChargeStatus(charge.state)
        return ChargeState(status, failure_code=DECLINE_CODE if status is ChargeStatus.DECLINED else None)

    def close_charge(self, intent: PaymentIntent, now: datetime) -> bool:
        """Close the charge unless the payer already answered."""
        closed = db.session.execute(
            db.update(SandboxCharge)
            .where(SandboxCharge.intent_id == intent.id, SandboxCharge.state == ChargeStatus.OPEN)
            .values(state=ChargeStatus.CLOSED, resolved_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount
        if closed:
            return True
        state = db.session.scalar(db.select(SandboxCharge.state).where(SandboxCharge.intent_id == intent.id))
        return state in (None, ChargeStatus.CLOSED)

    def refund(self, intent: PaymentIntent, refund: PaymentRefund) -> ProviderRefund:
        """Pay back part of a captured charge, never more than was captured."""
        charge = charge_for_intent(intent.id)
        taken = (
            charge is not None
            and db.session.execute(
                db.update(SandboxCharge)
                .where(
                    SandboxCharge.id == charge.id,
                    SandboxCharge.state == ChargeStatus.CAPTURED,
                    SandboxCharge.refunded_fen + refund.amount_fen <= SandboxCharge.amount_fen,
                )
                .values(refunded_fen=SandboxCharge.refunded_fen + refund.amount_fen)
                .execution_options(synchronize_session=False)
            ).rowcount
        )
        if not taken:
            raise ProviderUnavailable(gettext("The payment provider refused the refund."))
        reference = "sbxr_" + new_id().hex
        db.session.add(
            SandboxRefund(
                charge_id=charge.id, refund_id=refund.id, provider_ref=reference, amount_fen=refund.amount_fen
            )
        )
        db.session.flush()
        return ProviderRefund(provider_ref=reference)

    def verify_callback(self, headers: Mapping[str, str], body: bytes, now: datetime) -> CallbackEvent:
        """Check the signature, then the timestamp, then read the body."""
        signature = headers.get(SIGNATURE_HEADER) or ""
        timestamp = headers.get(TIMESTAMP_HEADER) or ""
        event_id = headers.get(EVENT_ID_HEADER) or ""
        if not (signature and timestamp and event_id):
            raise CallbackSignatureInvalid()
        expected = sign(timestamp, event_id, body)
        if not hmac.compare_digest(expected.encode(), signature.encode("utf-8", "replace")):
            raise CallbackSignatureInvalid()
        tolerance = current_app.config["PAYMENTS_CALLBACK_TOLERANCE_SECONDS"]
        if not timestamp.isdigit() or abs(now.timestamp() - int(timestamp)) > tolerance:
            raise CallbackStale()
        if len(event_id) > 100:
            raise CallbackMalformed()
        return _read_event(event_id, body)


register_provider("sandbox", SandboxProvider, sandbox=True)


def _read_event(event_id: str, body: bytes) -> CallbackEvent:
    try:
        payload = json.loads(body)
        event = payload["event"]
        amount_fen = payload["amount_fen"]
        if event not in (SUCCEEDED_EVENT, FAILED_EVENT) or type(amount_fen) is not int:
            raise ValueError("unknown event or amount")
        failure_code = payload.get("failure_code")
        return CallbackEvent(
            event_id=event_id,
            intent_id=uuid.UUID(str(payload["intent_id"])),
            provider_ref=str(payload["provider_ref"])[:64],
            succeeded=event == SUCCEEDED_EVENT,
            amount=Money(amount_fen, str(payload["currency"])[:3]),
            failure_code=str(failure_code)[:40] if failure_code else None,
        )
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise CallbackMalformed() from exc


# --- the sandbox's worker: simulated payers and callback delivery (runs as a job; commits) -------


@dataclass
class SandboxRun:
    """What one run of the sandbox's worker did."""

    captured: int = 0
    declined: int = 0
    delivered: int = 0
    undelivered: int = 0


def run(now: datetime | None = None, limit: int = 100) -> SandboxRun:
    """Let the payers of due charges answer, then deliver due callbacks (commits as it goes)."""
    now = now or utcnow()
    result = SandboxRun()
    result.captured = _resolve_due(now, SUCCEED, ChargeStatus.CAPTURED, notify=True)
    result.captured += _resolve_due(now, TIMEOUT, ChargeStatus.CAPTURED, notify=False)
    result.declined = _resolve_due(now, FAIL, ChargeStatus.DECLINED, notify=True)
    db.session.commit()
    due = db.session.scalars(
        db.select(SandboxCharge.id)
        .where(SandboxCharge.callback_due_at <= now, SandboxCharge.callback_delivered_at.is_(None))
        .order_by(SandboxCharge.callback_due_at)
        .limit(limit)
    ).all()
    db.session.commit()
    for charge_id in due:
        delivered = deliver_callback(charge_id, now)
        if delivered:
            result.delivered += 1
        elif delivered is not None:
            result.undelivered += 1
    return result


def _resolve_due(now: datetime, outcome: str, state: ChargeStatus, *, notify: bool) -> int:
    return db.session.execute(
        db.update(SandboxCharge)
        .where(
            SandboxCharge.state == ChargeStatus.OPEN,
            SandboxCharge.outcome == outcome,
            SandboxCharge.pay_at <= now,
        )
        .values(state=state, resolved_at=now, callback_due_at=now if notify else None)
        .execution_options(synchronize_session=False)
    ).rowcount


def deliver_callback(charge_id: uuid.UUID, now: datetime | None = None) -> bool | None:
    """Send one due callback; True when accepted, False when it will be retried, None if not due."""
    now = now or utcnow()
    claimed = db.session.execute(
        db.update(SandboxCharge)
        .where(
            SandboxCharge.id == charge_id,
            SandboxCharge.callback_due_at <= now,
            SandboxCharge.callback_delivered_at.is_(None),
        )
        .values(callback_due_at=now + CLAIM_LEASE, callback_attempts=SandboxCharge.callback_attempts + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    if not claimed:
        return None
    charge = db.session.get(SandboxCharge, charge_id)
    callback, attempt, intent_id = signed_callback(charge), charge.callback_attempts, charge.intent_id
    db.session.commit()  # hold no lock while the application handles the callback
    status, answer = _post(callback)
    delivered = 200 <= status < 300
    if delivered:
        changes = {"callback_delivered_at": now, "callback_due_at": None, "callback_last_error": None}
    else:
        log.warning("sandbox callback for %s refused: %s %s", intent_id, status, answer)
        retry = RETRY_DELAYS[attempt - 1] if attempt <= len(RETRY_DELAYS) else None
        changes = {
            "callback_due_at": now + timedelta(seconds=retry) if retry is not None else None,
            "callback_last_error": f"{status} {answer}"[:200],
        }
    db.session.execute(
        db.update(SandboxCharge)
        .where(SandboxCharge.id == charge_id)
        .values(**changes)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return delivered


def _post(callback: SignedCallback) -> tuple[int, str]:
    url = current_app.config.get("PAYMENTS_SANDBOX_CALLBACK_URL")
    if url:
        import httpx

        try:
            response = httpx.post(url, content=callback.body, headers=callback.headers, timeout=10)
        except httpx.HTTPError as exc:
            return 0, str(exc)
        return response.status_code, response.text[:150]
    return _post_in_process(callback)


def _post_in_process(callback: SignedCallback) -> tuple[int, str]:
    """POST the callback into this application, as its own request with its own app context."""
    from werkzeug.test import Client

    client = Client(current_app._get_current_object())

    def send() -> tuple[int, str]:
        response = client.post(CALLBACK_PATH, data=callback.body, headers=callback.headers)
        return response.status_code, response.get_data(as_text=True)[:150]

    return contextvars.Context().run(send)
