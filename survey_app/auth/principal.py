"""The signed-in user as plain data, detached from the database session."""

from __future__ import annotations

from dataclasses import dataclass

from ..models import Role, User


@dataclass(frozen=True)
class Principal:
    """Who is signed in, what they may see, and the token of their session."""

    id: int
    email: str
    name: str
    role: Role
    #: A leader's own organization.
    organization_id: int | None
    #: The organizations a consultant is assigned to.
    assigned_organization_ids: frozenset[int]
    session_token: str

    # Flask-Login's user interface.
    is_authenticated = True
    is_active = True
    is_anonymous = False

    def get_id(self) -> str:
        """The session token: what Flask-Login keeps in the cookie."""
        return self.session_token

    @property
    def display_name(self) -> str:
        """The name, or the e-mail address when no name is set."""
        return self.name or self.email

    @property
    def is_admin(self) -> bool:
        """Admins manage accounts and see everything."""
        return self.role is Role.ADMIN

    @property
    def is_leader(self) -> bool:
        """Leaders read their own organization's results, nothing else."""
        return self.role is Role.LEADER

    def can_see_organization(self, organization_id: int) -> bool:
        """Whether this user may see anything of the organization."""
        if self.role is Role.ADMIN:
            return True
        if self.role is Role.LEADER:
            return self.organization_id == organization_id
        return organization_id in self.assigned_organization_ids

    def can_manage_organization(self, organization_id: int) -> bool:
        """Whether this user may change the organization's assessments (not leaders)."""
        return not self.is_leader and self.can_see_organization(organization_id)

    @classmethod
    def of(cls, user: User, token: str) -> Principal:
        """Build from a loaded user row."""
        return cls(
            id=user.id,
            email=user.email,
            name=user.name,
            role=user.role,
            organization_id=user.organization_id,
            assigned_organization_ids=frozenset(org.id for org in user.assigned_organizations),
            session_token=token,
        )
