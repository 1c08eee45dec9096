"""Reads for the hotline console: who is calling, and what of theirs is already in hand.

The caller is recognised by the keyed blind index of their phone or ID number (never the clear
value, which is neither stored in a query nor echoed back). Only what the operator may see is
listed: work orders and cases owned by, or started in, their part of the tree.
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any, cast

from sqlalchemy import select
from sqlalchemy.orm import joinedload

import workflows
from casework.core.errors import InvalidInput
from casework.core.text import normalise_name
from casework.core.time import iso
from casework.core.uow import UnitOfWork
from casework.core.vocab import ANSWERED_ON_CALL, CATEGORIES
from casework.models import Case, CaseWorker, Deadline, Employer, OrgUnit
from casework.people.access import Actor, require, visible_cases
from casework.people.pii import normalise_id_number, normalise_phone
from casework.people.queries import unit_key
from casework.people.routing import route_owner

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


# -- the routing preview ---------------------------------------------------------------------


def routing_preview(
    uow: UnitOfWork,
    *,
    actor: Actor,
    category: str,
    employer_name: str | None = None,
    credit_code: str | None = None,
    org_unit_code: str | None = None,
    worker_count: int = 1,
) -> dict[str, Any]:
    """Where a call would be sent if filed now ("将派至 石牌街道总工会"), by the same routing the
    intake uses (服务下沉: the employer's chain down to the competent unit), without writing
    anything. ``unit`` is None when nothing is dispatched or the operator will dispatch by hand."""
    require(actor, "file_intake")
    if category not in CATEGORIES:
        return {"unit": None, "text_zh": "请选择来电类别"}
    if category in ANSWERED_ON_CALL:
        return {"unit": None, "text_zh": "在电话中直接答复，不派单（记录答复内容）"}
    if category == "complaint":
        return {"unit": None, "text_zh": "转被投诉工会的上一级工会办理"}
    name = normalise_name(employer_name or "")
    if not name:
        return {"unit": None, "text_zh": "填写用人单位后显示派单去向"}
    with uow:
        s = uow.session
        employer = None
        code = (credit_code or "").strip().upper()
        if code:
            employer = s.scalars(select(Employer).where(Employer.credit_code == code)).first()
        if employer is None:
            employer = s.scalars(
                select(Employer).where(Employer.name == name).order_by(Employer.id)
            ).first()
        placed = None
        if employer is None and org_unit_code:
            placed = s.scalars(select(OrgUnit).where(OrgUnit.code == org_unit_code)).first()
            if placed is not None and not actor.covers_path(placed.path):
                placed = None
        if employer is None and placed is None:
            return {"unit": None, "text_zh": "用人单位未登记：工单留在本单位，由话务员人工派单"}
        process = CATEGORIES[category]
        if process is None:  # 服务帮扶: to the employer's own union body
            unit = employer.org_unit if employer is not None else placed
        elif employer is not None:
            unit = route_owner(s, uow.settings, process, employer, max(worker_count, 1))
        else:
            # A new employer is registered where the operator placed it, without a union yet.
            probe = cast(Employer, SimpleNamespace(org_unit=placed, has_union=False))
            unit = route_owner(s, uow.settings, process, probe, max(worker_count, 1))
        return {"unit": unit_key(unit), "text_zh": f"将派至 {unit.name}"}
