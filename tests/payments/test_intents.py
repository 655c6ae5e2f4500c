"""Opening, reading, listing and cancelling payment intents."""

from __future__ import annotations

import uuid

import pytest

from app.core.actors import Actor, ActorKind
from app.core.errors import Forbidden, IdempotencyKeyInvalid, NotFound, ValidationFailed
from app.core.models import AuditEntry
from app.core.money import Money
from app.payments import sandbox, services
from app.payments.errors import AlreadyPaid, PaymentInProgress
from app.payments.models import PaymentIntent, SandboxCharge
from tests.payments.helpers import MERCHANT, TEST_DOMAIN, TEST_SCOPE, pay, person_actor, run_sandbox


def _create(person, fen=1000, refs=("order-1",), key="key-1", actor=None, payee=MERCHANT):
    return services.create_intent(
        actor or person_actor(person),
        person.id,
        payee,
        Money(fen),
        services.Purpose(TEST_DOMAIN, tuple(refs)),
        key,
    )


def test_one_charge_per_purpose_whatever_the_key(db, resident, heard):
    first = _create(resident)
    with pytest.raises(PaymentInProgress):
        _create(resident, key="another-key")
    charges = db.session.scalars(db.select(SandboxCharge).where(SandboxCharge.intent_id == first.id)).all()
    assert len(charges) == 1


def test_a_purpose_being_paid_or_paid_cannot_be_paid_again(db, resident, other_resident, heard):
    intent = _create(resident, refs=("order-1", "order-2"))
    with pytest.raises(PaymentInProgress):
        _create(resident, refs=("order-2", "order-3"), key="key-2")
    with pytest.raises(PaymentInProgress):
        _create(other_resident, refs=("order-1",), key="key-3")

    run_sandbox()
    assert db.session.get(PaymentIntent, intent.id).status == "succeeded"
    with pytest.raises(AlreadyPaid) as refused:
        _create(resident, refs=("order-2",), key="key-4")
    assert refused.value.status == 409
    assert _create(resident, refs=("order-3",), key="key-5").status == "pending"


@pytest.mark.parametrize(
    ("fen", "payee", "refs", "field"),
    [
        (0, MERCHANT, ("a",), "amount"),
        (-100, MERCHANT, ("a",), "amount"),
        (100, services.Payee("bank", "x"), ("a",), "payee"),
        (100, MERCHANT, (), "purpose"),
        (100, MERCHANT, tuple(f"r{i}" for i in range(51)), "purpose"),
    ],
)
def test_an_invalid_intent_is_refused(db, resident, heard, fen, payee, refs, field):
    with pytest.raises(ValidationFailed) as refused:
        _create(resident, fen=fen, payee=payee, refs=refs)
    assert field in refused.value.extra["errors"]


def test_amounts_are_whole_fen_never_floats(resident):
    with pytest.raises(TypeError):
        Money(10.5)
    with pytest.raises(TypeError):
        Money(True)


def test_a_key_must_be_printable_and_short(db, resident, heard):
    for key in ("", "含中文", "x" * 256, "with space"):
        with pytest.raises(IdempotencyKeyInvalid):
            _create(resident, key=key)


def test_a_domain_that_never_registered_cannot_charge(db, resident):
    with pytest.raises(RuntimeError):
        services.create_intent(
            person_actor(resident),
            resident.id,
            MERCHANT,
            Money(100),
            services.Purpose("unknown", ("x",)),
            "k",
        )


def test_residents_pay_only_from_their_own_account(db, resident, other_resident, heard):
    with pytest.raises(Forbidden):
        _create(other_resident, actor=person_actor(resident))
    machine = Actor(kind=ActorKind.CLIENT, client_id=MERCHANT.id, scopes=frozenset({"payments:read"}))
    with pytest.raises(Forbidden):
        _create(resident, actor=machine)


def test_a_proxy_pays_for_the_principal_only_within_the_mandate(db, resident, other_resident, heard):
    def proxy(scopes):
        return Actor(
            kind=ActorKind.PROXY,
            person_id=other_resident.id,
            principal_id=resident.id,
            mandate_id=uuid.uuid4(),
            proxy_scopes=frozenset(scopes),
        )

    with pytest.raises(Forbidden):
        _create(resident, actor=proxy({"appointments"}))
    intent = _create(resident, actor=proxy({TEST_SCOPE}))
    assert intent.payer_id == resident.id and intent.initiated_by_id == other_resident.id
    entry = db.session.scalar(db.select(AuditEntry).where(AuditEntry.subject_person_id == resident.id))
    assert (entry.action, entry.actor_kind, entry.actor_person_id) == ("pay", "proxy", other_resident.id)


def test_my_payments_are_listed_newest_first_and_filtered(client, resident, other_resident, auth, heard):
    older = pay(resident, 100)
    newer = pay(resident, 200)
    pay(other_resident, 300)
    run_sandbox()
    pending = pay(resident, 400)

    page = client.get("/api/v1/payments?limit=2", headers=auth(resident)).get_json()
    assert [item["id"] for item in page["items"]] == [str(pending.id), str(newer.id)]
    rest = client.get(f"/api/v1/payments?cursor={page['next_cursor']}", headers=auth(resident)).get_json()
    assert [item["id"] for item in rest["items"]] == [str(older.id)] and rest["next_cursor"] is None

    only_pending = client.get("/api/v1/payments?status=pending", headers=auth(resident)).get_json()
    assert [item["id"] for item in only_pending["items"]] == [str(pending.id)]
    bad = client.get("/api/v1/payments?status=paid", headers=auth(resident))
    assert bad.status_code == 422


def test_another_residents_payment_does_not_exist_for_me(client, resident, other_resident, auth, heard):
    intent = pay(resident, 100)
    for method, path in (
        ("GET", f"/api/v1/payments/{intent.id}"),
        ("POST", f"/api/v1/payments/{intent.id}/cancel"),
    ):
        response = client.open(path, method=method, headers=auth(other_resident))
        assert response.status_code == 404
    assert client.get("/api/v1/payments", headers=auth(other_resident)).get_json()["items"] == []
    assert client.get(f"/api/v1/payments/{intent.id}").status_code == 401


def test_the_payee_client_reads_its_payment_and_the_read_is_audited(db, resident, heard):
    intent = pay(resident, 100)
    payee = Actor(kind=ActorKind.CLIENT, client_id=MERCHANT.id, scopes=frozenset({"payments:read"}))
    assert services.get_intent(payee, intent.id).id == intent.id
    entry = db.session.scalar(db.select(AuditEntry).where(AuditEntry.subject_person_id == resident.id))
    assert (entry.actor_kind, entry.client_id, entry.action) == ("client", MERCHANT.id, "read")
    stranger = Actor(kind=ActorKind.CLIENT, client_id="merchant-other", scopes=frozenset({"payments:read"}))
    with pytest.raises(NotFound):
        services.get_intent(stranger, intent.id)


def test_a_pending_payment_can_be_cancelled_and_its_purpose_paid_again(client, db, resident, auth, heard):
    intent = pay(resident, 100, refs=["order-9"])

    response = client.post(f"/api/v1/payments/{intent.id}/cancel", headers=auth(resident))

    assert response.status_code == 200
    assert response.get_json()["status"] == "cancelled" and response.get_json()["cancelled_at"]
    assert [o.status for o in heard.outcomes_for(intent.id)] == ["cancelled"]
    assert run_sandbox().captured == 0  # the provider closed the charge: the payer can no longer pay it
    assert sandbox.charge_for_intent(intent.id).state == "closed"
    assert pay(resident, 100, refs=["order-9"]).status == "pending"

    again = client.post(f"/api/v1/payments/{intent.id}/cancel", headers=auth(resident))
    assert again.status_code == 409 and again.get_json()["code"] == "payment-not-pending"


def test_a_payment_the_payer_already_paid_cannot_be_cancelled(client, db, resident, auth, heard):
    intent = pay(resident, 100)
    charge = sandbox.charge_for_intent(intent.id)
    charge.state = "captured"  # the payer paid; the provider's callback is still on its way
    db.session.commit()

    response = client.post(f"/api/v1/payments/{intent.id}/cancel", headers=auth(resident))

    assert response.status_code == 409 and response.get_json()["code"] == "payment-completing"
    assert db.session.get(PaymentIntent, intent.id).status == "pending"
    assert heard.outcomes_for(intent.id) == []


def test_active_intent_for_tells_a_domain_who_holds_a_record(db, resident, heard):
    intent = pay(resident, 100, refs=["order-77"])
    assert services.active_intent_for(TEST_DOMAIN, "order-77").id == intent.id
    assert services.active_intent_for(TEST_DOMAIN, "order-78") is None


def test_a_proxy_sees_only_the_payments_its_mandate_covers(db, resident, other_resident, heard):
    intent = pay(resident, 100)

    def proxy(scopes):
        return Actor(
            kind=ActorKind.PROXY,
            person_id=other_resident.id,
            principal_id=resident.id,
            mandate_id=uuid.uuid4(),
            proxy_scopes=frozenset(scopes),
        )

    covered = services.list_intents(proxy({TEST_SCOPE}), cursor=None, limit=10)
    assert [item.id for item in covered.items] == [intent.id]
    assert services.list_intents(proxy({"appointments"}), cursor=None, limit=10).items == []
    assert services.get_intent(proxy({TEST_SCOPE}), intent.id).id == intent.id
    with pytest.raises(NotFound):
        services.get_intent(proxy({"appointments"}), intent.id)
    about_resident = db.select(AuditEntry.action).where(AuditEntry.subject_person_id == resident.id)
    assert set(db.session.scalars(about_resident)) == {"list", "read"}
