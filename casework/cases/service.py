"""Writes on cases: open, fire a trigger, assign, link a child case, comment, reveal personal data.

Every function is keyword-only after the unit of work and is one use case in one transaction:
the state change, its event and the version bump commit together or not at all. Called inside
another service's transaction (an intake, a document, the sweep) it joins that transaction and
leaves the commit to it. Each finds the case (NotFound outside the actor's scope), checks the
caller's version (If-Match) first, then its own rules (:mod:`casework.cases.rules`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value
from transitions import MachineError

import workflows
from casework.cases.queries import case_for_step, visible_case
from casework.cases.rules import check_fire, desk_filter
from casework.clocks.service import on_state_change, restart_handling_clocks, sync_dated_clocks
from casework.core import signals
from casework.core.counters import next_in_sequence
from casework.core.db import lock_keys
from casework.core.errors import InvalidInput, NotFound, NotPermitted, TransitionNotAllowed
from casework.core.queries import get_or_404
from casework.core.text import valid_name
from casework.core.time import local_date, local_year
from casework.core.uow import UnitOfWork, check_version, commit_or_conflict
from casework.core.vocab import (
    CHANNELS,
    FIELDS_REVEALABLE,
    MAX_AMOUNT_TEXT,
    MAX_FILTER_NAME,
    MAX_PERSON_NAME,
    MAX_SAVED_FILTERS,
    MAX_TEXT,
    MAX_WORKERS,
    TIERS,
)
from casework.history import plain_json, record
from casework.models import (
    Case,
    CaseEvent,
    Employer,
    Escalation,
    OrgUnit,
    RefCounter,
    SavedFilter,
    User,
)
from casework.notices.service import notify_unit_supervisors, report_mass_incident
from casework.people.access import SYSTEM_ACTOR, Actor, require
from casework.people.routing import route_owner
from casework.people.service import copy_worker, find_or_create_employer, new_worker
from workflows.base import MERGE_TRIGGER
from workflows.fields import FieldError
from workflows.fields import date as date_field

MAX_AMOUNT = Decimal(MAX_AMOUNT_TEXT)
MAX_REPRESENTATIVES = 20
# A date a clock counts from, given when a case is opened (the receipt of the application).
RECORDED_DATE = date_field("received_on", "收到申请之日", "date the application was received")
# What a child case takes over from its parent when opened from it: the limitation date the
# legal-aid guard on early aid reads (法律援助法 第四十四条).
INHERITED = ("limitation_date",)


def next_ref(session: Session, prefix: str, year: int) -> str:
    """``PREFIX-YYYY-NNNNNN``, gap-free per prefix and year within committed transactions."""
    n = next_in_sequence(session, RefCounter, prefix=prefix, year=year)
    return f"{prefix}-{year}-{n:06d}"


@dataclass(frozen=True)
class WorkerInput:
    name: str
    id_number: str | None = None
    phone: str | None = None


def parse_amount(value: Any) -> Decimal | None:
    """Yuan as an exact Decimal with at most two places, from 0 to the column's maximum."""
    if value is None or value == "":
        return None
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise InvalidInput(
            "amount_claimed", "金额必须是数字（元）", "must be a number of yuan"
        ) from None
    if not amount.is_finite() or amount < 0 or amount > MAX_AMOUNT:
        raise InvalidInput(
            "amount_claimed",
            "金额必须是非负数且不超过上限",
            "must be between 0 and 999,999,999,999.99",
        )
    if amount != amount.quantize(Decimal("0.01")):
        raise InvalidInput("amount_claimed", "金额最多两位小数（分）", "at most two decimal places")
    return amount.quantize(Decimal("0.01"))


# -- opening ---------------------------------------------------------------------------------


def _check_opening(actor: Actor, wf_name: str, channel: str, complexity: str) -> None:
    if wf_name not in workflows.names():
        known = ", ".join(workflows.names())
        raise InvalidInput(
            "workflow", f"未知流程，可选：{known}", f"unknown workflow; one of {known}"
        )
    if channel not in CHANNELS:
        raise InvalidInput(
            "channel",
            f"渠道必须是 {', '.join(CHANNELS)} 之一",
            f"must be one of {', '.join(CHANNELS)}",
        )
    if complexity not in TIERS:
        raise InvalidInput(
            "complexity",
            f"复杂程度必须是 {', '.join(TIERS)} 之一",
            f"must be one of {', '.join(TIERS)}",
        )
    require(actor, "open_case")


def _worker_count(worker_count: int | None, listed: int) -> int:
    count = worker_count if worker_count is not None else max(listed, 1)
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= MAX_WORKERS:
        raise InvalidInput(
            "worker_count",
            "涉及人数必须是1到100000之间的整数",
            "must be a whole number from 1 to 100000",
        )
    if listed > count:
        raise InvalidInput(
            "worker_count",
            "涉及人数不能少于登记的职工人数",
            "must not be fewer than the workers listed",
        )
    return count


def _owner(
    s: Session,
    uow: UnitOfWork,
    actor: Actor,
    wf_name: str,
    org_unit_id: int | None,
    employer: Employer | None,
    count: int,
) -> tuple[OrgUnit, int | None]:
    """The unit that will own the case, and the origin to record when it differs from it."""
    if org_unit_id is None and employer is not None:
        # 服务下沉: the engine, not the client, picks the unit closest to the worker.
        owner = route_owner(s, uow.settings, wf_name, employer, count)
        if actor.covers_path(owner.path):
            return owner, None
        if actor.org_unit_id is not None and actor.org_path.startswith(owner.path):
            # Competence lies above the filing unit: the case rises to it, and the filing unit
            # (closer to the worker) stays its origin and keeps sight of it.
            return owner, actor.org_unit_id
        raise NotPermitted(
            "该用人单位属于其他地区工会，请转由其所属工会或12351热线受理",
            "the employer belongs to another part of the tree; "
            "file it there or through the hotline",
        )
    owner_id = org_unit_id if org_unit_id is not None else actor.org_unit_id
    if owner_id is None:
        raise InvalidInput("org_unit_id", "必须指定承办单位", "an owning unit is required")
    owner = get_or_404(s, OrgUnit, owner_id, "组织", "org unit")
    if not actor.covers_path(owner.path):
        raise NotPermitted(
            "只能在本单位及下级单位立案", "cases can only be opened in the actor's own subtree"
        )
    return owner, None


def _start_state(wf: workflows.Workflow, state: str | None) -> str:
    if state is None:
        return wf.initial
    if not isinstance(state, str) or not wf.may_start_in(state):
        starts = ", ".join((wf.initial, *wf.entries))
        raise InvalidInput(
            "state",
            f"“{wf.label_zh}”案件只能从以下状态开始：{starts}",
            f"a {wf.name} case may start in: {starts}",
        )
    return state


def _dated_at_opening(
    wf: workflows.Workflow, state: str, attrs: dict[str, Any], today: dt.date
) -> dict[str, Any]:
    """``attrs`` with the date each clock starting in ``state`` counts from: as given (a date,
    not in the future) or today."""
    for rule in wf.rules_starting_in(state):
        key = rule.starts_from
        if key is None:
            continue
        given = attrs.get(key)
        if given is None or given == "":
            attrs[key] = today.isoformat()
            continue
        try:
            day = RECORDED_DATE.parse(given)
        except FieldError as exc:
            raise InvalidInput(f"attributes.{key}", exc.reason_zh, exc.reason_en) from None
        if dt.date.fromisoformat(day) > today:
            raise InvalidInput(
                f"attributes.{key}",
                "该日期不能晚于今天",
                f"{key} must not be in the future",
            )
        attrs[key] = day
    return attrs


def open_case(
    uow: UnitOfWork,
    *,
    actor: Actor,
    workflow: str,
    org_unit_id: int | None = None,
    employer_id: int | None = None,
    employer: Mapping[str, Any] | None = None,
    workers: Iterable[WorkerInput] = (),
    worker_count: int | None = None,
    amount_claimed: Any = None,
    channel: str = "walk_in",
    summary: str = "",
    complexity: str = "normal",
    mass_incident: bool = False,
    attributes: Mapping[str, Any] | None = None,
    parent_id: int | None = None,
    origin_org_unit_id: int | None = None,
    state: str | None = None,
    now: dt.datetime | None = None,
) -> Case:
    """Open a case in ``workflow``, owned by ``org_unit_id``, or — with an employer and no
    unit — by the competent unit of the employer's chain (服务下沉). The employer is one on
    record (``employer_id``) or named by the caller (``employer``: ``name``, ``credit_code``,
    ``org_unit_code``), found by its credit code or name, else registered.

    The case starts in the workflow's initial state, or in ``state`` when that is one of the
    workflow's entry states (a dispute heard on the hotline waits for the application). A
    period the law counts from a recorded date (receipt of the application) that starts at
    opening counts from that date given in ``attributes`` (not in the future), else from today,
    which is then recorded."""
    _check_opening(actor, workflow, channel, complexity)
    wf = workflows.get(workflow)
    start = _start_state(wf, state)
    amount = parse_amount(amount_claimed)
    worker_list = list(workers)
    count = _worker_count(worker_count, len(worker_list))
    now = now or dt.datetime.now(dt.UTC)
    attrs = wf.derived(_dated_at_opening(wf, start, dict(attributes or {}), local_date(now)))

    with uow:
        s = uow.session
        emp = None
        if employer is not None:
            emp, _known = find_or_create_employer(
                uow,
                actor=actor,
                name=employer.get("name", ""),
                credit_code=employer.get("credit_code"),
                org_unit_code=employer.get("org_unit_code"),
            )
            employer_id = emp.id
        elif employer_id is not None:
            emp = get_or_404(s, Employer, employer_id, "用人单位", "employer")
        owner, rose_from = _owner(s, uow, actor, wf.name, org_unit_id, emp, count)
        # The unit the case starts at keeps read access wherever the case rises to.
        origin_id = origin_org_unit_id or rose_from or owner.id
        parent = None
        if parent_id is not None:
            parent = get_or_404(s, Case, parent_id, "上级案件", "case")
        people = []
        for i, w in enumerate(worker_list):
            try:
                people.append(
                    new_worker(uow.vault, name=w.name, id_number=w.id_number, phone=w.phone)
                )
            except InvalidInput as exc:  # name the worker: workers.2.id_number
                raise exc.at(f"workers.{i}.{exc.field}") from None
        case = Case(
            ref=next_ref(s, wf.prefix, local_year(now)),
            workflow=wf.name,
            state=start,
            org_unit_id=owner.id,
            origin_org_unit_id=origin_id,
            employer_id=employer_id,
            worker_count=count,
            amount_claimed=amount,
            channel=channel,
            summary=summary or "",
            complexity=complexity,
            collective=count >= uow.settings.collective_threshold,
            mass_incident=mass_incident,
            attributes=plain_json(attrs),
            parent_id=parent.id if parent else None,
            created_by_id=actor.user_id,
            created_at=now,
            updated_at=now,
        )
        case.workers = people
        # A new case has no clocks yet: the ones it starts join this list (clocks.hold_clock),
        # so a step fired on it in the same transaction does not read it back.
        set_committed_value(case, "open_clocks", [])
        s.add(case)
        s.flush()
        record(
            uow,
            case,
            "created",
            by=actor,
            to_state=case.state,
            data={
                "workflow": wf.name,
                "org_unit": owner.code,
                "channel": channel,
                "worker_count": count,
                "parent": parent.ref if parent else None,
                "routed": org_unit_id is None and emp is not None,
            },
            at=now,
        )
        case.org_unit = owner
        on_state_change(uow, case, None, case.state, entry_seq=case.event_seq, now=now)
        sync_dated_clocks(uow, case, entry_seq=case.event_seq, now=now)
        if mass_incident:
            report_mass_incident(uow, case, now=now)
        signals.emit(uow, signals.CASE_OPENED, employer_id=case.employer_id, at=now, case=case)
        commit_or_conflict(uow)
        return case


# -- firing triggers -------------------------------------------------------------------------


def fire(
    uow: UnitOfWork,
    *,
    case_id: int,
    trigger: str,
    actor: Actor,
    data: Mapping[str, Any] | None = None,
    comment: str | None = None,
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> Case:
    """Fire ``trigger`` on case ``case_id`` as ``actor``: the state moves, the recorded data is
    merged into the case's attributes, an event joins the history and the clocks follow."""
    data = dict(data or {})
    now = now or dt.datetime.now(dt.UTC)
    with uow:
        case = case_for_step(uow.session, actor, case_id)
        check_version(case, expected_version)
        t, data = check_fire(
            case,
            trigger,
            actor,
            data,
            guard_settings=uow.settings.guard_settings,
            today=local_date(now),
        )
        wf = workflows.get(case.workflow)
        source = case.state
        if t.moves_to and data.get(t.moves_to) is not None:  # 派单
            data["dispatched_from_id"] = case.org_unit_id
            _move(case, _move_target(uow.session, actor, case, t.moves_to, data[t.moves_to]), data)
        elif trigger in wf.returns:
            # 退单: back to the unit that sent it (the dispatcher's queue), counted by who returned.
            back = (case.attributes or {}).get("dispatched_from_id") or case.origin_org_unit_id
            data["returned_by"] = case.org_unit.code
            _move(case, get_or_404(uow.session, OrgUnit, back, "组织", "org unit"), data)
        try:
            wf.machine.events[trigger].trigger(case)
        except MachineError:  # pragma: no cover - check_fire() already checked the source
            raise TransitionNotAllowed(
                "当前状态下不能执行该操作", f"{trigger!r} is not valid from {source}"
            ) from None
        recorded = {k: data[k] for k in (*t.records, *ENGINE_RECORDS) if k in data}
        if recorded:
            case.attributes = plain_json(wf.derived({**(case.attributes or {}), **recorded}))
        closing = wf.is_terminal(case.state)
        if closing:
            case.closed_at = now
            # The inbox lists escalations of open cases first (one index, see the model). No
            # autoflush here: flushing the half-done case would bump its version twice.
            with uow.session.no_autoflush:
                uow.session.execute(
                    update(Escalation).where(Escalation.case_id == case.id).values(case_open=False)
                )
        payload: dict[str, Any] = {"data": data} if data else {}
        if comment:
            payload["comment"] = comment
        ev = record(
            uow,
            case,
            "transition",
            by=actor,
            from_state=source,
            to_state=case.state,
            trigger=trigger,
            data=payload,
            at=now,
        )
        on_state_change(uow, case, source, case.state, entry_seq=ev.seq, now=now)
        sync_dated_clocks(uow, case, entry_seq=ev.seq, now=now)
        if case.closed_at is not None and case.parent_id is not None:
            _report_back(uow, case, data, comment, now)
        follow_up = AFTER_FIRE.get((case.workflow, trigger))
        if follow_up is not None:
            follow_up(uow, case, actor, now)
        signals.emit(
            uow,
            signals.TRANSITION,
            employer_id=case.employer_id,
            at=now,
            case=case,
            detail=f"{case.workflow}.{trigger}",
        )
        if closing:
            signals.emit(uow, signals.CASE_CLOSED, employer_id=case.employer_id, at=now, case=case)
        commit_or_conflict(uow)
        return case


# What the engine itself adds to a step's data when the step moves the case (派单, 退单).
ENGINE_RECORDS = ("to_unit", "dispatched_from_id", "returned_by")


# What another slice does, in the same transaction, after a step of a workflow it owns: e.g. the
# hotline intake opens the case when a work order waiting for manual dispatch is dispatched.
# Registered by that slice at import (this slice cannot import it: the layers go one way).
AfterFire = Callable[[UnitOfWork, Case, Actor, dt.datetime], None]
AFTER_FIRE: dict[tuple[str, str], AfterFire] = {}


def _move(case: Case, unit: OrgUnit, data: dict[str, Any]) -> None:
    """The case is now held by ``unit`` (before the state moves, so its new clocks run there)."""
    case.org_unit_id = unit.id
    case.org_unit = unit
    data["to_unit"] = unit.code


def _move_target(s: Session, actor: Actor, case: Case, field: str, unit_id: int) -> OrgUnit:
    """The union body a step sends the case to: one in the actor's part of the tree, or, for a
    complaint about a union body, the level above the body complained about."""
    unit = s.get(OrgUnit, unit_id)
    if unit is None:
        raise InvalidInput(field, "该工会组织不存在", "no such org unit")
    if actor.covers_path(unit.path):
        return unit
    complained = (case.attributes or {}).get("complained_unit")
    if complained is not None:
        body = s.scalars(select(OrgUnit).where(OrgUnit.code == complained)).first()
        if body is not None and body.parent_id == unit.id:
            return unit
    raise InvalidInput(
        field,
        "只能派往本单位及下级单位（信访投诉可派往被投诉组织的上一级）",
        "a case can be dispatched only within the dispatcher's subtree "
        "(a complaint also to the level above the body complained about)",
    )


# What a closing step's data says about how it ended, in the order a reader wants it.
CLOSING_NOTES = ("outcome", "result", "reason", "award", "correction")
WORK_ORDER_WAITING = ("dispatched", "accepted")


def _report_back(
    uow: UnitOfWork,
    case: Case,
    data: Mapping[str, Any],
    comment: str | None,
    now: dt.datetime,
) -> None:
    """办理 → 反馈: a case a 12351 work order spawned has ended, so the order reports the outcome
    (the state's label and the closing note) by itself, in the same transaction."""
    order = uow.session.get(Case, case.parent_id)
    if order is None or order.workflow != "hotline" or order.state not in WORK_ORDER_WAITING:
        return
    note = next((str(data[k]) for k in CLOSING_NOTES if data.get(k)), comment or "")
    label = workflows.get(case.workflow).state(case.state).label_zh
    result = f"{case.ref} {label}" + (f"：{note}" if note else "")
    fire(
        uow,
        case_id=order.id,
        trigger="report_back",
        actor=SYSTEM_ACTOR,
        data={"result": result[:MAX_TEXT]},
        now=now,
    )


# -- assignment, links, comments, personal data ----------------------------------------------


def assign(
    uow: UnitOfWork,
    *,
    case_id: int,
    user_id: int,
    actor: Actor,
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> Case:
    """Assign the case to a caseworker or supervisor of the owning unit."""
    with uow:
        s = uow.session
        case = visible_case(s, actor, case_id)
        check_version(case, expected_version)
        require(actor, "assign", case)
        if workflows.get(case.workflow).is_terminal(case.state):
            raise TransitionNotAllowed(
                "已结案件不能再分派", "a closed case cannot be assigned", allowed=[]
            )
        user = s.get(User, user_id)
        if user is None or not user.is_active:
            raise NotFound("用户不存在", f"no active user {user_id}")
        if user.org_unit_id != case.org_unit_id or not (user.roles & {"caseworker", "supervisor"}):
            raise InvalidInput(
                "user_id",
                "只能分派给承办单位的办案人员",
                "the assignee must be a caseworker or supervisor of the owning unit",
            )
        previous = case.assignee.username if case.assignee else None
        case.assignee = user
        record(
            uow,
            case,
            "assigned",
            by=actor,
            data={"assignee": user.username, "previous": previous},
            at=now,
        )
        commit_or_conflict(uow)
        return case


def link(
    uow: UnitOfWork,
    *,
    parent_id: int,
    actor: Actor,
    workflow: str,
    summary: str = "",
    org_unit_id: int | None = None,
    attributes: Mapping[str, Any] | None = None,
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> Case:
    """Open a child case of ``parent_id`` in a process the parent's workflow spawns (e.g. the
    parallel 一函两书 supervision case of a wage-arrears case), held by the parent's unit unless
    ``org_unit_id`` says otherwise; the parent's history records the link."""
    with uow:
        s = uow.session
        parent = visible_case(s, actor, parent_id)
        check_version(parent, expected_version)
        require(actor, "link", parent)
        pwf = workflows.get(parent.workflow)
        if workflow not in pwf.spawns:
            allowed = "、".join(workflows.get(w).label_zh for w in pwf.spawns) or "无"
            raise InvalidInput(
                "workflow",
                f"“{pwf.label_zh}”案件只能派生：{allowed}",
                f"a {pwf.name} case may spawn: {', '.join(pwf.spawns) or 'nothing'}",
            )
        inherited = {k: v for k, v in (parent.attributes or {}).items() if k in INHERITED}
        child = open_case(
            uow,
            actor=actor,
            workflow=workflow,
            org_unit_id=org_unit_id if org_unit_id is not None else parent.org_unit_id,
            employer_id=parent.employer_id,
            worker_count=parent.worker_count,
            amount_claimed=parent.amount_claimed,
            channel="referral",
            summary=summary or parent.summary,
            complexity=parent.complexity,
            attributes={**inherited, **dict(attributes or {})},
            parent_id=parent.id,
            origin_org_unit_id=parent.origin_org_unit_id,
            now=now,
        )
        child.workers = [copy_worker(w) for w in parent.workers]
        record(
            uow, parent, "linked", by=actor, data={"child": child.ref, "workflow": workflow}, at=now
        )
        commit_or_conflict(uow)
        return child


def merge(
    uow: UnitOfWork,
    *,
    case_id: int,
    other_id: int,
    actor: Actor,
    representatives: Iterable[str] = (),
    now: dt.datetime | None = None,
) -> Case:
    """并案: ``other_id`` (another open case of the same process about the same employer, e.g. a
    co-worker's call) is merged into ``case_id``. Its workers join this case (each person once),
    it ends in ``merged`` with its clocks, and this case counts everyone. A case that reaches the
    collective threshold becomes collective (劳动争议调解仲裁法 第七条: the workers may choose
    representatives, recorded here) and, where collective disputes start one level higher, rises
    to the unit competent for it."""
    now = now or dt.datetime.now(dt.UTC)
    names = [str(n).strip() for n in representatives if str(n).strip()]
    if len(names) > MAX_REPRESENTATIVES or any(len(n) > MAX_PERSON_NAME for n in names):
        raise InvalidInput(
            "representatives",
            f"代表最多{MAX_REPRESENTATIVES}人，每人姓名不超过{MAX_PERSON_NAME}字",
            f"at most {MAX_REPRESENTATIVES} names of at most {MAX_PERSON_NAME} characters",
        )
    with uow:
        s = uow.session
        case = visible_case(s, actor, case_id)
        require(actor, "merge", case)
        if case_id == other_id:
            raise InvalidInput("case_id", "不能与本案合并", "a case cannot be merged into itself")
        other = visible_case(s, actor, other_id)
        require(actor, "merge", other)
        wf = workflows.get(case.workflow)
        if not wf.mergeable or other.workflow != case.workflow:
            raise InvalidInput(
                "case_id", "只能合并同一流程的案件", "only cases of the same process merge"
            )
        if case.employer_id is None or other.employer_id != case.employer_id:
            raise InvalidInput(
                "case_id", "只能合并同一用人单位的案件", "only cases about one employer merge"
            )
        if case.closed_at is not None or other.closed_at is not None:
            raise TransitionNotAllowed(
                "已结案件不能合并", "a closed case cannot be merged", allowed=[], state=other.state
            )
        known = {w.id_number_index or w.phone_index for w in case.workers}
        joining = [w for w in other.workers if (w.id_number_index or w.phone_index) not in known]
        case.workers = [*case.workers, *(copy_worker(w) for w in joining)]
        shared = len(other.workers) - len(joining)
        case.worker_count = min(case.worker_count + other.worker_count - shared, MAX_WORKERS)
        if other.amount_claimed is not None:
            case.amount_claimed = (case.amount_claimed or Decimal(0)) + other.amount_claimed
        fire(
            uow,
            case_id=other.id,
            trigger=MERGE_TRIGGER,
            actor=SYSTEM_ACTOR,
            data={"merged_into": case.ref},
            now=now,
        )
        became_collective = not case.collective and (
            case.worker_count >= uow.settings.collective_threshold
        )
        if became_collective:
            case.collective = True
        if names:
            case.attributes = {**(case.attributes or {}), "representatives": names}
        ev = record(
            uow,
            case,
            "merged",
            by=actor,
            data={
                "from": other.ref,
                "workers_added": len(joining),
                "worker_count": case.worker_count,
                "collective": case.collective,
                "representatives": names,
            },
            at=now,
        )
        if became_collective:
            _rise_for_collective(uow, case, entry_seq=ev.seq, now=now)
        signals.emit(uow, signals.CASE_MERGED, employer_id=case.employer_id, at=now, case=case)
        commit_or_conflict(uow)
        return case


def _rise_for_collective(uow: UnitOfWork, case: Case, *, entry_seq: int, now: dt.datetime) -> None:
    """A case that has become collective moves up to the unit competent for a collective dispute
    of its process, when that is above its holder (its handling clocks start again there)."""
    s = uow.session
    employer = s.get(Employer, case.employer_id)
    competent = route_owner(s, uow.settings, case.workflow, employer, case.worker_count)
    holder = case.org_unit
    if competent.id == holder.id or not holder.path.startswith(competent.path):
        return
    case.org_unit_id = competent.id
    case.org_unit = competent
    record(
        uow,
        case,
        "routed_up",
        data={"from_unit": holder.code, "to_unit": competent.code, "reason": "collective"},
        at=now,
    )
    restart_handling_clocks(uow, case, entry_seq=entry_seq, now=now)
    notify_unit_supervisors(
        s,
        competent,
        case,
        kind="collective_case",
        title=f"集体争议上提：{case.ref}",
        body=f"{case.ref} 合并后涉及{case.worker_count}人，已成为集体争议，"
        f"由{holder.name}上提至本级办理。",
        key=f"collective:{case.id}",
        data={"case_ref": case.ref},
    )


def comment(
    uow: UnitOfWork,
    *,
    case_id: int,
    text: str,
    actor: Actor,
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> CaseEvent:
    """Add a comment to the case history; returns the event."""
    with uow:
        s = uow.session
        case = visible_case(s, actor, case_id)
        check_version(case, expected_version)
        text = (text or "").strip()
        if not text:
            raise InvalidInput("text", "备注内容不能为空", "must not be empty")
        if len(text) > MAX_TEXT:
            raise InvalidInput("text", "备注不超过10000字", "at most 10000 characters")
        require(actor, "comment", case)
        ev = record(uow, case, "comment", by=actor, data={"text": text}, at=now)
        commit_or_conflict(uow)
        return ev


def reveal(
    uow: UnitOfWork,
    *,
    case_id: int,
    person_id: int,
    field: str,
    reason: str,
    actor: Actor,
    now: dt.datetime | None = None,
) -> str:
    """The clear ID number or phone of a worker on the case, for a caseworker or supervisor acting
    on it, with a stated reason; who, what and why go into the case history (never the value)."""
    if field not in FIELDS_REVEALABLE:
        raise InvalidInput("field", "只能查看 id_number 或 phone", "must be id_number or phone")
    reason = (reason or "").strip()
    if len(reason) < 2:
        raise InvalidInput("reason", "请说明查看原因", "a reason is required")
    with uow:
        s = uow.session
        case = visible_case(s, actor, case_id)
        require(actor, "reveal_pii", case)
        person = next((p for p in case.workers if p.id == person_id), None)
        if person is None:
            raise NotFound("本案没有该职工", f"no worker {person_id} on this case")
        token = person.id_number_enc if field == "id_number" else person.phone_enc
        if token is None:
            raise NotFound("该职工未登记此项信息", f"no {field} recorded for this worker")
        value = uow.vault.decrypt(token)
        record(
            uow,
            case,
            "pii_revealed",
            by=actor,
            data={"person_id": person.id, "field": field, "reason": reason[:500]},
            at=now,
        )
        commit_or_conflict(uow)
        return value


# -- saved desk filters ------------------------------------------------------------------------


def save_filter(uow: UnitOfWork, *, actor: Actor, name: str, params: dict[str, Any]) -> SavedFilter:
    """Save the desk's current filter under a name of the user's (the same name replaces it);
    at most MAX_SAVED_FILTERS per user."""
    if actor.user_id is None:
        raise NotPermitted("只有用户可以保存筛选", "only a user saves filters")
    label = valid_name(name, field="name", max_len=MAX_FILTER_NAME)
    stored = desk_filter(params)
    with uow:
        s = uow.session
        lock_keys(s, f"saved-filters:{actor.user_id}")
        mine = s.scalars(select(SavedFilter).where(SavedFilter.user_id == actor.user_id)).all()
        row = next((f for f in mine if f.name == label), None)
        if row is None:
            if len(mine) >= MAX_SAVED_FILTERS:
                raise InvalidInput(
                    "name",
                    f"最多保存{MAX_SAVED_FILTERS}个筛选，请先删除不用的",
                    f"at most {MAX_SAVED_FILTERS} saved filters",
                )
            row = SavedFilter(user_id=actor.user_id, name=label, params=stored)
            s.add(row)
        else:
            row.params = stored
        commit_or_conflict(uow)
        return row


def delete_filter(uow: UnitOfWork, *, actor: Actor, filter_id: int) -> None:
    """Delete one of the user's saved filters (another user's is not found)."""
    with uow:
        s = uow.session
        row = s.get(SavedFilter, filter_id)
        if row is None or row.user_id != actor.user_id:
            raise NotFound("筛选不存在", f"no saved filter {filter_id}")
        s.delete(row)
        commit_or_conflict(uow)
