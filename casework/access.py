"""Who is acting, and what part of the org tree they may see and act on.

An :class:`Actor` is a plain value built once per request (or per CLI command) from a user row,
so services never reload roles for every check.

- see: a case whose owner or origin unit is in the actor's subtree;
- act: a caseworker on cases owned by their own unit; a supervisor on cases owned anywhere in
  their subtree; an operator on cases owned by their unit or that they created;
- the engine itself (``SYSTEM_ACTOR``) may do anything.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, or_, select, true
from sqlalchemy.orm import Session

from casework.errors import NotFound
from casework.models import Case, OrgUnit, User
from workflows.base import SYSTEM


@dataclass(frozen=True)
class Actor:
    user_id: int | None
    username: str
    roles: frozenset[str]
    org_unit_id: int | None
    org_path: str
    org_level: str | None

    @property
    def is_system(self) -> bool:
        return SYSTEM in self.roles

    def has(self, role: str) -> bool:
        return role in self.roles

    def covers_path(self, path: str) -> bool:
        """Whether the unit with materialised ``path`` is in this actor's subtree."""
        return self.is_system or path.startswith(self.org_path)

    def can_see(self, case: Case) -> bool:
        if self.is_system:
            return True
        if "operator" in self.roles and case.created_by_id == self.user_id:
            return True  # an operator reads what they created, wherever it went
        return self.covers_path(case.org_unit.path) or self.covers_path(case.origin_org_unit.path)

    def acting_roles(self, case: Case) -> frozenset[str]:
        """The roles this actor may use on ``case`` given where the case sits."""
        if self.is_system:
            return frozenset({SYSTEM})
        out = set()
        own_unit = case.org_unit_id == self.org_unit_id
        if "caseworker" in self.roles and own_unit:
            out.add("caseworker")
        if "supervisor" in self.roles and self.covers_path(case.org_unit.path):
            out.add("supervisor")
        if "operator" in self.roles and (own_unit or case.created_by_id == self.user_id):
            out.add("operator")
        return frozenset(out)


SYSTEM_ACTOR = Actor(
    user_id=None,
    username="system",
    roles=frozenset({SYSTEM}),
    org_unit_id=None,
    org_path="/",
    org_level=None,
)


def subtree_of(actor: Actor) -> Select:
    """Ids of the units in the actor's subtree, as a subquery."""
    return select(OrgUnit.id).where(OrgUnit.path.startswith(actor.org_path))


def visible_cases(actor: Actor) -> ColumnElement[bool]:
    """:meth:`Actor.can_see` as SQL, for lists: owner or origin in the subtree, or (operators)
    created by the actor."""
    if actor.is_system:
        return true()
    sub = subtree_of(actor)
    cond = or_(Case.org_unit_id.in_(sub), Case.origin_org_unit_id.in_(sub))
    if "operator" in actor.roles and actor.user_id is not None:
        cond = or_(cond, Case.created_by_id == actor.user_id)
    return cond


def actor_from_user(user: User) -> Actor:
    return Actor(
        user_id=user.id,
        username=user.username,
        roles=user.roles,
        org_unit_id=user.org_unit_id,
        org_path=user.org_unit.path,
        org_level=user.org_unit.level,
    )


def load_actor(session: Session, username: str) -> Actor:
    user = session.scalars(select(User).where(User.username == username)).first()
    if user is None or not user.is_active:
        raise NotFound("用户不存在或已停用", f"no active user {username!r}")
    return actor_from_user(user)
