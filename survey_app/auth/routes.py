"""Sign-in and sign-out pages, and the hook that tells Flask-Login who is signed in."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

from flask import Blueprint, Flask, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import LoginManager, current_user, login_required, login_user, logout_user
from werkzeug.wrappers import Response

from .. import db
from ..rate_limits import limited
from . import sessions
from .forms import SignInForm
from .principal import Principal

bp = Blueprint("auth", __name__)
login_manager = LoginManager()
login_manager.login_view = "auth.sign_in"
login_manager.login_message = "Please sign in to see this page."
login_manager.login_message_category = "info"


@login_manager.user_loader
def _load_user(token: str) -> Principal | None:
    lifetime = timedelta(hours=current_app.config["SESSION_HOURS"])
    return sessions.load_principal(db.get_session(), token, lifetime)


def _safe_next(target: str | None) -> str | None:
    """Only same-site paths are followed after sign-in (no open redirect)."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@bp.route("/sign-in", methods=["GET", "POST"])
@limited("10 per minute; 50 per hour", methods=("POST",))
def sign_in() -> str | Response:
    """Sign in with e-mail and password; a new session each time."""
    if current_user.is_authenticated:
        return redirect(url_for("workspace.home"))
    form = SignInForm()
    if form.validate_on_submit():
        with db.write_session() as write:
            user = sessions.authenticate(write, form.email.data or "", form.password.data or "")
            token = sessions.start_session(write, user) if user else None
            principal = Principal.of(user, token) if user and token else None
        if principal is None:
            form.password.errors.append("The e-mail address or the password is not right.")
        else:
            next_url = _safe_next(request.args.get("next"))
            session.clear()  # a fresh session: nothing from before sign-in carries over
            login_user(principal)
            return redirect(next_url or url_for("workspace.home"))
    return render_template("auth/sign_in.html", form=form)


@bp.post("/sign-out")
@login_required
def sign_out() -> Response:
    """End the session on the server too, so a copied cookie stops working."""
    with db.write_session() as write:
        sessions.end_session(write, current_user.session_token)
    logout_user()
    session.clear()
    flash("You are signed out.", "info")
    return redirect(url_for("auth.sign_in"))


def init_app(app: Flask) -> None:
    """Register the pages and Flask-Login."""
    login_manager.init_app(app)
    app.register_blueprint(bp)
