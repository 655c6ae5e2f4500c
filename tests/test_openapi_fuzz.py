"""The standing fuzz suite: every operation in /openapi.json, valid and invalid input.

It runs twice: as the demo resident, and as a staff member holding every staff role (so staff
routes get past their role checks). Any 5xx, or a response whose status, content type, headers
or body do not match what the document itself says, fails. Routes added later are covered
automatically: the operations are read from the live OpenAPI document. Everything the fuzzer
creates is rolled back with the test.
"""

from __future__ import annotations

import os

import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from app.core.actors import STAFF_ROLES
from app.identity.services import person_by_phone

DEMO_RESIDENT = "+8613800000001"
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
# The whole run shares a budget of examples, so it stays a few seconds as routes are added;
# FUZZ_EXAMPLES=500 runs that many examples per operation for a deeper look.
TOTAL_EXAMPLES = 240
PER_OPERATION = (5, 30)


def _bounds(operation_count: int) -> settings:
    wanted = os.environ.get("FUZZ_EXAMPLES")
    low, high = PER_OPERATION
    examples = int(wanted) if wanted else max(low, min(high, TOTAL_EXAMPLES // max(operation_count, 1)))
    return settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )


def _operations(app):
    schema = schemathesis.openapi.from_wsgi("/openapi.json", app)
    operations = []
    for result in schema.get_all_operations():
        operations.append(result.ok())  # an unreadable operation fails here, naming itself
    return operations


def _fuzz(operation, client, who: str, headers: dict, bounds: settings) -> str | None:
    """Run one operation's bounded examples; the failure text, or None when every check held."""
    strategy = st.one_of(
        operation.as_strategy(GenerationMode.POSITIVE), operation.as_strategy(GenerationMode.NEGATIVE)
    )

    @bounds
    @given(case=strategy)
    def exercise(case):
        # Through the isolated test client: each call gets its own app context, session and
        # locale, as in production, inside the test's transaction.
        case.call_and_validate(session=client, headers=headers, checks=CHECKS)

    try:
        exercise()
    except (AssertionError, BaseExceptionGroup) as failure:
        return f"{operation.label} as {who}: {failure}"
    return None


def test_every_operation_keeps_its_documented_contract(app, client, demo, make_person, token_for):
    staff = make_person(*sorted(STAFF_ROLES), department="city-urban-management", name="全能工作人员")
    callers = {
        "the demo resident": person_by_phone(DEMO_RESIDENT),
        "staff with every role": staff,
    }
    operations = _operations(app)
    assert len(operations) >= 6, "the OpenAPI document lost its operations"
    bounds = _bounds(len(operations) * len(callers))
    failures = []
    for who, person in callers.items():
        headers = {"Authorization": f"Bearer {token_for(person)}"}
        failures += [failure for op in operations if (failure := _fuzz(op, client, who, headers, bounds))]
    assert not failures, "\n\n".join(failures)
