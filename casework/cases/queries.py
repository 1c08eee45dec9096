"""Reads on cases and their plain JSON-ready views (a fixed number of statements per page)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import bindparam, literal, or_, select, tuple_
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import Session, joinedload, lazyload
from sqlalchemy.orm.util import identity_key

import workflows
from casework.cases.rules import allowed_triggers, desk_filter
from casework.clocks.calendar import hold_revision
from casework.clocks.queries import active_clocks, badges, clock_view
from casework.core.errors import InvalidInput, NotFound
from casework.core.queries import (
    KeysetPage,
    Page,
    bounds,
    capped_count,
    decode_cursor,
    encode_cursor,
    get_or_404,
)
from casework.core.time import iso, local_date, money
from casework.core.uow import UnitOfWork
from casework.core.vocab import AGENCY_KINDS, CATEGORIES
from casework.models import (
    CalendarMeta,
    Case,
    CaseEvent,
    Employer,
    OrgUnit,
    Referral,
    SavedFilter,
    User,
)
from casework.people.access import Actor, visible_cases
from casework.people.queries import employer_view, unit_ref, user_ref, worker_view

RELATED_LIMIT = 50

# -- loading ---------------------------------------------------------------------------------


def visible_case(session: Session, actor: Actor, case_id: int) -> Case:
    """The case if ``actor`` may see it; otherwise NotFound (never reveal that it exists)."""
    return get_or_404(session, Case, case_id, "案件", "case", visible=actor.can_see)


# Built once (its cache key too): every step and every case detail runs it.
_CASE_FOR_STEP = (
    select(Case, select(CalendarMeta.revision).where(CalendarMeta.id == 1).scalar_subquery())
    .where(Case.id == bindparam("case_id"))
    .options(joinedload(Case.workers), joinedload(Case.open_clocks))
)


def case_for_step(session: Session, actor: Actor, case_id: int) -> Case:
    """The case as a step needs it, in one statement: its units, assignee and employer, its
    workers and its open clocks (for the answer and the clocks the step stops), and the
    calendar's revision (so the cached working-day calendar is checked without a statement of
    its own). The collections are joined, so the rows are workers × open clocks: a handful for
    a case, a few thousand narrow rows for a collective case of hundreds of workers. NotFound
    when ``actor`` may not see it."""
    held = session.identity_map.get(identity_key(Case, case_id))
    if held is not None and {"workers", "open_clocks", "version"} <= sa_inspect(held).dict.keys():
        # Read earlier in this request (the step its answer follows): served as it is held.
        if not actor.can_see(held):
            raise NotFound("案件不存在", f"no case {case_id!r}")
        return held
    with session.no_autoflush:
        row = session.execute(_CASE_FOR_STEP, {"case_id": case_id}).unique().first()
    if row is None or not actor.can_see(row[0]):
        raise NotFound("案件不存在", f"no case {case_id!r}")
    hold_revision(session, row[1])
    return row[0]


def case_by_ref(session: Session, ref: str) -> Case:
    case = session.scalars(select(Case).where(Case.ref == ref)).first()
    if case is None:
        raise NotFound("案件不存在", f"no case {ref!r}")
    return case


# -- views -----------------------------------------------------------------------------------


def case_ref(case: Case) -> dict[str, Any]:
    """A case in brief, as other resources embed it."""
    return {
        "id": case.id,
        "ref": case.ref,
        "workflow": case.workflow,
        "state": case.state,
        "state_label_zh": workflows.get(case.workflow).state(case.state).label_zh,
        "org_unit": unit_ref(case.org_unit),
    }


def case_summary(case: Case, *, now: dt.datetime) -> dict[str, Any]:
    """What a list row needs: no lazy loads beyond the joined units, assignee and employer."""
    wf = workflows.get(case.workflow)
    return {
        "id": case.id,
        "ref": case.ref,
        "workflow": case.workflow,
        "workflow_label_zh": wf.label_zh,
        "state": case.state,
        "state_label_zh": wf.state(case.state).label_zh,
        "org_unit": unit_ref(case.org_unit),
        "origin_org_unit": unit_ref(case.origin_org_unit),
        "escalation_level": case.escalation_level,
        "assignee": user_ref(case.assignee),
        "employer_name": case.employer.name if case.employer else None,
        "worker_count": case.worker_count,
        "next_due_at": iso(case.next_due_at),
        "overdue": case.closed_at is None
        and case.next_due_at is not None
        and case.next_due_at < now,
        "version": case.version,
        "created_at": iso(case.created_at),
        "updated_at": iso(case.updated_at),
        "closed_at": iso(case.closed_at),
    }


def referred_by(session: Session, case: Case) -> dict[str, Any] | None:
    """Who referred the case to the union (its inbound ledger entry), for a case that came by
    referral; None otherwise (no statement is spent on other cases)."""
    if case.channel != "referral":
        return None
    r = session.scalars(
        select(Referral)
        .where(Referral.case_id == case.id, Referral.direction == "inbound")
        .order_by(Referral.id)
        .limit(1)
    ).first()
    if r is None:
        return None
    return {
        "referral_id": r.id,
        "agency_kind": r.agency_kind,
        "agency_kind_label_zh": AGENCY_KINDS[r.agency_kind],
        "agency_name": r.agency_name,
        "reference": r.agency_ref,
        "received_on": iso(r.received_on),
    }


def case_detail_view(uow: UnitOfWork, case: Case, actor: Actor, now: dt.datetime) -> dict[str, Any]:
    """The whole case as the caller may act on it (inside an open unit of work)."""
    wf = workflows.get(case.workflow)
    state = wf.state(case.state)
    options = allowed_triggers(
        case, actor, guard_settings=uow.settings.guard_settings, today=local_date(now)
    )
    return {
        **case_summary(case, now=now),
        "state_label_en": state.label_en,
        "terminal": state.terminal,
        "employer": employer_view(case.employer),
        "workers": [worker_view(p) for p in case.workers],
        "amount_claimed": money(case.amount_claimed),
        "channel": case.channel,
        "complexity": case.complexity,
        "collective": case.collective,
        "mass_incident": case.mass_incident,
        "summary": case.summary,
        "attributes": case.attributes or {},
        "parent_id": case.parent_id,
        "referred_by": referred_by(uow.session, case),
        "deadlines": [clock_view(case, d) for d in active_clocks(uow.session, case.id)],
        "allowed_triggers": [
            {
                "trigger": o.trigger,
                "label_zh": o.label_zh,
                "label_en": o.label_en,
                "dest": o.dest,
                "requires": list(o.requires),
                "records": list(o.records),
                "fields": [f.to_dict() for f in o.fields],
                "available": o.available,
                "blocked_reason_zh": o.blocked_zh,
                "blocked_reason_en": o.blocked_en,
            }
            for o in options
        ],
    }


def event_view(ev: CaseEvent) -> dict[str, Any]:
    return {
        "seq": ev.seq,
        "at": iso(ev.at),
        "actor": ev.actor,
        "kind": ev.kind,
        "from_state": ev.from_state,
        "to_state": ev.to_state,
        "trigger": ev.trigger,
        "data": ev.data or {},
        "prev_hash": ev.prev_hash,
        "hash": ev.hash,
    }


# -- queries ---------------------------------------------------------------------------------


def case_detail(
    uow: UnitOfWork, *, actor: Actor, case_id: int, now: dt.datetime | None = None
) -> dict[str, Any]:
    """The case, its running deadlines and what the caller may do next."""
    now = now or dt.datetime.now(dt.UTC)
    with uow:
        return case_detail_view(uow, case_for_step(uow.session, actor, case_id), actor, now)


def related_calls(uow: UnitOfWork, *, actor: Actor, case_id: int, days: int = 30) -> dict[str, Any]:
    """Calls and cases about the same employer and matter within the related-call window
    (``CASEWORK_RELATED_CALL_DAYS``, 30) of this case, other
    than its own: co-workers' work orders and the open cases of the same process that could be
    merged into this one (``mergeable``). Only what the actor may see."""
    with uow:
        s = uow.session
        case = visible_case(s, actor, case_id)
        if case.employer_id is None or case.workflow == "hotline":
            return {"items": [], "total": 0}
        categories = [c for c, process in CATEGORIES.items() if process == case.workflow]
        window = dt.timedelta(days=uow.settings.related_call_days)
        rows = (
            s.scalars(
                select(Case)
                .options(joinedload(Case.org_unit))
                .where(
                    Case.employer_id == case.employer_id,
                    Case.id != case.id,
                    Case.workflow.in_((case.workflow, "hotline")),
                    Case.created_at >= case.created_at - window,
                    Case.created_at <= case.created_at + window,
                    visible_cases(actor),
                )
                .order_by(Case.created_at.desc(), Case.id.desc())
                .limit(RELATED_LIMIT)
            )
            .unique()
            .all()
        )
        items = []
        for other in rows:
            if other.workflow == "hotline" and (
                other.id == case.parent_id
                or (other.attributes or {}).get("category") not in categories
            ):
                continue
            items.append(
                {
                    **case_ref(other),
                    "state_label_zh": workflows.get(other.workflow).state(other.state).label_zh,
                    "worker_count": other.worker_count,
                    "created_at": iso(other.created_at),
                    "mergeable": other.workflow == case.workflow
                    and other.closed_at is None
                    and case.closed_at is None,
                }
            )
    return {"items": items, "total": len(items)}


def case_after_write(
    uow: UnitOfWork, *, actor: Actor, case_id: int, now: dt.datetime | None = None
) -> dict[str, Any]:
    """The case as the actor's own write just left it: also when that write took it out of
    their sight (a 退单 sends a work order back to the unit that dispatched it). Nothing is
    then left for them to do on it (``allowed_triggers`` is empty)."""
    now = now or dt.datetime.now(dt.UTC)
    with uow:
        case = get_or_404(uow.session, Case, case_id, "案件", "case")
        return case_detail_view(uow, case, actor, now)


# What a list row shows of a case's relations: the units, the assignee and the employer's name,
# joined for the rows of the page only (never the units' parents or the assignee's roles).
LIST_LOAD = (
    joinedload(Case.org_unit).lazyload(OrgUnit.parent),
    joinedload(Case.origin_org_unit).lazyload(OrgUnit.parent),
    joinedload(Case.assignee).options(lazyload(User.org_unit), lazyload(User.role_rows)),
    joinedload(Case.employer).lazyload(Employer.org_unit),
)


def cases(
    uow: UnitOfWork,
    *,
    actor: Actor,
    workflow: str | None = None,
    state: str | None = None,
    org_unit_id: int | None = None,
    overdue: bool | None = None,
    assignee_id: int | None = None,
    q: str | None = None,
    open_only: bool = False,
    with_badges: bool = False,
    page: int = 1,
    per_page: int = 20,
    cursor: str | None = None,
    now: dt.datetime | None = None,
) -> KeysetPage:
    """Cases the caller may see (held or started in their subtree), newest first; overdue ones
    (``overdue=True``) most overdue first. Paged by ``page`` or by the ``cursor`` a page names
    (keyset: a page costs the same however deep); the total is counted up to TOTAL_CAP.
    ``open_only`` leaves closed cases out; ``with_badges`` adds each row's nearest clock as a
    ``badge`` (the desks' 红/黄/绿), in one more statement."""
    now = now or dt.datetime.now(dt.UTC)
    conds: list[Any] = [visible_cases(actor)]
    if open_only:
        conds.append(Case.closed_at.is_(None))
    if workflow:
        if workflow not in workflows.names():
            known = ", ".join(workflows.names())
            raise InvalidInput("workflow", f"未知流程，可选：{known}", f"one of {known}")
        conds.append(Case.workflow == workflow)
    if state:
        conds.append(Case.state == state)
    if org_unit_id is not None:
        conds.append(Case.org_unit_id == org_unit_id)
    if overdue is True:
        conds += [Case.closed_at.is_(None), Case.next_due_at < now]
    elif overdue is False:
        conds.append(
            or_(Case.closed_at.is_not(None), Case.next_due_at.is_(None), Case.next_due_at >= now)
        )
    if assignee_id is not None:
        conds.append(Case.assignee_id == assignee_id)
    if q:
        q = q.strip()
        employer_ids = select(Employer.id).where(Employer.name.contains(q, autoescape=True))
        conds.append(
            or_(Case.ref.contains(q.upper(), autoescape=True), Case.employer_id.in_(employer_ids))
        )
    # The sort key: (next_due_at, id) ascending for the overdue list (ix_cases_open_next_due_at),
    # (created_at, id) descending otherwise (ix_cases_created_at_id).
    due_first = overdue is True
    first = Case.next_due_at if due_first else Case.created_at
    key = tuple_(first, Case.id)
    page, per_page = bounds(page, per_page)
    ids = select(Case.id).where(*conds)
    with uow:
        s = uow.session
        total, exact = capped_count(s, ids)
        offset = (page - 1) * per_page
        if cursor is not None:
            when, last_id = decode_cursor(cursor, (dt.datetime, int))
            after = tuple_(literal(when, first.type), literal(last_id))
            ids = ids.where(key > after if due_first else key < after)
            offset = 0
        order = (first, Case.id) if due_first else (first.desc(), Case.id.desc())
        wanted = ids.order_by(*order).limit(per_page + 1).offset(offset)
        # The page's ids first (from the index), then those rows with their joins.
        rows = s.scalars(select(Case).options(*LIST_LOAD).where(Case.id.in_(wanted))).all()
        rows = sorted(
            rows,
            key=lambda c: (getattr(c, first.key), c.id),
            reverse=not due_first,
        )
        more = len(rows) > per_page
        rows = rows[:per_page]
        items = [case_summary(c, now=now) for c in rows]
        if with_badges:
            found = badges(s, [i["id"] for i in items], now)
            for item in items:
                item["badge"] = found.get(item["id"])
        return KeysetPage(
            items,
            page,
            per_page,
            total,
            total_exact=exact,
            next_cursor=encode_cursor([getattr(rows[-1], first.key), rows[-1].id])
            if more
            else None,
        )


def events(
    uow: UnitOfWork, *, actor: Actor, case_id: int, page: int = 1, per_page: int = 100
) -> Page:
    """The history, oldest first."""
    with uow:
        case = visible_case(uow.session, actor, case_id)
        page, per_page = bounds(page, per_page)
        rows = uow.session.scalars(
            select(CaseEvent)
            .where(CaseEvent.case_id == case.id)
            .order_by(CaseEvent.seq)
            .limit(per_page)
            .offset((page - 1) * per_page)
        )
        return Page([event_view(e) for e in rows], page, per_page, case.event_seq)


def event(uow: UnitOfWork, *, actor: Actor, case_id: int, seq: int) -> tuple[dict[str, Any], int]:
    """One event of the history, and the case's version now (its ETag)."""
    with uow:
        case = visible_case(uow.session, actor, case_id)
        ev = uow.session.scalars(
            select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.seq == seq)
        ).one()
        return event_view(ev), case.version


def saved_filters(uow: UnitOfWork, *, actor: Actor) -> list[dict[str, Any]]:
    """The user's saved desk filters, by name."""
    with uow:
        rows = uow.session.scalars(
            select(SavedFilter)
            .where(SavedFilter.user_id == actor.user_id)
            .order_by(SavedFilter.name, SavedFilter.id)
        )
        return [{"id": f.id, "name": f.name, "params": dict(f.params or {})} for f in rows]


def desk(
    uow: UnitOfWork,
    *,
    actor: Actor,
    scope: str = "mine",
    workflow: str | None = None,
    overdue: bool | None = None,
    q: str | None = None,
    page: int = 1,
    per_page: int = 20,
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    """A caseworker's desk: the open cases of ``scope`` (assigned to me, my unit's queue, or all
    I may see) with their deadline badges, and the work orders sent to my unit that wait to be
    signed for (签收) or returned (退单)."""
    desk_filter({"scope": scope})
    now = now or dt.datetime.now(dt.UTC)
    mine = scope == "mine"
    with uow:
        listed = cases(
            uow,
            actor=actor,
            workflow=workflow,
            overdue=overdue,
            q=q,
            assignee_id=actor.user_id if mine else None,
            org_unit_id=actor.org_unit_id if scope == "unit" else None,
            open_only=True,
            with_badges=True,
            page=page,
            per_page=per_page,
            now=now,
        )
        waiting = cases(
            uow,
            actor=actor,
            workflow="hotline",
            state="dispatched",
            org_unit_id=actor.org_unit_id,
            with_badges=True,
            per_page=50,
            now=now,
        )
        filters = saved_filters(uow, actor=actor)
    return {"cases": listed.as_dict(), "waiting_orders": waiting.as_dict(), "filters": filters}
