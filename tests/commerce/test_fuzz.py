"""Fuzz every commerce operation also as the demo merchant owner (the standing suite: resident and staff)."""

from __future__ import annotations

import os

from app.commerce.demo import DEMO_OWNER_PHONE
from app.identity.services import person_by_phone
from tests.test_openapi_fuzz import _bounds, _fuzz, _operations

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "6"))


def test_commerce_operations_keep_their_contract_for_residents_and_merchants(app, client, demo, token_for):
    prefixes = ("/api/v1/commerce", "/api/v1/merchant/", "/api/v1/staff/commerce")
    operations = [op for op in _operations(app) if op.path.startswith(prefixes)]
    assert len(operations) >= 20
    bounds = _bounds(1).__class__(parent=_bounds(1), max_examples=EXAMPLES)
    bearer = {
        phone: f"Bearer {token_for(person_by_phone(phone))}" for phone in ("+8613800000001", DEMO_OWNER_PHONE)
    }
    callers = {
        "the demo resident": {"Authorization": bearer["+8613800000001"]},
        "the demo merchant owner": {"Authorization": bearer[DEMO_OWNER_PHONE]},
    }
    failures = [
        failure
        for who, headers in callers.items()
        for op in operations
        if (failure := _fuzz(op, client, who, headers, bounds))
    ]
    assert not failures, "\n\n".join(failures)
