"""The authorization server, built once per app with its grants and endpoints."""

from __future__ import annotations

from authlib.integrations.flask_oauth2 import AuthorizationServer
from flask import Flask, current_app

from app.identity import clients
from app.identity.oauth._shared import EXTENSION_KEY
from app.identity.oauth.grants import (
    ClientCredentials,
    CodeGrant,
    OpenIDCodeFlow,
    RefreshGrant,
    Revocation,
    S256Only,
)


def init_app(app: Flask) -> None:
    """Build this app's authorization server with our grants and endpoints."""
    server = AuthorizationServer()
    server.init_app(app, query_client=clients.client_by_id, save_token=lambda token, request: None)
    server.register_grant(CodeGrant, [S256Only(required=True), OpenIDCodeFlow(require_nonce=False)])
    server.register_grant(RefreshGrant)
    server.register_grant(ClientCredentials)
    server.register_endpoint(Revocation)
    app.extensions[EXTENSION_KEY] = server


def server() -> AuthorizationServer:
    """The authorization server of the current app."""
    return current_app.extensions[EXTENSION_KEY]
