"""Reads about people and places, and their plain JSON-ready views.

A view never decrypts: personal data appears only masked.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from casework.core.errors import NotFound
from casework.core.queries import Page, get_or_404, page_of
from casework.core.text import normalise_name
from casework.core.time import iso
from casework.core.uow import UnitOfWork
from casework.core.vocab import LEVEL_LABELS_ZH
from casework.models import CaseWorker, Employer, EmployerMove, OrgUnit, User
from casework.people.access import Actor, subtree_of

# -- loading ---------------------------------------------------------------------------------


def unit_by_code(session: Session, code: str) -> OrgUnit:
    unit = session.scalars(select(OrgUnit).where(OrgUnit.code == code)).first()
    if unit is None:
        raise NotFound("组织不存在", f"no org unit {code!r}")
    return unit


def root_units(session: Session) -> list[OrgUnit]:
    """The units at the top of the tree (normally one)."""
    return list(
        session.scalars(select(OrgUnit).where(OrgUnit.parent_id.is_(None)).order_by(OrgUnit.id))
    )


def user_by_username(session: Session, username: str) -> User:
    user = session.scalars(select(User).where(User.username == username)).first()
    if user is None:
        raise NotFound("用户不存在", f"no user {username!r}")
    return user


def visible_unit(session: Session, actor: Actor, unit_id: int) -> OrgUnit:
    """A unit of the actor's subtree; any other is NotFound."""
    return get_or_404(
        session, OrgUnit, unit_id, "组织", "org unit", visible=lambda u: actor.covers_path(u.path)
    )


def visible_employer(session: Session, actor: Actor, employer_id: int) -> Employer:
    """An employer placed under a unit of the actor's subtree; any other is NotFound."""
    return get_or_404(
        session,
        Employer,
        employer_id,
        "用人单位",
        "employer",
        visible=lambda e: actor.covers_path(e.org_unit.path),
    )


def visible_user(session: Session, actor: Actor, user_id: int) -> User:
    """A user of the actor's subtree; any other is NotFound."""
    return get_or_404(
        session, User, user_id, "用户", "user", visible=lambda u: actor.covers_path(u.org_unit.path)
    )


# -- views -----------------------------------------------------------------------------------


def unit_key(unit: OrgUnit) -> dict[str, Any]:
    """The four fields that name a unit (stored in idempotent intake answers and reports)."""
    return {"id": unit.id, "code": unit.code, "name": unit.name, "level": unit.level}


def unit_ref(unit: OrgUnit | None) -> dict[str, Any] | None:
    """A unit as other views embed it, with its level in Chinese."""
    if unit is None:
        return None
    return {**unit_key(unit), "level_label_zh": LEVEL_LABELS_ZH[unit.level]}


def org_unit_view(unit: OrgUnit) -> dict[str, Any]:
    return {
        **unit_ref(unit),  # type: ignore[dict-item]
        "parent_id": unit.parent_id,
        "depth": unit.depth,
        "doc_abbr": unit.doc_abbr,
        "doc_kind_marker": unit.doc_kind_marker,
        "created_at": iso(unit.created_at),
    }


def user_ref(user: User | None) -> dict[str, Any] | None:
    if user is None:
        return None
    return {"id": user.id, "username": user.username, "display_name": user.display_name}


def user_view(user: User) -> dict[str, Any]:
    return {
        "id": user.id,
        "username": user.username,
        "display_name": user.display_name,
        "roles": sorted(user.roles),
        "org_unit": unit_ref(user.org_unit),
        "is_active": user.is_active,
    }


def employer_view(emp: Employer | None) -> dict[str, Any] | None:
    if emp is None:
        return None
    return {
        "id": emp.id,
        "name": emp.name,
        "credit_code": emp.credit_code,
        "has_union": emp.has_union,
        "org_unit_id": emp.org_unit_id,
    }


def employer_move_view(move: EmployerMove) -> dict[str, Any]:
    return {
        "from_unit": unit_key(move.from_unit),
        "to_unit": unit_key(move.to_unit),
        "by": move.actor,
        "reason": move.reason or None,
        "at": iso(move.at),
    }


def employer_detail(session: Session, emp: Employer) -> dict[str, Any]:
    """An employer, the union body it is placed under (where calls about it are routed) and the
    moves that placed it there, oldest first."""
    moves = session.scalars(
        select(EmployerMove)
        .where(EmployerMove.employer_id == emp.id)
        .order_by(EmployerMove.at, EmployerMove.id)
    )
    return {
        "id": emp.id,
        "name": emp.name,
        "credit_code": emp.credit_code,
        "has_union": emp.has_union,
        "org_unit": unit_key(emp.org_unit),
        "moves": [employer_move_view(m) for m in moves],
    }


def worker_view(person: CaseWorker) -> dict[str, Any]:
    return {
        "id": person.id,
        "name": person.name,
        "id_number": person.id_number_masked,
        "phone": person.phone_masked,
    }


# -- queries ---------------------------------------------------------------------------------


def me(uow: UnitOfWork, *, actor: Actor) -> dict[str, Any]:
    with uow:
        return user_view(get_or_404(uow.session, User, actor.user_id, "用户", "user"))


def org_units(uow: UnitOfWork, *, actor: Actor, page: int = 1, per_page: int = 50) -> Page:
    """The actor's unit and every unit below it, in tree order."""
    where = OrgUnit.path.startswith(actor.org_path)
    with uow:
        return page_of(
            uow.session,
            select(OrgUnit).where(where).order_by(OrgUnit.path),
            select(func.count(OrgUnit.id)).where(where),
            page,
            per_page,
            lambda rows: [org_unit_view(u) for (u,) in rows],
        )


def org_unit(uow: UnitOfWork, *, actor: Actor, unit_id: int) -> dict[str, Any]:
    with uow:
        return org_unit_view(visible_unit(uow.session, actor, unit_id))


def users(
    uow: UnitOfWork,
    *,
    actor: Actor,
    org_unit_id: int | None = None,
    page: int = 1,
    per_page: int = 20,
) -> Page:
    """Users of the actor's subtree (or of one unit in it), e.g. to pick an assignee."""
    conds: list[Any] = [User.org_unit_id.in_(subtree_of(actor))]
    if org_unit_id is not None:
        conds.append(User.org_unit_id == org_unit_id)
    with uow:
        return page_of(
            uow.session,
            select(User).where(*conds).order_by(User.org_unit_id, User.username),
            select(func.count(User.id)).where(*conds),
            page,
            per_page,
            lambda rows: [user_view(u) for (u,) in rows],
        )


def user(uow: UnitOfWork, *, actor: Actor, user_id: int) -> dict[str, Any]:
    with uow:
        return user_view(visible_user(uow.session, actor, user_id))


def employers(
    uow: UnitOfWork, *, actor: Actor, q: str | None = None, page: int = 1, per_page: int = 20
) -> Page:
    """Employers placed in the actor's subtree, by name (``q``: the name contains it), each with
    the unit it is placed under (one query a page)."""
    conds: list[Any] = [Employer.org_unit_id.in_(subtree_of(actor))]
    text = normalise_name(q or "")
    if text:
        conds.append(Employer.name.contains(text, autoescape=True))
    with uow:
        return page_of(
            uow.session,
            select(Employer, OrgUnit)
            .join(OrgUnit, OrgUnit.id == Employer.org_unit_id)
            .where(*conds)
            .order_by(Employer.name, Employer.id),
            select(func.count(Employer.id)).where(*conds),
            page,
            per_page,
            lambda rows: [{**employer_view(e), "org_unit": unit_ref(u)} for (e, u) in rows],
        )


def employer(uow: UnitOfWork, *, actor: Actor, employer_id: int) -> dict[str, Any]:
    """One employer placed within the actor's subtree (else NotFound)."""
    with uow:
        return employer_detail(uow.session, visible_employer(uow.session, actor, employer_id))


# -- the whole tree, for the administrator's command line ----------------------------------------


def all_org_units(uow: UnitOfWork) -> list[dict[str, Any]]:
    """Every unit, in tree order (unpaged: an installation has hundreds at most)."""
    with uow:
        return [
            org_unit_view(u) for u in uow.session.scalars(select(OrgUnit).order_by(OrgUnit.path))
        ]


def all_users(uow: UnitOfWork) -> list[dict[str, Any]]:
    """Every user, active or not, by unit (tree order) then username."""
    with uow:
        rows = uow.session.scalars(
            select(User).join(User.org_unit).order_by(OrgUnit.path, User.username)
        )
        return [user_view(u) for u in rows]
