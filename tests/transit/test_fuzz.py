"""Fuzz every transit and access operation as a resident and as the demo scanners."""

from __future__ import annotations

import os

from app.identity.services import person_by_phone
from tests.test_openapi_fuzz import _bounds, _fuzz, _operations
from tests.transit import helpers

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "6"))
PATHS = ("/api/v1/transit", "/api/v1/access", "/api/v1/staff/access")


def test_gate_operations_keep_their_contract_for_residents_and_scanners(app, client, demo, token_for):
    operations = [op for op in _operations(app) if op.path.startswith(PATHS)]
    assert len(operations) >= 18
    bounds = _bounds(1).__class__(parent=_bounds(1), max_examples=EXAMPLES)
    callers = {
        "the demo resident": {"Authorization": f"Bearer {token_for(person_by_phone('+8613800000001'))}"},
        "the demo metro scanner": helpers.scanner_headers(client, "demo-gate-scanner"),
        "the demo community gate": helpers.scanner_headers(client, "demo-community-gate"),
    }
    failures = [
        failure
        for who, headers in callers.items()
        for op in operations
        if (failure := _fuzz(op, client, who, headers, bounds))
    ]
    assert not failures, "\n\n".join(failures)
