"""Utility accounts (户号): binding, confirmation by the biller, unbinding."""

from __future__ import annotations

import re
import uuid

from flask_babel import gettext
from sqlalchemy.exc import IntegrityError

from app.bills import notices
from app.bills.errors import (
    AccountAlreadyBound,
    AccountDecided,
    AccountNotConfirmed,
)
from app.bills.models import (
    MAX_ACCOUNTS,
    AccountStatus,
    Biller,
    UtilityAccount,
)
from app.bills.providers import adapter_for
from app.bills.services._shared import MANDATE_SCOPE
from app.bills.services.registry import _active_biller, biller_for_client
from app.core import access, audit
from app.core.actors import Actor
from app.core.audit import AuditAction
from app.core.errors import NotFound, ValidationFailed
from app.core.models import utcnow
from app.core.pagination import Page, paginate
from app.core.policy import acting_for
from app.extensions import db


def list_accounts(actor: Actor) -> list[UtilityAccount]:
    """The accounts the resident (or the proxy's principal) has bound, oldest first."""
    resident = access.list_owner(actor, MANDATE_SCOPE, "utility_account")
    stmt = db.select(UtilityAccount).where(UtilityAccount.person_id == resident).order_by(UtilityAccount.id)
    return list(db.session.scalars(stmt))


def get_account(actor: Actor, account_id: uuid.UUID) -> UtilityAccount:
    """One of the resident's accounts (404 for anyone else's)."""
    account = _own_account(actor, account_id)
    return account


def _own_account(
    actor: Actor, account_id: uuid.UUID, *, lock: bool = False, action: AuditAction = AuditAction.READ
) -> UtilityAccount:
    return access.load_private(
        actor, UtilityAccount, account_id, scope=MANDATE_SCOPE, lock=lock, action=action
    )


def bind_account(
    actor: Actor, biller_id: uuid.UUID, fields: dict[str, str], holder_name: str, alias: str = ""
) -> UtilityAccount:
    """Bind an account after checking it against the biller's declared fields; the biller confirms it."""
    resident = acting_for(actor, MANDATE_SCOPE)
    biller = _active_biller(biller_id)
    fields = _checked_fields(biller, fields)
    number = fields.pop("account_number")
    holder_name = holder_name.strip()
    if not holder_name:
        raise ValidationFailed({"holder_name": [gettext("Give the account holder's name.")]})
    account = db.session.scalar(
        db.select(UtilityAccount).where(
            UtilityAccount.person_id == resident,
            UtilityAccount.biller_id == biller.id,
            UtilityAccount.account_number == number,
        )
    )
    if account is not None and account.status != AccountStatus.REFUSED:
        raise AccountAlreadyBound()
    if account is None and _bound_count(resident) >= MAX_ACCOUNTS:
        message = gettext("You can bind at most %(max)s accounts.", max=MAX_ACCOUNTS)
        raise ValidationFailed({"account_number": [message]})
    answer = adapter_for(biller).check_holder(
        biller, number, holder_name, _holders_on_file(biller, number, resident)
    )
    if answer is not None and not answer.confirmed:
        raise AccountNotConfirmed(answer.reason, reason_code=answer.reason_code)
    if account is None:
        account = UtilityAccount(person_id=resident, biller_id=biller.id, account_number=number)
        db.session.add(account)
    account.extra_fields, account.holder_name, account.alias = fields, holder_name, alias.strip()
    account.bound_by_id = actor.person_id
    account.refusal_reason = None
    if answer is not None:  # the biller answered at once
        account.status, account.confirmed_at = AccountStatus.CONFIRMED, utcnow()
    else:  # it decides through its API; it hears of the binding by webhook
        account.status, account.confirmed_at = AccountStatus.PENDING, None
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        raise AccountAlreadyBound() from None
    if account.status == AccountStatus.PENDING:
        notices.binding_requested(account, utcnow())
    return account


def _bound_count(resident: uuid.UUID) -> int:
    stmt = db.select(db.func.count()).select_from(UtilityAccount).where(UtilityAccount.person_id == resident)
    return db.session.scalar(stmt)


def _holders_on_file(biller: Biller, number: str, resident: uuid.UUID) -> list[str]:
    """The holder names under which others hold this account confirmed (the sandbox biller's file)."""
    stmt = db.select(UtilityAccount.holder_name).where(
        UtilityAccount.biller_id == biller.id,
        UtilityAccount.account_number == number,
        UtilityAccount.status == AccountStatus.CONFIRMED,
        UtilityAccount.person_id != resident,
    )
    return list(db.session.scalars(stmt))


def _checked_fields(biller: Biller, given: dict[str, str]) -> dict[str, str]:
    """The given values of the biller's declared fields, each matching its declared format."""
    declared = {spec["name"]: spec for spec in biller.account_fields}
    errors: dict[str, list[str]] = {}
    for name in given:
        if name not in declared:
            errors[name] = [gettext("This biller does not ask for this field.")]
    values = {}
    for name, spec in declared.items():
        value = str(given.get(name, "")).strip()
        if not value:
            if spec.get("required", True) or name == "account_number":
                errors[name] = [gettext("This field is required.")]
            continue
        if len(value) > 64 or not re.fullmatch(spec["pattern"], value):
            errors[name] = [gettext("Does not look like this biller's format, e.g. %(example)s.", **spec)]
            continue
        values[name] = value
    if errors:
        raise ValidationFailed({"fields": errors})
    return values


def unbind_account(actor: Actor, account_id: uuid.UUID) -> None:
    """Remove a binding (and its autopay rule); bills already paid stay in the payment history."""
    account = _own_account(actor, account_id, lock=True)
    db.session.delete(account)
    db.session.flush()


def decide_binding(actor: Actor, account_id: uuid.UUID, confirmed: bool, reason: str = "") -> UtilityAccount:
    """The biller confirms or refuses that the resident holds the account (billers that confirm by API)."""
    biller = biller_for_client(actor)
    account = db.session.scalar(
        db.select(UtilityAccount).where(UtilityAccount.id == account_id).with_for_update(of=UtilityAccount)
    )
    if account is None or account.biller_id != biller.id:
        raise NotFound()
    if account.status != AccountStatus.PENDING:
        raise AccountDecided()
    if confirmed:
        account.status, account.confirmed_at = AccountStatus.CONFIRMED, utcnow()
    else:
        account.status = AccountStatus.REFUSED
        account.refusal_reason = (reason.strip() or gettext("The biller could not confirm this account."))[
            :200
        ]
    audit.record(
        actor, account.person_id, AuditAction.CHANGE, "utility_account", account.id, "binding decision"
    )
    db.session.flush()
    notices.account_decided(account, utcnow())
    return account


def pending_bindings(actor: Actor, *, cursor: str | None, limit: int) -> Page:
    """The bindings waiting for this biller's answer, oldest first."""
    biller = biller_for_client(actor)
    stmt = db.select(UtilityAccount).where(
        UtilityAccount.biller_id == biller.id, UtilityAccount.status == AccountStatus.PENDING
    )
    page = paginate(stmt, UtilityAccount.id, cursor=cursor, limit=limit, newest_first=False)
    for account in page.items:
        audit.record(
            actor, account.person_id, AuditAction.READ, "utility_account", account.id, "binding decision"
        )
    return page
