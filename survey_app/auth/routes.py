"""Sign-in, sign-out and change-password pages, and the hook that tells Flask-Login who is signed in."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

from flask import Blueprint, Flask, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import LoginManager, current_user, login_required, login_user, logout_user
from werkzeug.wrappers import Response

from .. import db
from ..access import principal
from ..accounts import WeakPassword, password_error
from ..rate_limits import limited, wait_words
from . import leader_routes, link_routes, passwords, sessions, throttle
from .forms import ChangePasswordForm, SignInForm
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
@limited(setting="SIGN_IN_PER_ADDRESS", methods=("POST",))
def sign_in() -> str | Response:
    """Sign in with e-mail and password; a new session each time."""
    if current_user.is_authenticated:
        return redirect(url_for("workspace.home"))
    form = SignInForm()
    if form.validate_on_submit():
        email = form.email.data or ""
        if wait := throttle.wait_for(email):
            return _account_waits(form, wait)
        with db.write_session() as write:
            user = sessions.authenticate(write, email, form.password.data or "")
            token = sessions.start_session(write, user) if user else None
            principal = Principal.of(user, token) if user and token else None
        if principal is None:
            throttle.failed(email)
            form.password.errors.append("The e-mail address or the password is not right.")
        else:
            throttle.succeeded(email)
            next_url = _safe_next(request.args.get("next"))
            session.clear()  # a fresh session: nothing from before sign-in carries over
            login_user(principal)
            return redirect(next_url or url_for("workspace.home"))
    return render_template("auth/sign_in.html", form=form)


def _account_waits(form: SignInForm, wait: int) -> Response:
    """The sign-in form again (429): this e-mail address failed too often; the password is not checked."""
    form.email.errors.append(
        f"Too many failed attempts to sign in with this e-mail address. Try again in {wait_words(wait)}."
    )
    response = current_app.make_response((render_template("auth/sign_in.html", form=form), 429))
    response.headers["Retry-After"] = str(wait)
    return response


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


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
@limited("10 per minute; 50 per hour", methods=("POST",))
def change_password() -> str | Response:
    """Change one's own password; every other session of the account ends, this one stays."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            with db.write_session() as write:
                passwords.change_own_password(
                    write, principal(), form.current_password.data or "", form.new_password.data or ""
                )
        except passwords.WrongPassword:
            form.current_password.errors.append("The current password is not right.")
        except WeakPassword as exc:
            form.new_password.errors.append(password_error(form.new_password.label.text, exc))
        else:
            flash(
                "Your password is changed. Any other browser signed in to your account is signed out.",
                "success",
            )
            return redirect(url_for("workspace.home"))
    return render_template("auth/change_password.html", form=form)


def init_app(app: Flask) -> None:
    """Register the pages and Flask-Login."""
    login_manager.init_app(app)
    app.register_blueprint(bp)
    app.register_blueprint(link_routes.bp)
    app.register_blueprint(leader_routes.bp)
