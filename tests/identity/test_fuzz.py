"""The identity API fuzzed from its OpenAPI document: whatever comes in, no server error goes out."""

from __future__ import annotations

import contextvars

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from app import create_app
from app.extensions import db as _db
from config import TestConfig

IDENTITY_PATHS = r"^/api/v1/(me|auth|citycode|staff/(mandates|role-grants))"


def _isolated(app):
    def wsgi(environ, start_response):
        body = contextvars.Context().run(app, environ, start_response)
        _db.session.expire_all()
        return body

    return wsgi


# The document comes from an app built here (no database is touched to serve it); the calls go to
# the test's app, inside the test's transaction.
schema = schemathesis.openapi.from_wsgi("/openapi.json", create_app(TestConfig)).include(
    path_regex=IDENTITY_PATHS
)


@schema.parametrize()
@settings(
    max_examples=8,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_identity_operations_never_fail_on_the_server(case, app, db, staff_headers):
    case.call_and_validate(app=_isolated(app), headers=staff_headers, checks=[not_a_server_error])


@pytest.fixture
def staff_headers(make_person, auth):
    """A caller who may use every identity operation: a resident who is also admin and community worker."""
    return auth(make_person("admin", "community_worker"))
