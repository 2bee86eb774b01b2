"""Pages served before the workspace exists: the home page, health checks, error pages."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, abort, current_app, render_template
from werkzeug.exceptions import HTTPException

from .. import db, readiness
from ..base_form import has_nul

bp = Blueprint("main", __name__)


@bp.get("/")
def index() -> str:
    """The landing page."""
    return render_template("index.html")


@bp.get("/healthz")
def healthz() -> tuple[dict[str, str], int]:
    """Liveness: 200 when the process serves and its database answers, 503 otherwise."""
    if readiness.database_check(db.get_session()) != readiness.OK:
        return {"status": "database unavailable"}, 503
    return {"status": "ok"}, 200


@bp.get("/readyz")
def readyz() -> tuple[dict[str, Any], int]:
    """Readiness for a load balancer: the database, Redis and the worker's queue, each reported.

    503 when the database or a configured Redis does not answer; a queue without a
    worker is reported but does not take the server out of rotation (pages still work,
    large reports wait).
    """
    config = current_app.config
    report = readiness.check(
        database=readiness.database_check(db.get_session()),
        redis_url=config["REDIS_URL"],
        queue=config["WORKER_QUEUE"],
    )
    return report.as_json(), 200 if report.is_ready else 503


def _refuse_nul_in_urls(endpoint: str | None, values: dict[str, Any] | None) -> None:
    """A slug or token holding a NUL character names nothing: 404 before any query is made."""
    if values and any(has_nul(value) for value in values.values()):
        abort(404)


def _error_page(error: HTTPException) -> tuple[str, int, list[tuple[str, str]]]:
    """The error's page, with the headers it comes with (Retry-After on 429, Allow on 405)."""
    code = error.code or 500
    headers = [(name, value) for name, value in error.get_headers() if name.lower() != "content-type"]
    return render_template("errors/error.html", error=error, code=code), code, headers


def register(app: Flask) -> None:
    """Add the pages and the error handlers to ``app``."""
    app.register_blueprint(bp)
    app.url_value_preprocessor(_refuse_nul_in_urls)
    app.register_error_handler(HTTPException, _error_page)
