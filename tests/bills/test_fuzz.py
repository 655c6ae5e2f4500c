"""Fuzz every bills operation also as a biller's client (the standing suite calls as resident and staff)."""

from __future__ import annotations

import os

from app.identity.services import person_by_phone
from tests.bills import helpers
from tests.test_openapi_fuzz import _bounds, _fuzz, _operations

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "6"))


def test_bills_operations_keep_their_contract_for_residents_and_billers(app, client, demo, token_for):
    operations = [op for op in _operations(app) if op.path.startswith(("/api/v1/bills", "/api/v1/biller/"))]
    assert len(operations) >= 20
    bounds = _bounds(1).__class__(parent=_bounds(1), max_examples=EXAMPLES)
    callers = {
        "the demo resident": {"Authorization": f"Bearer {token_for(person_by_phone('+8613800000001'))}"},
        "the demo water biller": helpers.client_token(client, "demo-water-biller"),
    }
    failures = [
        failure
        for who, headers in callers.items()
        for op in operations
        if (failure := _fuzz(op, client, who, headers, bounds))
    ]
    assert not failures, "\n\n".join(failures)
