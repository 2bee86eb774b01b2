"""Loading what a signed-in user asks for, or answering 404/403.

Every page that shows an organization's data loads it through these helpers, so
each access is checked against the signed-in user's organizations in one place.
Something the user may not see is "not found" (404): its existence is not revealed.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from .auth.principal import Principal
from .models import Assessment, Organization, Role

F = TypeVar("F", bound=Callable[..., Any])


def principal() -> Principal:
    """The signed-in user (call only behind ``login_required``)."""
    return current_user._get_current_object()  # type: ignore[no-any-return]


def roles_required(*roles: Role) -> Callable[[F], F]:
    """Sign-in required, and one of ``roles``; others get 403."""

    def decorate(view: F) -> F:
        @wraps(view)
        @login_required
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if principal().role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate


#: Consultants and admins: the people who run assessments.
staff_required = roles_required(Role.ADMIN, Role.CONSULTANT)


def visible_organizations(session: Session, user: Principal) -> list[Organization]:
    """The organizations ``user`` may see, by name."""
    query = select(Organization).order_by(Organization.name)
    if user.role is Role.LEADER:
        query = query.where(Organization.id == user.organization_id)
    elif user.role is Role.CONSULTANT:
        query = query.where(Organization.id.in_(user.assigned_organization_ids))
    return list(session.scalars(query))


def organization_for(session: Session, slug: str, *, manage: bool = False) -> Organization:
    """The organization with ``slug`` if the signed-in user may see it (or manage it); else 404/403."""
    org = session.scalar(select(Organization).where(Organization.slug == slug))
    user = principal()
    if org is None or not user.can_see_organization(org.id):
        abort(404)
    if manage and not user.can_manage_organization(org.id):
        abort(403)
    return org


def assessment_for(session: Session, slug: str, *, manage: bool = False) -> Assessment:
    """The assessment with ``slug`` if the signed-in user may see it (or manage it); else 404/403."""
    assessment = session.scalar(
        select(Assessment)
        .where(Assessment.slug == slug)
        .options(selectinload(Assessment.teams), selectinload(Assessment.organization))
    )
    user = principal()
    if assessment is None or not user.can_see_organization(assessment.organization_id):
        abort(404)
    if manage and not user.can_manage_organization(assessment.organization_id):
        abort(403)
    return assessment
