"""The home scenario of ``bench/run.py``: a resident with a card from every domain, and an elder.

:func:`home_script` runs ``python -m bench.home`` in the app's environment, which gives a bench
resident (idempotently) an overdue and a due bill, a reply to rate and a report past its deadline,
a month without an employer contribution, unread messages and an invitation to accept, and a
mandate from an elder who has an overdue bill too; it prints a token. The script then reads
``/api/v1/me/home`` with that token: every card of every installed domain, and the elder's section.
Compare with ``me`` in the same run (``bench/run.py me home``).
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESIDENT_PHONE = "+8613800000101"
ELDER_PHONE = "+8613800000102"
NEIGHBOUR_PHONE = "+8613800000103"
NATIONAL_ID = "520102198802141232"
HANDLER_PHONE = "+8613800000004"  # the demo city-management handler
BUREAU, BUREAU_SECRET = "demo-social-security", "demo-social-security-secret"

HOME_SCRIPT = """
function request()
  local headers = {}
  headers["Authorization"] = "Bearer %(token)s"
  return wrk.format("GET", nil, headers, nil)
end
"""


def home_script(env: dict, settings) -> str:
    """Give the bench resident every card, then return the wrk script reading their home."""
    done = subprocess.run(  # noqa: S603 - this module, run in the app's environment
        [sys.executable, "-m", "bench.home"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError("preparing the home failed:\n" + "\n".join(done.stderr.splitlines()[-12:]))
    seeded = json.loads(done.stdout.strip().splitlines()[-1])
    print(f"  home: {', '.join(seeded['kinds'])}; the elder's: {', '.join(seeded['elder'])}", flush=True)
    return HOME_SCRIPT % {"token": seeded["token"]}


def seed() -> dict:
    """In the app: the bench resident's cards from every domain; their token and the cards' kinds."""
    from app import create_app
    from app.core import clock
    from app.core.models import utcnow
    from app.extensions import db
    from app.home import services as home
    from app.identity import services as identity
    from app.identity import tokens

    app = create_app()
    with app.app_context():
        if identity.person_by_phone(RESIDENT_PHONE) is None:  # invited before signing up: to accept
            neighbour, _ = identity.get_or_create_person(NEIGHBOUR_PHONE, "压测邻居")
            expires = utcnow() + timedelta(days=300)
            identity.grant_mandate(
                _actor(neighbour), grantee_phone=RESIDENT_PHONE, scopes=["bills"], expires_at=expires
            )
        resident, _ = identity.get_or_create_person(RESIDENT_PHONE, "压测居民")
        elder, _ = identity.get_or_create_person(ELDER_PHONE, "压测老人")
        if identity.active_mandate(resident.id, elder.id) is None:
            identity.grant_mandate(
                _actor(elder),
                grantee_phone=RESIDENT_PHONE,
                scopes=["bills", "complaints", "social_security"],
                expires_at=utcnow() + timedelta(days=300),
            )
        if not identity.is_real_name_verified(resident.id):
            identity.verify_real_name(_actor(resident), "压测居民", NATIONAL_ID)
        _bills(resident, elder)
        db.session.commit()
        token = _token(tokens, resident)
        if "complaints_overdue" not in {card.kind for card in home.cards_of(resident.id)}:
            _complaints(
                app,
                clock,
                lambda: _token(tokens, resident),
                _token(tokens, identity.person_by_phone(HANDLER_PHONE)),
            )
        _social_security(app, clock)
        db.session.rollback()
        kinds = [card.kind for card in home.cards_of(resident.id)]
        elder_kinds = [card.kind for card in home.cards_of(elder.id)]
        db.session.rollback()
    return {"token": token, "cards": len(kinds), "kinds": kinds, "elder": elder_kinds}


def _actor(person):
    from app.core.actors import Actor, ActorKind

    return Actor(kind=ActorKind.PERSON, person_id=person.id)


def _token(tokens, person) -> str:
    from app.extensions import db

    token = tokens.issue_access_token(person, client_id="bench", scopes=["openid", "profile"])
    db.session.commit()
    return token


def _bills(resident, elder) -> None:
    """An overdue and a due bill of the resident's, an overdue one of the elder's (the demo water company)."""
    from app.bills import services as bills
    from app.core.actors import Actor, ActorKind
    from app.core.money import Money

    water = bills.biller_by_code("gy-water")
    as_biller = Actor(kind=ActorKind.CLIENT, client_id=water.client_id, scopes=frozenset({bills.WRITE_SCOPE}))
    today = bills.business_date()
    for person, account_number, fen, due_in in (
        (resident, "5201009902", 9_620, -3),
        (resident, "5201009904", 12_840, 3),
        (elder, "5201009906", 5_500, -1),
    ):
        actor = _actor(person)
        if not any(a.account_number == account_number for a in bills.list_accounts(actor)):
            bills.bind_account(actor, water.id, {"account_number": account_number}, person.display_name)
        item = {
            "index": 0,
            "bill_no": f"HOME-{account_number}",
            "account_number": account_number,
            "period": "2026-10",
            "amount": Money(fen),
            "due_date": today + timedelta(days=due_in),
            "line_items": [],
        }
        bills.push_bills(as_biller, [item])


def _complaints(app, clock, resident_token, handler_token: str) -> None:
    """Two reports over HTTP a month ago: one still open (past its deadline), one answered now."""
    from app.core.models import utcnow

    client = app.test_client()
    handler = {"Authorization": f"Bearer {handler_token}"}
    report = {
        "category": "0202",
        "address": "南明区花果园街道",
        "location": {"lat": 26.5561, "lng": 106.6906},
    }
    with clock.frozen(utcnow() - timedelta(days=30)):
        mine = {"Authorization": f"Bearer {resident_token()}"}  # a token of that day
        for description in ("花果园小区门口路灯坏了，晚上一片漆黑", "小区东门的井盖松动了，踩上去会翻"):
            created = client.post(
                "/api/v1/complaints", json={**report, "description": description}, headers=mine
            )
            _expect(created, 201)
    answered = created.get_json()["id"]
    path = f"/api/v1/staff/complaints/{answered}"
    version = _expect(client.get(path, headers=handler), 200)["version"]
    version = _expect(client.post(f"{path}/accept", json={"version": version}, headers=handler), 200)[
        "version"
    ]
    _expect(
        client.post(f"{path}/resolve", json={"version": version, "reply": "已修复"}, headers=handler), 200
    )


def _social_security(app, clock) -> None:
    """The bureau sends the resident's pension for three months ago, and nothing since."""
    import base64

    from app.social_security import services as social_security

    client = app.test_client()
    basic = base64.b64encode(f"{BUREAU}:{BUREAU_SECRET}".encode()).decode()
    granted = client.post(
        "/oauth/token", data={"grant_type": "client_credentials"}, headers={"Authorization": f"Basic {basic}"}
    )
    bureau = {"Authorization": f"Bearer {_expect(granted, 200)['access_token']}"}
    due = social_security.month_due()
    index = due.year * 12 + due.month - 2
    record = {
        "record_id": f"HOME-{NATIONAL_ID}-{index}", "kind": "contribution", "national_id": NATIONAL_ID,
        "name": "压测居民", "scheme": "pension", "period": f"{index // 12:04d}-{index % 12 + 1:02d}",
        "base_fen": 800_000, "employer_fen": 128_000, "personal_fen": 64_000,
        "employer_code": "91520100MA6DKQ1A5C", "employer_name": "贵阳云岭科技有限公司",
        "as_of": (clock.utcnow() - timedelta(days=1)).isoformat(),
    }  # fmt: skip
    pushed = client.post(
        "/api/v1/social-security/institution/records", json={"records": [record]}, headers=bureau
    )
    _expect(pushed, 200)


def _expect(response, status: int) -> dict:
    if response.status_code != status:
        raise RuntimeError(
            f"{response.request.path}: {response.status_code} {response.get_data(as_text=True)[:500]}"
        )
    return response.get_json()


if __name__ == "__main__":
    print(json.dumps(seed()))
