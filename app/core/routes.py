"""Health, readiness, the problem-type catalogue and the offline API docs assets."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, current_app, send_from_directory
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import text

from app.core import errors
from app.core.api import ApiBlueprint
from app.core.errors import ServiceUnavailable
from app.core.schemas import HealthSchema, ProblemTypeSchema
from app.extensions import db, get_redis

blp = ApiBlueprint("health", __name__, description="Liveness, readiness and problem types")
DEPENDENCY_NAMES = {"database": _l("database"), "redis": _l("Redis")}
web = Blueprint("web", __name__)


@blp.route("/healthz")
@blp.response(200, HealthSchema)
def healthz():
    """The process is alive."""
    return {"status": "ok", "checks": {}}


@blp.route("/readyz")
@blp.response(200, HealthSchema)
def readyz():
    """The database and, where configured, Redis are reachable, and the node is not draining (503 otherwise).

    A load balancer sends new requests only to nodes that answer 200 here. Creating the file named
    by ``DRAIN_FILE`` takes the node out before it is stopped (a rolling deploy); it keeps serving
    what still reaches it, and ``/healthz`` stays 200.
    """
    drain = current_app.config.get("DRAIN_FILE")
    if drain and Path(drain).exists():
        raise ServiceUnavailable(gettext("Not ready: this node is draining."), checks={"drain": "draining"})
    checks = {"database": _check_database()}
    if get_redis() is not None:
        checks["redis"] = _check_redis()
    failing = sorted(name for name, state in checks.items() if state != "ok")
    if failing:
        raise ServiceUnavailable(
            gettext(
                "Not ready: %(names)s unreachable.",
                names=", ".join(str(DEPENDENCY_NAMES[name]) for name in failing),
            ),
            checks=checks,
        )
    return {"status": "ok", "checks": checks}


def _check_database() -> str:
    try:
        db.session.execute(text("SELECT 1"))
        return "ok"
    except Exception:  # noqa: BLE001 - any failure means not ready
        db.session.rollback()
        return "unreachable"


def _check_redis() -> str:
    try:
        get_redis().ping()
        return "ok"
    except Exception:  # noqa: BLE001 - any failure means not ready
        return "unreachable"


@blp.route("/problems")
@blp.response(200, ProblemTypeSchema(many=True))
def problem_types():
    """Every problem type this API returns, with its status and localized title."""
    return [
        {"type": "/problems/" + cls.code, "code": cls.code, "status": cls.status, "title": str(cls.title)}
        for cls in errors.problem_types()
    ]


@web.route("/docs/static/<path:filename>")
def swagger_assets(filename: str):
    """Swagger UI assets served locally, so /docs works with no internet."""
    import swagger_ui_bundle

    return send_from_directory(swagger_ui_bundle.swagger_ui_path, filename, max_age=86400)
