"""The escalation inbox a supervisor reads, and the view of one escalation."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import literal, select, tuple_
from sqlalchemy.orm import aliased, joinedload, lazyload

from casework.cases.queries import case_ref, visible_case
from casework.core.queries import KeysetPage, bounds, capped_count, decode_cursor, encode_cursor
from casework.core.time import iso
from casework.core.uow import UnitOfWork
from casework.core.vocab import ESCALATION_REASONS
from casework.models import Case, Escalation, Notification, OrgUnit
from casework.notices.queries import addressed_to
from casework.people.access import Actor, subtree_of
from casework.people.queries import unit_ref

# An inbox row shows the case in brief (case_ref: its holding unit): nothing else is loaded.
CASE_ONLY = (
    joinedload(Case.org_unit).lazyload(OrgUnit.parent),
    lazyload(Case.origin_org_unit),
    lazyload(Case.assignee),
    lazyload(Case.employer),
)


def escalation_view(
    esc: Escalation,
    case: Case,
    from_unit: OrgUnit,
    to_unit: OrgUnit,
    notification_id: int | None = None,
) -> dict[str, Any]:
    return {
        "id": esc.id,
        "case": case_ref(case),
        "from_unit": unit_ref(from_unit),
        "to_unit": unit_ref(to_unit),
        "reason": esc.reason,
        "reason_zh": ESCALATION_REASONS.get(esc.reason, esc.reason),
        "comment": esc.comment,
        "at_ceiling": esc.at_ceiling,
        "actor": esc.actor,
        "created_at": iso(esc.created_at),
        "open": case.closed_at is None,
        "notification_id": notification_id,
    }


def escalation(uow: UnitOfWork, *, actor: Actor, escalation_id: int) -> tuple[dict[str, Any], int]:
    """One escalation of a case the caller sees, and the case's version now (its ETag)."""
    with uow:
        s = uow.session
        esc = s.get(Escalation, escalation_id)
        case = visible_case(s, actor, esc.case_id if esc is not None else 0)
        view = escalation_view(
            esc, case, s.get(OrgUnit, esc.from_unit_id), s.get(OrgUnit, esc.to_unit_id)
        )
        return view, case.version


def inbox(
    uow: UnitOfWork,
    *,
    actor: Actor,
    page: int = 1,
    per_page: int = 20,
    cursor: str | None = None,
) -> KeysetPage:
    """Escalations into the caller's subtree: cases still open first, then newest first. Paged
    by ``page`` or by the ``cursor`` a page names, along ix_escalations_case_open_created_at_id;
    the cases and units are joined for the page's rows only."""
    from_unit = aliased(OrgUnit)
    to_unit = aliased(OrgUnit)
    key = tuple_(Escalation.case_open, Escalation.created_at, Escalation.id)
    page, per_page = bounds(page, per_page)
    ids = select(Escalation.id).where(Escalation.to_unit_id.in_(subtree_of(actor)))
    with uow:
        s = uow.session
        total, exact = capped_count(s, ids)
        offset = (page - 1) * per_page
        if cursor is not None:
            is_open, when, last_id = decode_cursor(cursor, (bool, dt.datetime, int))
            ids = ids.where(
                key
                < tuple_(
                    literal(is_open), literal(when, Escalation.created_at.type), literal(last_id)
                )
            )
            offset = 0
        # One statement: the index gives the order, so the planner walks it and joins the
        # case and the two units for each row it keeps, stopping after the page.
        rows = s.execute(
            select(Escalation, Case, from_unit, to_unit)
            .join(Case, Case.id == Escalation.case_id)
            .join(from_unit, from_unit.id == Escalation.from_unit_id)
            .join(to_unit, to_unit.id == Escalation.to_unit_id)
            .options(*CASE_ONLY, lazyload(from_unit.parent), lazyload(to_unit.parent))
            .where(ids.whereclause)
            .order_by(
                Escalation.case_open.desc(), Escalation.created_at.desc(), Escalation.id.desc()
            )
            .limit(per_page + 1)
            .offset(offset)
        ).all()
        more = len(rows) > per_page
        rows = rows[:per_page]
        # The caller's unread notice about each case of the page, in one query.
        case_ids = {c.id for (_, c, _, _) in rows}
        mine: dict[int, int] = {}
        if case_ids and actor.user_id is not None:
            for nid, cid in s.execute(
                select(Notification.id, Notification.case_id).where(
                    Notification.case_id.in_(case_ids),
                    Notification.kind == "escalation",
                    addressed_to(actor),
                    Notification.read_at.is_(None),
                )
            ):
                mine.setdefault(cid, nid)
        last = rows[-1][0] if rows else None
        return KeysetPage(
            [escalation_view(e, c, f, t, mine.get(c.id)) for (e, c, f, t) in rows],
            page,
            per_page,
            total,
            total_exact=exact,
            next_cursor=encode_cursor([last.case_open, last.created_at, last.id])
            if more and last is not None
            else None,
        )
