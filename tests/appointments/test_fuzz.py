"""Fuzz every appointments operation also as a hospital's client (the standing suite: resident, staff)."""

from __future__ import annotations

import os

from app.identity.services import person_by_phone
from tests.appointments import helpers
from tests.test_openapi_fuzz import _bounds, _fuzz, _operations

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "6"))


def test_appointments_keep_their_contract_for_residents_and_hospitals(app, client, demo, token_for):
    operations = [op for op in _operations(app) if op.path.startswith("/api/v1/appointments")]
    assert len(operations) >= 20
    bounds = _bounds(1).__class__(parent=_bounds(1), max_examples=EXAMPLES)
    callers = {
        "the demo resident": {"Authorization": f"Bearer {token_for(person_by_phone('+8613800000001'))}"},
        "a hospital": helpers.hospital_headers(client),
    }
    failures = [
        failure
        for who, headers in callers.items()
        for op in operations
        if (failure := _fuzz(op, client, who, headers, bounds))
    ]
    assert not failures, "\n\n".join(failures)
