"""One door (一网通办, 千人千面): the service directory and each resident's home."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the home: the directory, the resident's home and their visits."""
    from app.core.api import api
    from app.home import models, routes  # noqa: F401 - tables

    api.register_blueprint(routes.blp, url_prefix="/api/v1")
