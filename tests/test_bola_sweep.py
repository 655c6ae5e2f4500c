"""Every resident resource route, tried with a second resident's token."""

from __future__ import annotations

import importlib
import json
import re
from pathlib import Path

import pytest

from tests.bola import EXEMPT, REGISTRY, BolaContext

for module in sorted(Path(__file__).parent.glob("*/bola_cases.py")):
    importlib.import_module(f"tests.{module.parent.name}.bola_cases")


def _payload(case) -> dict:
    if case.form is not None:
        return {"data": case.form(), "content_type": "multipart/form-data"}
    return {"json": case.body}


def _rule_of(path: str) -> str:
    return re.sub(r"\{(\w+)\}", r"<\1>", path)


@pytest.mark.parametrize("case", REGISTRY, ids=[case.name for case in REGISTRY])
def test_other_resident_is_refused(case, client, auth, db, make_person):
    owner = make_person(name="资源所有人")
    intruder = make_person(name="他人")
    ctx = BolaContext(owner=owner, client=client, auth=auth, db=db, make_person=make_person)
    params = case.setup(ctx)
    secret = str(params.pop("secret"))
    path = case.path.format(**params)

    as_owner = client.open(path, method=case.method, headers=auth(owner), **_payload(case))
    assert as_owner.status_code in case.owner_status, as_owner.get_data(as_text=True)
    if case.collection:  # the owner sees it: the secret is real
        assert secret in as_owner.get_data(as_text=True)

    as_intruder = client.open(path, method=case.method, headers=auth(intruder), **_payload(case))
    body = as_intruder.get_data(as_text=True)
    if case.collection:
        assert as_intruder.status_code == 200
    else:
        assert as_intruder.status_code in (403, 404), body
        assert as_intruder.mimetype == "application/problem+json"
    assert secret not in body


def test_every_parameterized_resident_route_has_a_case(app):
    covered = {_rule_of(case.path.split("?")[0]) for case in REGISTRY}
    missing = [
        rule.rule
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/v1/")
        and "<" in rule.rule
        and not rule.rule.startswith("/api/v1/staff/")
        and _normalize(rule.rule) not in {_normalize(c) for c in covered}
        and rule.rule not in EXEMPT
    ]
    assert not missing, "routes without a BOLA case or exemption:\n" + json.dumps(missing, indent=1)


def _normalize(rule: str) -> str:
    return re.sub(r"<(?:\w+:)?\w+>", "<>", rule)
