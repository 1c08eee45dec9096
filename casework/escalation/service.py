"""Lifting cases up (上代下).

- :func:`lift_one_level` — the parent union takes the case over; at the ceiling level (setting,
  default ``city``) the case stays and its supervisors are told instead. When the case waits for
  an act only a higher level may do (a 建议书 needs a county federation), the lift goes straight
  to the lowest ancestor competent for it (:func:`competent_level`), not one level at a time;
- :func:`request_escalation` — the unit holding the case asks to be relieved, with a reason;
- :func:`take_over` — a supervisor takes a case from a unit below into their own unit;
- :func:`record_mass_incident_report` — the same-day report of a mass incident to the Party
  committee and government at the unit's own level is recorded (the parent and grandparent were
  told when the case opened: :func:`casework.notices.service.report_mass_incident`).
- :func:`urge` — 催办: the dispatcher reminds the holding unit (a notice, no state change);
- :func:`request_extension` / :func:`decide_extension` — 延期申请: the holder asks the dispatching
  level for more time on a clock, and a supervisor there approves (the clock moves) or refuses.
Supervisors are told through their inbox, and through the webhook outbox when one is configured.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

import workflows
from casework.cases.queries import visible_case
from casework.clocks.calendar import load_calendar
from casework.clocks.service import (
    case_and_clock,
    discharge_case_clock,
    extend_clock,
    restart_handling_clocks,
    restarted_handling_clocks,
)
from casework.core.db import insert_new
from casework.core.errors import (
    Conflict,
    GuardRefused,
    InvalidInput,
    NotFound,
    NotPermitted,
    TransitionNotAllowed,
)
from casework.core.queries import get_or_404
from casework.core.time import local_date, utcnow
from casework.core.uow import UnitOfWork, check_version, commit_or_conflict
from casework.core.vocab import (
    ACTIVE_CLOCK_STATUSES,
    ESCALATION_REASONS,
    LEVEL_LABELS_ZH,
    MANUAL_ESCALATION_REASONS,
    MAX_ADDRESSEE,
    MAX_TEXT,
)
from casework.history import Chain, plain_json, record
from casework.models import (
    Case,
    CaseEvent,
    Deadline,
    Escalation,
    Notification,
    OrgUnit,
    OutboxMessage,
)
from casework.notices.outbox import enqueue_webhook, webhook_row
from casework.notices.service import notice_rows, notify_unit_supervisors, supervisors_by_unit
from casework.people.access import Actor, require
from casework.people.pii import has_personal_data
from workflows.base import MASS_INCIDENT_REPORT, OFFICER_APPROVAL, level_rank


def competent_level(case: Case) -> str | None:
    """The lowest org level competent for the next act of ``case`` when its unit is not: the
    lowest ``min_level`` of the transitions out of its state that the holding unit's level is
    below (None when the holder may do every act open to it)."""
    wf = workflows.get(case.workflow)
    held = level_rank(case.org_unit.level)
    gates = [
        t.min_level
        for t in wf.transitions_from(case.state)
        if t.min_level is not None and level_rank(t.min_level) > held
    ]
    return min(gates, key=level_rank, default=None)


def _target(unit: OrgUnit, to_level: str | None) -> OrgUnit | None:
    """The parent, or the nearest ancestor at ``to_level`` or above (None: no such unit)."""
    parent = unit.parent
    if to_level is None:
        return parent
    while parent is not None and level_rank(parent.level) < level_rank(to_level):
        if parent.parent is None:
            return parent
        parent = parent.parent
    return parent


def _lift_plan(uow: UnitOfWork, case: Case, to_level: str | None) -> tuple[OrgUnit, OrgUnit, bool]:
    """The unit holding the case, the unit that takes it over (itself at the ceiling), and
    whether the ceiling (setting ``escalation_ceiling``) stops the lift."""
    unit = case.org_unit
    parent = _target(unit, to_level)
    ceiling = level_rank(uow.settings.escalation_ceiling)
    at_ceiling = (
        parent is None or level_rank(unit.level) >= ceiling or level_rank(parent.level) > ceiling
    )
    return unit, (unit if at_ceiling or parent is None else parent), at_ceiling


def _ceiling_event(reason: str, comment: str, unit: OrgUnit) -> dict[str, Any]:
    return {"reason": reason, "comment": comment, "unit": unit.code, "level": unit.level}


def _lift_event(
    reason: str, comment: str, unit: OrgUnit, parent: OrgUnit, level: int
) -> dict[str, Any]:
    return {
        "reason": reason,
        "comment": comment,
        "from_unit": unit.code,
        "to_unit": parent.code,
        "from_level": unit.level,
        "to_level": parent.level,
        "escalation_level": level,
    }


def _lift_notice(
    case: Case, unit: OrgUnit, target: OrgUnit, reason: str, at_ceiling: bool
) -> dict[str, Any]:
    """The notice to the supervisors of the unit that takes the case over (or, at the ceiling,
    of the unit that keeps it)."""
    reason_zh = ESCALATION_REASONS[reason]
    if at_ceiling:
        return {
            "kind": "escalation",
            "title": f"案件 {case.ref} 需要督办（已到最高上提层级）",
            "body": f"{reason_zh}。案件已由{LEVEL_LABELS_ZH[unit.level]}（{unit.name}）承办，"
            "不再上提，请督办。",
            "key": f"esc:{case.id}:{unit.id}",
            "data": {"case_ref": case.ref, "reason": reason, "at_ceiling": True},
        }
    return {
        "kind": "escalation",
        "title": f"案件 {case.ref} 已上提至本级办理",
        "body": f"{unit.name}：{reason_zh}。依“维权上提一级”，案件由{target.name}承办。",
        "key": f"esc:{case.id}:{target.id}",
        "data": {"case_ref": case.ref, "reason": reason, "from_unit": unit.code},
    }


def _webhook(
    case: Case, reason: str, unit: OrgUnit, target: OrgUnit, at_ceiling: bool
) -> dict[str, Any]:
    return {
        "case_ref": case.ref,
        "workflow": case.workflow,
        "reason": reason,
        "from_unit": unit.code,
        "to_unit": target.code,
        "at_ceiling": at_ceiling,
    }


def lift_one_level(
    uow: UnitOfWork,
    case: Case,
    *,
    reason: str,
    actor: Actor,
    comment: str = "",
    entry_seq: int | None = None,
    now: dt.datetime | None = None,
    to_level: str | None = None,
) -> Escalation:
    """The parent unit takes the case over; at the ceiling it stays and its supervisors are told.
    Runs inside the caller's transaction (a request, a take-over, the sweep). With ``to_level``
    the lift goes straight to the nearest ancestor of that level or above (within the ceiling).

    Recorded once per (case, state entry, level): a second attempt raises :class:`Conflict`.
    """
    s = uow.session
    now = now or dt.datetime.now(dt.UTC)
    if reason not in ESCALATION_REASONS:
        raise InvalidInput(
            "reason",
            f"理由必须是 {', '.join(ESCALATION_REASONS)} 之一",
            f"reason must be one of {', '.join(ESCALATION_REASONS)}",
        )
    unit, target, at_ceiling = _lift_plan(uow, case, to_level)
    entry = entry_seq if entry_seq is not None else case.event_seq
    esc = Escalation(
        case_id=case.id,
        entry_seq=entry,
        from_unit_id=unit.id,
        to_unit_id=target.id,
        from_level=case.escalation_level,
        reason=reason,
        comment=comment or "",
        at_ceiling=at_ceiling,
        actor=actor.username,
        created_at=now,
        case_open=case.closed_at is None,
    )
    try:
        with s.begin_nested():
            s.add(esc)
            s.flush()
    except IntegrityError:
        raise Conflict(
            "该案件在此环节已经上提过",
            "this case was already escalated for this step at this level",
        ) from None
    notice = _lift_notice(case, unit, target, reason, at_ceiling)
    if at_ceiling:
        record(
            uow,
            case,
            "escalation_at_ceiling",
            by=actor,
            data=_ceiling_event(reason, comment, unit),
            at=now,
        )
        notify_unit_supervisors(s, unit, case, **notice)
    else:
        case.org_unit_id = target.id
        case.org_unit = target
        case.escalation_level += max(unit.depth - target.depth, 1)
        case.assignee_id = None
        ev = record(
            uow,
            case,
            "escalated",
            by=actor,
            data=_lift_event(reason, comment, unit, target, case.escalation_level),
            at=now,
        )
        notify_unit_supervisors(s, target, case, **notice)
        restart_handling_clocks(uow, case, entry_seq=ev.seq, now=now)
    enqueue_webhook(
        s, uow.settings, "case.escalated", _webhook(case, reason, unit, target, at_ceiling)
    )
    return esc


@dataclass(frozen=True)
class Lift:
    """One case of a batch lift: the state entry it is lifted for, the comment, and the level
    to go straight to (:func:`competent_level`), if any."""

    case: Case
    entry_seq: int
    comment: str
    to_level: str | None


def lift_batch(
    uow: UnitOfWork,
    lifts: list[Lift],
    *,
    reason: str,
    actor: Actor,
    now: dt.datetime,
    handled_clocks: set[int],
) -> dict[int, bool | None]:
    """:func:`lift_one_level` for the cases of one sweep batch (one entry per case, each case
    row locked by the caller and never changed through the ORM here), written as multi-row
    statements: the escalations (a case already escalated for that step is left as it is),
    their events, the supervisors' notices, the stopped and the new handling clocks, the cases,
    the webhooks. ``handled_clocks``: clocks the caller just ended (not running any more).

    Returns, per case id, True (stopped at the ceiling), False (lifted) or None (already
    escalated for that step: only its nearest due time is refreshed). Raises StaleDataError
    when a case row moved on meanwhile (the caller rolls the batch back)."""
    s = uow.session
    by_id = {lift.case.id: lift for lift in lifts}
    plans = {lift.case.id: _lift_plan(uow, lift.case, lift.to_level) for lift in lifts}
    # One statement for the batch (executemany, sent as multi-row VALUES by SQLAlchemy): only
    # the rows written come back, a step already escalated is left out.
    written = set(
        s.scalars(
            insert_new(s, Escalation.__table__).returning(Escalation.case_id),
            [
                {
                    "case_id": cid,
                    "entry_seq": lift.entry_seq,
                    "from_unit_id": plans[cid][0].id,
                    "to_unit_id": plans[cid][1].id,
                    "from_level": lift.case.escalation_level,
                    "reason": reason,
                    "comment": lift.comment,
                    "at_ceiling": plans[cid][2],
                    "actor": actor.username,
                    "created_at": now,
                    "case_open": lift.case.closed_at is None,
                }
                for cid, lift in by_id.items()
            ],
        )
    )
    active = s.execute(
        select(Deadline.id, Deadline.case_id, Deadline.kind, Deadline.status, Deadline.due_at)
        .where(Deadline.case_id.in_(by_id), Deadline.status.in_(ACTIVE_CLOCK_STATUSES))
        .where(Deadline.id.not_in(handled_clocks))
    ).all()
    supervisors = supervisors_by_unit(s, {plans[cid][1].id for cid in written})
    cal = load_calendar(s)
    events: list[dict[str, Any]] = []
    notices: list[dict[str, Any]] = []
    clocks: list[dict[str, Any]] = []
    hooks: list[dict[str, Any]] = []
    stopped: list[int] = []
    updates: list[dict[str, Any]] = []
    out: dict[int, bool | None] = {}
    wall = utcnow()
    for cid, lift in by_id.items():
        case = lift.case
        unit, target, at_ceiling = plans[cid]
        mine = [a for a in active if a.case_id == cid]
        chain = Chain(uow.history_keys, cid, case.event_seq, case.last_hash)
        values = {"b_org_unit_id": case.org_unit_id, "b_escalation_level": case.escalation_level}
        values["b_assignee_id"] = case.assignee_id
        running = [a.due_at for a in mine if a.status == "running"]
        if cid not in written:
            out[cid] = None
        elif at_ceiling:
            out[cid] = True
            chain.append(
                "escalation_at_ceiling",
                by=actor,
                data=_ceiling_event(reason, lift.comment, unit),
                at=now,
            )
        else:
            out[cid] = False
            level = case.escalation_level + max(unit.depth - target.depth, 1)
            values.update(b_org_unit_id=target.id, b_escalation_level=level, b_assignee_id=None)
            chain.append(
                "escalated",
                by=actor,
                data=_lift_event(reason, lift.comment, unit, target, level),
                at=now,
            )
            stopped += [a.id for a in mine if a.kind == "handling"]
            running = [a.due_at for a in mine if a.status == "running" and a.kind != "handling"]
            new = restarted_handling_clocks(
                uow, case, org_unit_id=target.id, chain=chain, now=now, cal=cal
            )
            clocks += new
            running += [c["due_at"] for c in new if c["status"] == "running"]
        if cid in written:
            notice = _lift_notice(case, unit, target, reason, at_ceiling)
            notices += notice_rows(
                cid, users=supervisors[target.id], unit_id=target.id, now=wall, **notice
            )
            if uow.settings.webhook_url:
                hooks.append(
                    webhook_row(
                        "case.escalated", _webhook(case, reason, unit, target, at_ceiling), wall
                    )
                )
        next_due = min(running, default=None)
        if chain.rows or next_due != case.next_due_at:
            events += chain.rows
            updates.append(
                {
                    **values,
                    "b_id": cid,
                    "b_version": case.version,
                    "b_event_seq": chain.seq,
                    "b_last_hash": chain.last_hash,
                    "b_updated_at": now if chain.rows else case.updated_at,
                    "b_next_due_at": next_due,
                }
            )
    if events:
        s.execute(insert(CaseEvent.__table__), events)
    if stopped:
        s.execute(
            update(Deadline.__table__)
            .where(Deadline.id.in_(stopped))
            .values(status="stopped", handled_at=now, version=Deadline.version + 1)
        )
    if clocks:
        s.execute(insert(Deadline.__table__), clocks)
    if notices:
        s.execute(insert_new(s, Notification.__table__), notices)
    if hooks:
        s.execute(insert(OutboxMessage.__table__), hooks)
    if updates:
        t = Case.__table__
        moved = s.execute(
            update(t)
            .where(t.c.id == bindparam("b_id"), t.c.version == bindparam("b_version"))
            .values(
                org_unit_id=bindparam("b_org_unit_id"),
                escalation_level=bindparam("b_escalation_level"),
                assignee_id=bindparam("b_assignee_id"),
                event_seq=bindparam("b_event_seq"),
                last_hash=bindparam("b_last_hash"),
                updated_at=bindparam("b_updated_at"),
                next_due_at=bindparam("b_next_due_at"),
                version=t.c.version + 1,
            ),
            updates,
        ).rowcount
        if moved != len(updates):
            raise StaleDataError(f"{len(updates) - moved} case(s) changed during the sweep batch")
    return out


def request_escalation(
    uow: UnitOfWork,
    *,
    case_id: int,
    actor: Actor,
    reason: str,
    comment: str,
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> Escalation:
    """上代下 requested by the unit holding the case (or a supervisor above it), with a reason."""
    with uow:
        case = visible_case(uow.session, actor, case_id)
        check_version(case, expected_version)
        if reason not in MANUAL_ESCALATION_REASONS:
            raise InvalidInput(
                "reason",
                f"理由必须是 {', '.join(MANUAL_ESCALATION_REASONS)} 之一",
                f"must be one of {', '.join(MANUAL_ESCALATION_REASONS)}",
            )
        if not (comment or "").strip():
            raise InvalidInput("comment", "请说明上提原因", "a comment is required")
        require(actor, "request_escalation", case)
        if workflows.get(case.workflow).is_terminal(case.state):
            raise InvalidInput("case", "已结案件不能上提", "a closed case cannot be escalated")
        # A unit that needs a higher level's power goes straight to the lowest competent one.
        to_level = competent_level(case) if reason == "requires_higher_level" else None
        esc = lift_one_level(
            uow,
            case,
            reason=reason,
            actor=actor,
            comment=comment.strip(),
            now=now,
            to_level=to_level,
        )
        commit_or_conflict(uow)
        return esc


def take_over(
    uow: UnitOfWork,
    *,
    case_id: int,
    actor: Actor,
    comment: str = "",
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> Case:
    """A supervisor takes a case from a unit below into their own unit (上代下)."""
    now = now or dt.datetime.now(dt.UTC)
    with uow:
        s = uow.session
        case = visible_case(s, actor, case_id)
        check_version(case, expected_version)
        require(actor, "take_over", case)
        if case.org_unit_id == actor.org_unit_id:
            raise InvalidInput(
                "case", "案件已由本单位承办", "the case is already held by your unit"
            )
        own = get_or_404(s, OrgUnit, actor.org_unit_id, "组织", "org unit")
        previous = case.org_unit
        case.org_unit_id = own.id
        case.org_unit = own
        case.escalation_level += max(previous.depth - own.depth, 1)
        case.assignee_id = None
        ev = record(
            uow,
            case,
            "taken_over",
            by=actor,
            data={"from_unit": previous.code, "to_unit": own.code, "comment": comment},
            at=now,
        )
        restart_handling_clocks(uow, case, entry_seq=ev.seq, now=now)
        commit_or_conflict(uow)
        return case


MAX_NOTE = 2000
MAX_REQUEST_DAYS = 365

# -- 催办: a reminder from the dispatcher --------------------------------------------------------


def urge(
    uow: UnitOfWork,
    *,
    case_id: int,
    actor: Actor,
    note: str = "",
    now: dt.datetime | None = None,
) -> CaseEvent:
    """催办: the dispatcher (a hotline operator, or a supervisor above) reminds the unit holding
    the case to get on with it. A notice to that unit's supervisors (one a day at most) and an
    ``urged`` event; the case itself does not move."""
    now = now or dt.datetime.now(dt.UTC)
    note = (note or "").strip()
    if len(note) > MAX_NOTE:
        raise InvalidInput("note", f"催办说明不超过{MAX_NOTE}字", f"at most {MAX_NOTE} characters")
    with uow:
        s = uow.session
        case = visible_case(s, actor, case_id)
        require(actor, "urge", case)
        if workflows.get(case.workflow).is_terminal(case.state):
            raise TransitionNotAllowed(
                "已办结的案件无需催办",
                "a closed case cannot be urged",
                allowed=[],
                state=case.state,
            )
        sent = notify_unit_supervisors(
            s,
            case.org_unit,
            case,
            kind="urged",
            title=f"催办：{case.ref}",
            body=f"{actor.username} 催办 {case.ref}，请抓紧办理。"
            + (f"说明：{note}" if note else ""),
            key=f"urge:{case.id}:{local_date(now).isoformat()}",
            data={"case_ref": case.ref},
        )
        ev = record(
            uow,
            case,
            "urged",
            by=actor,
            data={"note": note, "unit": case.org_unit.code, "notified": sent},
            at=now,
        )
        commit_or_conflict(uow)
        return ev


# -- 延期申请: the handling unit asks, the dispatching level decides --------------------------


def _deciding_unit(s: Session, case: Case) -> OrgUnit:
    """Who decides a request for more time: the unit that dispatched the case to its holder, or
    else the level above the holder (or the holder itself at the top)."""
    sent_from = (case.attributes or {}).get("dispatched_from_id")
    if sent_from:
        return get_or_404(s, OrgUnit, sent_from, "组织", "org unit")
    return case.org_unit.parent or case.org_unit


def request_extension(
    uow: UnitOfWork,
    *,
    case_id: int,
    rule: str,
    days: int,
    reason: str,
    actor: Actor,
    now: dt.datetime | None = None,
) -> CaseEvent:
    """延期申请: the unit holding the case asks for ``days`` more on a clock its holder may not
    extend alone; the dispatching level's supervisors are told. The clock moves only when a
    supervisor there approves (:func:`decide_extension`). One request at a time per case."""
    now = now or dt.datetime.now(dt.UTC)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("reason", "延期申请须说明理由", "a request for more time needs a reason")
    if len(reason) > MAX_NOTE:
        raise InvalidInput("reason", f"理由不超过{MAX_NOTE}字", f"at most {MAX_NOTE} characters")
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_REQUEST_DAYS:
        raise InvalidInput(
            "days",
            f"申请延长天数须为1到{MAX_REQUEST_DAYS}之间的整数",
            f"must be a whole number from 1 to {MAX_REQUEST_DAYS}",
        )
    with uow:
        s = uow.session
        case, _clock, _running, spec = case_and_clock(uow, case_id, rule, actor, None)
        if OFFICER_APPROVAL not in spec.extension_bases:
            raise GuardRefused(
                f"{spec.label_zh}不能经批准延长：{spec.extension_citation}",
                f"{rule!r} cannot be extended on approval",
                guard="extendable",
            )
        if (case.attributes or {}).get("extension_request"):
            raise Conflict("本案已有待审批的延期申请", "a request for more time is already pending")
        deciding = _deciding_unit(s, case)
        pending = {
            "rule": rule,
            "days": days,
            "reason": reason,
            "by": actor.username,
            "unit": deciding.code,
        }
        case.attributes = {**(case.attributes or {}), "extension_request": pending}
        ev = record(uow, case, "extension_requested", by=actor, data=pending, at=now)
        notify_unit_supervisors(
            s,
            deciding,
            case,
            kind="extension_requested",
            title=f"延期申请待审批：{case.ref}",
            body=f"{case.org_unit.name}申请将“{spec.label_zh}”延长{days}日。理由：{reason}",
            key=f"extension_requested:{case.id}:{ev.seq}",
            data={"case_ref": case.ref, "rule": rule},
        )
        commit_or_conflict(uow)
        return ev


def decide_extension(
    uow: UnitOfWork,
    *,
    case_id: int,
    rule: str,
    approve: bool,
    actor: Actor,
    note: str = "",
    now: dt.datetime | None = None,
) -> Case:
    """A supervisor of the dispatching level approves (the clock moves by the days asked, the
    approver recorded) or refuses (it does not) a pending request for more time; the unit holding
    the case is told either way."""
    now = now or dt.datetime.now(dt.UTC)
    note = (note or "").strip()[:MAX_NOTE]
    with uow:
        s = uow.session
        case = visible_case(s, actor, case_id)
        pending = (case.attributes or {}).get("extension_request")
        if not pending or pending.get("rule") != rule:
            raise NotFound(
                "没有待审批的此项延期申请", f"no pending request for more time on {rule!r}"
            )
        deciding = s.scalars(select(OrgUnit).where(OrgUnit.code == pending["unit"])).one()
        if "supervisor" not in actor.roles or not actor.covers_path(deciding.path):
            raise NotPermitted(
                f"延期申请由{deciding.name}的主管审批",
                "a request for more time is decided by a supervisor of the dispatching level",
            )
        rest = {k: v for k, v in (case.attributes or {}).items() if k != "extension_request"}
        case.attributes = rest
        if approve:
            extend_clock(
                uow,
                case_id=case.id,
                rule=rule,
                days=int(pending["days"]),
                basis=OFFICER_APPROVAL,
                approver=actor.username,
                note=f"延期申请（{pending['by']}）：{pending['reason']}"[:255],
                actor=actor,
                now=now,
            )
        verdict = "approved" if approve else "refused"
        record(
            uow,
            case,
            "extension_decided",
            by=actor,
            data={**pending, "decision": verdict, "note": note},
            at=now,
        )
        notify_unit_supervisors(
            s,
            case.org_unit,
            case,
            kind="extension_decided",
            title=f"延期申请已{'批准' if approve else '驳回'}：{case.ref}",
            body=f"“{rule}”延期{pending['days']}日的申请已{'批准' if approve else '驳回'}。"
            + (f"意见：{note}" if note else ""),
            key=f"extension_decided:{case.id}:{case.event_seq}",
            data={"case_ref": case.ref, "rule": rule},
        )
        commit_or_conflict(uow)
        return case


def _report_text(
    value: str | None, field: str, what_zh: str, longest: int, *, required: bool
) -> str:
    text = (value or "").strip()
    if required and not text:
        raise InvalidInput(field, f"须写明{what_zh}", "must not be empty")
    if len(text) > longest:
        raise InvalidInput(field, f"{what_zh}不超过{longest}字", f"at most {longest} characters")
    if has_personal_data(text):
        raise InvalidInput(
            field,
            f"{what_zh}中不得写入身份证号或电话号码",
            "must not contain an ID number or a phone number",
        )
    return text


def record_mass_incident_report(
    uow: UnitOfWork,
    *,
    case_id: int,
    actor: Actor,
    reported_to: str,
    note: str | None = None,
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> Case:
    """The unit holding a mass-incident case (or a supervisor above it) records that it reported
    the incident to the Party committee and government at its level (向同级党委和政府报告): to
    whom, when, by whom. The same-day clock is met; a report after the day is recorded as late
    (its clock stays expired: the day was missed). Recorded once."""
    now = now or dt.datetime.now(dt.UTC)
    to = _report_text(reported_to, "reported_to", "报告对象", MAX_ADDRESSEE, required=True)
    remark = _report_text(note, "note", "报告情况", MAX_TEXT, required=False)
    with uow:
        case = visible_case(uow.session, actor, case_id)
        check_version(case, expected_version)
        require(actor, "report_mass_incident", case)
        if (case.attributes or {}).get("mass_incident_report"):
            raise Conflict(
                "已记录向同级党委、政府的报告", "the same-day report is already recorded"
            )
        clock = (
            discharge_case_clock(uow, case, MASS_INCIDENT_REPORT.name, now=now)
            if case.mass_incident
            else None
        )
        if clock is None:
            raise NotFound(
                "该案件没有待报告的群体性事件", f"case {case.ref} owes no mass-incident report"
            )
        report = {
            "reported_to": to,
            "reported_on": local_date(now).isoformat(),
            "due": clock.due_on.isoformat(),
            "late": clock.status == "expired",
            "by": actor.username,
        }
        if remark:
            report["note"] = remark
        case.attributes = plain_json({**(case.attributes or {}), "mass_incident_report": report})
        record(uow, case, "mass_incident_report_made", by=actor, data=report, at=now)
        commit_or_conflict(uow)
        return case
