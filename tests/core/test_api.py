"""How routes declare and check who may call them, and which bodies they accept."""

from __future__ import annotations

import uuid

import pytest
from flask import g

from app.core.actors import Actor, ActorKind, Role
from app.core.api import ApiBlueprint, accepts, current_actor, require_json_body
from app.core.errors import Forbidden, Unauthenticated, UnsupportedMediaType

probe = ApiBlueprint("probe", __name__)


@probe.auth(roles=(Role.SUPERVISOR, Role.DISPATCHER), scopes=("complaints:read",))
def supervise():
    """Look at every open work order."""
    return current_actor()


@probe.auth(kinds=(ActorKind.CLIENT,), scopes=("bills:write",))
def post_bill():
    """Post a bill for a resident."""
    return "posted"


def person(*roles: str, scopes=("complaints:read",)) -> Actor:
    return Actor(
        kind=ActorKind.PERSON, person_id=uuid.uuid4(), roles=frozenset(roles), scopes=frozenset(scopes)
    )


def _call(app, view, actor):
    with app.test_request_context():
        g.actor = actor
        return view()


def test_auth_lets_in_a_holder_of_any_listed_role_with_the_scopes(app):
    supervisor = person(Role.SUPERVISOR)
    assert _call(app, supervise, supervisor) is supervisor
    assert _call(app, supervise, person(Role.DISPATCHER)).roles == {Role.DISPATCHER}


@pytest.mark.parametrize(
    ("actor", "error"),
    [
        (None, Unauthenticated),
        (person(), Forbidden),  # a resident
        (person(Role.HOTLINE_AGENT), Forbidden),  # the wrong role
        (person(Role.SUPERVISOR, scopes=()), Forbidden),  # the token lacks the scope
    ],
)
def test_auth_refuses(app, actor, error):
    with pytest.raises(error):
        _call(app, supervise, actor)


def test_auth_restricts_kinds_of_account(app):
    biller = Actor(kind=ActorKind.CLIENT, client_id="water", scopes=frozenset({"bills:write"}))
    assert _call(app, post_bill, biller) == "posted"
    with pytest.raises(Forbidden):
        _call(app, post_bill, person(scopes=("bills:write",)))
    with pytest.raises(Forbidden):
        _call(app, post_bill, Actor(kind=ActorKind.CLIENT, client_id="water"))


def test_auth_is_documented_on_the_operation():
    doc = supervise._apidoc["manual_doc"]
    assert doc["security"] == [{"bearerAuth": ["complaints:read"]}]
    assert doc["x-required-roles"] == ["supervisor", "dispatcher"]
    assert doc["description"].startswith("Look at every open work order.")
    assert "roles: supervisor | dispatcher" in doc["description"]


def _body_check(app, content_type):
    with app.test_request_context("/api/v1/me", method="PATCH", data=b"x=1", content_type=content_type):
        return require_json_body()


@pytest.mark.parametrize("content_type", ["application/json", "application/merge-patch+json"])
def test_json_bodies_pass(app, content_type):
    assert _body_check(app, content_type) is None


def test_other_bodies_are_415_unless_the_route_accepts_them(app):
    with pytest.raises(UnsupportedMediaType):
        _body_check(app, "text/plain")


def test_a_route_may_accept_uploads(app, monkeypatch):
    @accepts("multipart/form-data")
    def upload():
        return "ok"

    monkeypatch.setitem(app.view_functions, "identity.update_me", upload)
    assert _body_check(app, "multipart/form-data") is None
    with pytest.raises(UnsupportedMediaType):
        _body_check(app, "application/json")


def test_unknown_paths_and_methods_keep_their_404_and_405(client):
    missing = client.post("/api/v1/nowhere", data="x", content_type="text/plain")
    assert missing.status_code == 404
    wrong_method = client.post("/api/v1/city/districts", data="x", content_type="text/plain")
    assert wrong_method.status_code == 405
    assert client.patch("/api/v1/me", data="x", content_type="text/plain").status_code == 415
