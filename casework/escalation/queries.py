"""The escalation inbox a supervisor reads, and the view of one escalation."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from casework.cases.queries import case_ref, visible_case
from casework.core.queries import Page, page_of
from casework.core.time import iso
from casework.core.uow import UnitOfWork
from casework.core.vocab import ESCALATION_REASONS
from casework.models import Case, Escalation, Notification, OrgUnit
from casework.notices.queries import addressed_to
from casework.people.access import Actor, subtree_of
from casework.people.queries import unit_ref


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


def inbox(uow: UnitOfWork, *, actor: Actor, page: int = 1, per_page: int = 20) -> Page:
    """Escalations into the caller's subtree: cases still open first, then newest first."""
    from_unit = aliased(OrgUnit)
    to_unit = aliased(OrgUnit)
    where = Escalation.to_unit_id.in_(subtree_of(actor))
    with uow:

        def present(rows: list[Any]) -> list[dict[str, Any]]:
            # The caller's unread notice about each case of the page, in one query.
            case_ids = {c.id for (_, c, _, _) in rows}
            mine: dict[int, int] = {}
            if case_ids and actor.user_id is not None:
                for nid, cid in uow.session.execute(
                    select(Notification.id, Notification.case_id).where(
                        Notification.case_id.in_(case_ids),
                        Notification.kind == "escalation",
                        addressed_to(actor),
                        Notification.read_at.is_(None),
                    )
                ):
                    mine.setdefault(cid, nid)
            return [escalation_view(e, c, f, t, mine.get(c.id)) for (e, c, f, t) in rows]

        return page_of(
            uow.session,
            select(Escalation, Case, from_unit, to_unit)
            .join(Case, Case.id == Escalation.case_id)
            .join(from_unit, from_unit.id == Escalation.from_unit_id)
            .join(to_unit, to_unit.id == Escalation.to_unit_id)
            .where(where)
            .order_by(
                Case.closed_at.is_(None).desc(),
                Escalation.created_at.desc(),
                Escalation.id.desc(),
            ),
            select(func.count(Escalation.id)).where(where),
            page,
            per_page,
            present,
        )
