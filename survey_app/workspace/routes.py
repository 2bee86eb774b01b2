"""Workspace pages for consultants (and the entry page for every signed-in user)."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from flask_login import login_required
from werkzeug.wrappers import Response

from .. import db
from ..access import principal, visible_organizations

bp = Blueprint("workspace", __name__)


@bp.get("/workspace")
@login_required
def home() -> str | Response:
    """The organizations the user may see; a leader goes straight to their own."""
    user = principal()
    organizations = visible_organizations(db.get_session(), user)
    if user.is_leader and len(organizations) == 1:
        return redirect(url_for("workspace.organization", slug=organizations[0].slug))
    return render_template("workspace/home.html", organizations=organizations)


@bp.get("/o/<slug>")
@login_required
def organization(slug: str) -> str:
    """An organization's assessments."""
    from ..access import organization_for

    org = organization_for(db.get_session(), slug)
    return render_template("workspace/organization.html", organization=org)
