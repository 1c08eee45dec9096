"""Reads for the hotline console: who is calling, and what of theirs is already in hand.

The caller is recognised by the keyed blind index of their phone or ID number (never the clear
value, which is neither stored in a query nor echoed back). Only what the operator may see is
listed: work orders and cases owned by, or started in, their part of the tree.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import joinedload

import workflows
from casework.core.errors import InvalidInput
from casework.core.time import iso
from casework.core.uow import UnitOfWork
from casework.models import Case, CaseWorker, Deadline
from casework.people.access import Actor, require, visible_cases
from casework.people.pii import normalise_id_number, normalise_phone
from casework.people.queries import unit_key

# A caller with more than this many matters is shown the newest ones.
CALLER_LIMIT = 50


def _index(uow: UnitOfWork, phone: str | None, id_number: str | None) -> str:
    given = [(k, v) for k, v in (("phone", phone), ("id_number", id_number)) if v]
    if len(given) != 1:
        raise InvalidInput(
            "phone", "请提供来电号码或身份证号其中一项", "give exactly one of phone or id_number"
        )
    kind, value = given[0]
    try:
        normalised = normalise_phone(value) if kind == "phone" else normalise_id_number(value)
    except InvalidInput as exc:
        raise exc.at(kind) from None
    return uow.vault.blind_index(kind, normalised)


def caller_matters(
    uow: UnitOfWork, *, actor: Actor, phone: str | None = None, id_number: str | None = None
) -> dict[str, Any]:
    """The caller's work orders and cases the actor may see, newest first, with how many are
    still open ("该来电人有 2 件在办"): for the console, before anything is filed."""
    require(actor, "lookup_caller")
    index = _index(uow, phone, id_number)
    column = CaseWorker.phone_index if phone else CaseWorker.id_number_index
    with uow:
        s = uow.session
        theirs = select(CaseWorker.case_id).where(column == index)
        rows = (
            s.scalars(
                select(Case)
                .options(joinedload(Case.org_unit), joinedload(Case.employer))
                .where(Case.id.in_(theirs), visible_cases(actor))
                .order_by(Case.created_at.desc(), Case.id.desc())
                .limit(CALLER_LIMIT)
            )
            .unique()
            .all()
        )
        items = [_matter(c) for c in rows]
    open_count = sum(1 for i in items if i["open"])
    return {
        "items": items,
        "total": len(items),
        "open_count": open_count,
        "summary_zh": f"该来电人有 {open_count} 件在办" if open_count else "该来电人没有在办事项",
    }


def _matter(case: Case) -> dict[str, Any]:
    wf = workflows.get(case.workflow)
    attrs = case.attributes or {}
    return {
        "id": case.id,
        "ref": case.ref,
        "workflow": case.workflow,
        "workflow_label_zh": wf.label_zh,
        "state": case.state,
        "state_label_zh": wf.state(case.state).label_zh,
        "open": case.closed_at is None,
        "category": attrs.get("category") if case.workflow == "hotline" else None,
        "employer_name": case.employer.name if case.employer else None,
        "org_unit": unit_key(case.org_unit),
        "created_at": iso(case.created_at),
    }


# -- the call-back queue ---------------------------------------------------------------------

CALLBACK_RULES = ("callback", "answer_callback")
QUEUE_LIMIT = 100


def callback_queue(uow: UnitOfWork, *, actor: Actor, now: dt.datetime | None = None) -> dict:
    """Work orders waiting for the hotline's call-back that the actor may see, the soonest due
    first, each with its clock and what was done (the result reported, or the answer given)."""
    require(actor, "record_callback")
    now = now or dt.datetime.now(dt.UTC)
    with uow:
        rows = uow.session.execute(
            select(Case, Deadline)
            .join(Deadline, Deadline.case_id == Case.id)
            .options(joinedload(Case.org_unit))
            .where(
                Case.workflow == "hotline",
                Case.state.in_(("result_reported", "answered")),
                Deadline.rule.in_(CALLBACK_RULES),
                Deadline.status.in_(("running", "paused")),
                visible_cases(actor),
            )
            .order_by(Deadline.due_at, Case.id)
            .limit(QUEUE_LIMIT)
        ).all()
        items = [_waiting(order, clock, now) for order, clock in rows]
    return {"items": items, "total": len(items)}


def _waiting(order: Case, clock: Deadline, now: dt.datetime) -> dict[str, Any]:
    wf = workflows.get(order.workflow)
    attrs = order.attributes or {}
    return {
        "id": order.id,
        "ref": order.ref,
        "version": order.version,
        "state": order.state,
        "state_label_zh": wf.state(order.state).label_zh,
        "category": attrs.get("category"),
        "result": attrs.get("result") or attrs.get("answer"),
        "attempts": int(attrs.get("callback_attempts", 0)),
        "org_unit": unit_key(order.org_unit),
        "due": clock.due_on.isoformat(),
        "overdue": clock.due_at < now,
    }
