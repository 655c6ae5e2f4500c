"""Check a real response against what /openapi.json documents for its operation."""

from __future__ import annotations

import schemathesis


def assert_documented(app, method: str, path: str, response) -> None:
    """Fail unless ``response`` matches the documented status, content type and body of the operation."""
    operation = schemathesis.openapi.from_wsgi("/openapi.json", app)[path][method.upper()]
    operation.validate_response(response)
