"""Pages served before the workspace exists: the home page, a health check, error pages."""

from __future__ import annotations

from flask import Blueprint, Flask, render_template
from sqlalchemy import text
from werkzeug.exceptions import HTTPException

from . import db

bp = Blueprint("main", __name__)


@bp.get("/")
def index() -> str:
    """The landing page."""
    return render_template("index.html")


@bp.get("/healthz")
def healthz() -> tuple[dict[str, str], int]:
    """Answer 200 when the database answers, 503 otherwise."""
    try:
        db.get_session().execute(text("SELECT 1"))
    except Exception:  # noqa: BLE001 - any failure means "not healthy"
        return {"status": "database unavailable"}, 503
    return {"status": "ok"}, 200


def _error_page(error: HTTPException) -> tuple[str, int, list[tuple[str, str]]]:
    """The error's page, with the headers it comes with (Retry-After on 429, Allow on 405)."""
    code = error.code or 500
    headers = [(name, value) for name, value in error.get_headers() if name.lower() != "content-type"]
    return render_template("errors/error.html", error=error, code=code), code, headers


def register(app: Flask) -> None:
    """Add the pages and the error handlers to ``app``."""
    app.register_blueprint(bp)
    app.register_error_handler(HTTPException, _error_page)
