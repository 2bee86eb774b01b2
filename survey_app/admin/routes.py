"""Admin pages: consultant and leader accounts."""

from __future__ import annotations

from flask import Blueprint

from ..access import roles_required
from ..models import Role

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.get("/users")
@roles_required(Role.ADMIN)
def users() -> str:
    """All accounts."""
    return "accounts"
