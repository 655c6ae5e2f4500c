"""The API describes itself: a valid OpenAPI 3 document and a browsable page that works offline."""

from __future__ import annotations

import re
import uuid

import pytest
from openapi_spec_validator import validate

METHODS = ("get", "post", "put", "patch", "delete")
PROBLEM = "application/problem+json"
# Paths whose errors follow another standard's format, which their clients parse.
OWN_ERROR_FORMAT = {"/open311/": "Open311 GeoReport v2 clients expect GeoReport errors"}


@pytest.fixture
def spec(client):
    response = client.get("/openapi.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    return response.get_json()


def _operations(spec):
    for path, item in spec["paths"].items():
        for method in METHODS:
            if method in item:
                yield path, method, item[method]


def _resolve(spec, node: dict) -> dict:
    while "$ref" in node:
        *_, section, name = node["$ref"].split("/")
        node = spec["components"][section][name]
    return node


def test_the_document_is_valid_openapi_3(spec):
    assert spec["openapi"].startswith("3.")
    validate(spec)
    assert spec["info"]["title"] and spec["info"]["version"] == "v1"


def test_every_operation_says_what_it_does(spec):
    undescribed = [
        f"{method.upper()} {path}"
        for path, method, operation in _operations(spec)
        if not (operation.get("summary") or "").strip()
    ]
    assert not undescribed, f"operations without a summary (a docstring on the view): {undescribed}"


def test_every_operation_documents_its_errors_as_problem_documents(spec):
    for path, method, operation in _operations(spec):
        if path.startswith(tuple(OWN_ERROR_FORMAT)):
            continue
        errors = {code: r for code, r in operation["responses"].items() if code == "default" or code >= "400"}
        assert errors, f"{method.upper()} {path} documents no error response"
        for code, response in errors.items():
            content = _resolve(spec, response).get("content", {})
            assert PROBLEM in content, f"{method.upper()} {path} {code} is not documented as {PROBLEM}"


def _fill(path: str, operation: dict) -> str:
    """The path with each parameter replaced by a well-formed value of its documented type."""
    values = {}
    for parameter in operation.get("parameters", []):
        if parameter.get("in") == "path":
            schema = parameter.get("schema", {})
            values[parameter["name"]] = "1" if schema.get("type") == "integer" else str(uuid.uuid4())
    return re.sub(r"\{(\w+)\}", lambda m: values.get(m.group(1), str(uuid.uuid4())), path)


def test_operations_that_need_a_bearer_token_declare_it(client, spec):
    undeclared, anonymous_401 = [], 0
    for path, method, operation in _operations(spec):
        body = {} if method in ("post", "put", "patch") else None
        response = client.open(_fill(path, operation), method=method.upper(), json=body)
        if response.status_code != 401:
            continue
        if not response.headers.get("WWW-Authenticate", "").lower().startswith("bearer"):
            continue
        anonymous_401 += 1
        declared = [name for requirement in operation.get("security", []) for name in requirement]
        if "bearerAuth" not in declared:
            undeclared.append(f"{method.upper()} {path}")
    assert anonymous_401 >= 2, "expected at least /api/v1/me to refuse anonymous callers"
    assert not undeclared, f"refuse anonymous callers but declare no bearerAuth security: {undeclared}"


def test_bearer_scheme_is_described(spec):
    assert spec["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
    }


def test_docs_page_loads_every_asset_from_this_server(client):
    page = client.get("/docs")
    assert page.status_code == 200
    assert page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert {"/docs/static/swagger-ui-bundle.js", "/docs/static/swagger-ui.css"} <= set(assets)
    assert all(asset.startswith("/docs/static/") for asset in assets), assets
    assert not re.search(r"(https?:)?//[a-z0-9.-]+\.[a-z]{2,}/", html), "the page must not load from a CDN"
    assert '"/openapi.json"' in html
    types = {}
    for asset in assets:
        with client.get(asset) as response:
            assert response.status_code == 200, asset
            assert len(response.get_data()) > 1000, asset
            types[asset.rsplit(".", 1)[-1]] = response.mimetype
    assert types == {"css": "text/css", "js": "text/javascript"}


def test_docs_assets_cannot_escape_their_folder(client):
    assert client.get("/docs/static/../../../../etc/passwd").status_code == 404
    assert client.get("/docs/static/%2e%2e/%2e%2e/config.py").status_code == 404
