"""The leaders of a client organization, managed from its page: invite, make a new link, revoke.

Only an admin or a consultant assigned to the organization gets these pages; for anyone
else, leaders included, the organization is "not found".
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_login import login_required
from werkzeug.wrappers import Response

from .. import db
from ..access import principal
from ..base_form import BaseForm, show_error
from ..distribute import mail
from ..errors import FieldInvalid, NotFound
from ..models import Organization
from . import leaders, link_mail, passwords
from .forms import InviteLeaderForm
from .link_routes import email_link, link_url

bp = Blueprint("leaders", __name__)

#: The link's lifetime in hours, for the e-mail's words ("7 days").
INVITE_HOURS = int(passwords.INVITE_LIFETIME.total_seconds() // 3600)


def _now() -> datetime:
    return datetime.now(UTC)


@bp.after_request
def _not_stored(response: Response) -> Response:
    """The page showing an invitation link stays out of the browser's cache (and the others with it)."""
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.app_template_filter("utc_moment")
def _utc_moment(moment: datetime) -> str:
    """A moment in words, as the e-mails write it: "7 December 2026, 09:15 UTC"."""
    return link_mail.when_words(moment)


def _organization(slug: str) -> Organization:
    """The organization if the signed-in user may manage its leaders, else 404."""
    try:
        return leaders.managed_organization(db.get_session(), principal(), slug)
    except NotFound:
        abort(404)


@bp.route("/o/<slug>/leaders/invite", methods=["GET", "POST"])
@login_required
def invite(slug: str) -> str:
    """Invite a leader (name, e-mail): their account and a single-use link to choose a password,
    shown to copy and e-mailed where mail is set up. A leader invited before who has not
    chosen a password yet gets a new link instead; the old one stops working."""
    org = _organization(slug)
    form = InviteLeaderForm()
    if not form.validate_on_submit():
        return render_template("auth/invite_leader.html", organization=org, form=form)
    try:
        with db.write_session() as session:
            made = leaders.invite(session, principal(), slug, form.name.data or "", form.email.data or "")
    except FieldInvalid as exc:
        show_error(form, exc)
        return render_template("auth/invite_leader.html", organization=org, form=form)
    except NotFound:
        abort(404)
    url = link_url(made.link.token)
    mail_problem = email_link(
        link_mail.compose_invite,
        to_email=made.email,
        to_name=made.name,
        organization=org.name,
        link=url,
        hours=INVITE_HOURS,
        expires_at=made.link.expires_at,
    )
    return render_template(
        "auth/leader_invited.html",
        organization=org,
        invitation=made,
        link=url,
        expires=link_mail.when_words(made.link.expires_at),
        lifetime=link_mail.lifetime_words(INVITE_HOURS),
        mailed=mail.is_configured(current_app.config) and not mail_problem,
        mail_problem=mail_problem,
    )


@bp.route("/o/<slug>/leaders/<int:user_id>/revoke", methods=["GET", "POST"])
@login_required
def revoke(slug: str, user_id: int) -> str | Response:
    """Ask, then delete a leader's account: it cannot sign in any more, its sessions end and its
    links stop working."""
    org = _organization(slug)
    try:
        leader = leaders.get_leader(db.get_session(), org.id, user_id, _now())
    except NotFound:
        abort(404)
    form = BaseForm()
    if not form.validate_on_submit():
        return render_template("auth/revoke_leader.html", organization=org, leader=leader, form=form)
    try:
        with db.write_session() as session:
            leaders.revoke(session, principal(), slug, user_id)
    except NotFound:
        abort(404)
    flash(
        f"The account of {leader.display_name} ({leader.email}) is revoked: it can no longer sign in,"
        " and its links no longer work.",
        "success",
    )
    # No #leaders anchor: on a phone it would scroll the message above out of sight.
    return redirect(url_for("workspace.organization", slug=slug))
