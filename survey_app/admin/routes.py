"""Admin pages: consultant and leader accounts."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from .. import db
from ..access import principal, roles_required
from ..accounts import WeakPassword, create_user, password_error
from ..errors import InvalidInput, NotFound
from ..models import Role
from . import services
from .forms import NewUserForm, UserForm

bp = Blueprint("admin", __name__, url_prefix="/admin")
admin_required = roles_required(Role.ADMIN)


def _offer_organizations(form: UserForm) -> None:
    orgs = services.organizations(db.get_session())
    none = SelectChoice(0, "— none —")
    form.organization.choices = [none] + [SelectChoice(org.id, org.name) for org in orgs]
    form.assigned.choices = [SelectChoice(org.id, org.name) for org in orgs]


def _change_from(form: UserForm) -> services.AccountChange:
    return services.AccountChange(
        name=form.name.data or "",
        role=Role(form.role.data),
        organization_id=form.organization.data or None,
        assigned_ids=frozenset(form.assigned.data or ()),
        is_active=bool(form.is_active.data),
        password=form.password.data or None,
    )


@bp.get("/users")
@admin_required
def users() -> str:
    """Every account with its role and organizations."""
    return render_template("admin/users.html", users=services.list_users(db.get_session()))


@bp.route("/users/new", methods=["GET", "POST"])
@admin_required
def new_user() -> str | Response:
    """Create a consultant, leader or admin account."""
    form = NewUserForm()
    _offer_organizations(form)
    if form.validate_on_submit():
        change = _change_from(form)
        try:
            with db.write_session() as session:
                organization = (
                    services.get_organization_name(session, change.organization_id)
                    if change.role is Role.LEADER and change.organization_id
                    else None
                )
                user = create_user(
                    session, form.email.data or "", change.role, change.password or "", organization
                )
                services.apply_change(session, user, change, acting_user_id=principal().id)
        except WeakPassword as exc:
            form.password.errors.append(password_error(form.password.label.text, exc))
        except InvalidInput as exc:
            form.email.errors.append(str(exc).capitalize() + ".")
        else:
            flash(f"Account {user.email} created.", "success")
            return redirect(url_for("admin.users"))
    return render_template("admin/user_form.html", form=form, user=None)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@admin_required
def edit_user(user_id: int) -> str | Response:
    """Change an account's name, role, organizations, activation or password."""
    try:
        user = services.get_user(db.get_session(), user_id)
    except NotFound:
        abort(404)
    form = UserForm(
        obj=user,
        data=None,
        role=user.role.value,
        organization=user.organization_id or 0,
        assigned=[org.id for org in user.assigned_organizations],
    )
    _offer_organizations(form)
    if form.validate_on_submit():
        try:
            with db.write_session() as session:
                services.apply_change(
                    session,
                    services.get_user(session, user_id),
                    _change_from(form),
                    acting_user_id=principal().id,
                )
        except WeakPassword as exc:
            form.password.errors.append(password_error(form.password.label.text, exc))
        except InvalidInput as exc:
            form.role.errors.append(str(exc).capitalize() + ".")
        else:
            flash(f"Account {user.email} saved.", "success")
            return redirect(url_for("admin.users"))
    return render_template("admin/user_form.html", form=form, user=user)
