"""Password links: admins and consultants make them, their users open them to set a password."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import login_required
from werkzeug.wrappers import Response

from .. import db
from ..access import principal, staff_required
from ..accounts import WeakPassword, password_error
from ..base_form import BaseForm
from ..distribute import mail
from ..errors import NotFound
from ..models import LinkPurpose
from ..rate_limits import limited
from . import link_mail, passwords
from .forms import NewPasswordForm

bp = Blueprint("accounts", __name__)

#: The status and heading of the page for a link that cannot be used.
UNUSABLE = {
    passwords.LinkState.UNKNOWN: (404, "This link does not work"),
    passwords.LinkState.USED: (410, "This link has already been used"),
    passwords.LinkState.EXPIRED: (410, "This link has expired"),
}


@bp.after_request
def _not_stored(response: Response) -> Response:
    """Pages showing or carrying a link's token stay out of the browser's cache."""
    response.headers["Cache-Control"] = "no-store"
    return response


def _now() -> datetime:
    return datetime.now(UTC)


def link_url(token: str) -> str:
    """The absolute link, built from PUBLIC_URL (never from the request's Host header)."""
    return f"{current_app.config['PUBLIC_URL'].rstrip('/')}{url_for('accounts.set_password')}?token={token}"


@bp.get("/accounts")
@staff_required
def people() -> str:
    """The accounts whose password the signed-in admin or consultant may reset."""
    users = passwords.resettable_users(db.get_session(), principal())
    return render_template("auth/people.html", users=users)


@bp.route("/accounts/<int:user_id>/reset-link", methods=["GET", "POST"])
@login_required
def reset_link(user_id: int) -> str:
    """Make a single-use link to set a new password (shown once, e-mailed when mail is set up).

    Accounts the user may not reset are "not found", for leaders too.
    """
    try:
        user = passwords.resettable_user(db.get_session(), principal(), user_id)
    except NotFound:
        abort(404)
    form = BaseForm()
    hours = current_app.config["RESET_LINK_HOURS"]
    if not form.validate_on_submit():
        return render_template("auth/reset_link.html", form=form, user=user, hours=hours, link=None)
    with db.write_session() as session:
        target = passwords.resettable_user(session, principal(), user_id)
        made = passwords.create_link(
            session, target, LinkPurpose.RESET, timedelta(hours=hours), created_by_id=principal().id
        )
    url = link_url(made.token)
    mail_problem = email_link(
        link_mail.compose_reset,
        to_email=user.email,
        to_name=user.name,
        link=url,
        hours=hours,
        expires_at=made.expires_at,
    )
    return render_template(
        "auth/reset_link.html",
        form=form,
        user=user,
        hours=hours,
        link=url,
        expires=link_mail.when_words(made.expires_at),
        mailed=mail.is_configured(current_app.config) and not mail_problem,
        mail_problem=mail_problem,
    )


def email_link(compose: Callable[..., EmailMessage], **facts: Any) -> str:
    """E-mail a link with ``compose`` (``link_mail.compose_reset`` or ``compose_invite``; ``facts``:
    its arguments but the sender and the signed-in maker) when mail is set up.

    "" when sent or when mail is not set up, else why it failed.
    """
    if not mail.is_configured(current_app.config):
        return ""
    try:
        link_mail.send(current_app.config, compose, made_by=principal().display_name, **facts)
    except mail.MailError as exc:
        return str(exc)
    return ""


@bp.route("/set-password", methods=["GET", "POST"])
@limited("10 per minute; 50 per hour", methods=("POST",))
def set_password() -> str | Response | tuple[str, int]:
    """The page a password link opens: a new password, typed twice. The token is in the query
    string, which the request logs hide (log_redaction)."""
    token = request.args.get("token", "")
    now = _now()
    try:
        link = passwords.find_link(db.get_session(), token, now)
    except passwords.LinkUnusable as exc:
        return _unusable(exc.state)
    form = NewPasswordForm()
    if form.validate_on_submit():
        try:
            with db.write_session() as session:
                passwords.use_link(session, token, form.new_password.data or "", now)
        except WeakPassword as exc:
            form.new_password.errors.append(password_error(form.new_password.label.text, exc))
        except passwords.LinkUnusable as exc:
            return _unusable(exc.state)
        else:
            flash("Your new password is set. Sign in with it.", "success")
            return redirect(url_for("auth.sign_in"))
    organization = link.user.organization
    return render_template(
        "auth/set_password.html",
        form=form,
        email=link.user.email,
        is_invitation=link.purpose is LinkPurpose.INVITE,
        name=link.user.name,
        organization=organization.name if organization else "",
    )


def _unusable(state: passwords.LinkState) -> tuple[str, int]:
    status, heading = UNUSABLE[state]
    return render_template("auth/link_unusable.html", state=state.value, heading=heading), status
