"""服务下沉一级，维权上提一级: routing new cases down, lifting held cases up, telling people.

- :func:`route_owner` — the lowest unit in the employer's chain competent for the process
  (a collective dispute starts one level higher);
- :func:`lift_one_level` — the parent union takes the case over (上代下); at the ceiling level
  (setting, default ``city``) the case stays and its supervisors are told instead;
- :func:`request_escalation` and :func:`take_over` — the manual ways up;
- notifications go to each supervisor's inbox (or the unit's, when it has none), and to the
  webhook outbox when one is configured.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

import workflows
from casework.access import Actor
from casework.clocks import restart_handling_clocks
from casework.errors import Conflict, InvalidInput, NotPermitted
from casework.history import append_event
from casework.models import (
    Case,
    Employer,
    Escalation,
    Notification,
    OrgUnit,
    OutboxMessage,
    User,
    UserRole,
)
from casework.orgs import chain_upwards
from casework.settings import Settings
from casework.uow import UnitOfWork
from workflows.base import LEVEL_LABELS_ZH, level_rank

REASONS = {
    "deadline_expired": "办理期限届满未办结",
    "no_union": "用人单位未建工会",
    "cannot_perform": "本级无力办理",
    "conflict_of_interest": "存在利益冲突",
    "requires_higher_level": "需上级工会行使职权",
    "other": "其他原因",
}
MANUAL_REASONS = ("no_union", "cannot_perform", "conflict_of_interest", "requires_higher_level", "other")


# -- notifications ---------------------------------------------------------------------------


def supervisors_of(session: Session, unit_id: int) -> list[int]:
    """Ids of the active supervisors of a unit (memoised for the transaction)."""
    memo = session.info.setdefault("casework_supervisors", {})
    if unit_id not in memo:
        memo[unit_id] = list(
            session.scalars(
                select(User.id)
                .join(UserRole, UserRole.user_id == User.id)
                .where(User.org_unit_id == unit_id, UserRole.role == "supervisor", User.is_active.is_(True))
                .order_by(User.id)
            )
        )
    return memo[unit_id]


def enqueue_webhook(session: Session, settings: Settings, topic: str, payload: dict[str, Any]) -> None:
    """Queue a webhook delivery (sent after commit by the scheduler, with a unique event id)."""
    if not settings.webhook_url:
        return
    event_id = str(uuid.uuid4())
    session.add(OutboxMessage(event_id=event_id, topic=topic, payload={"event_id": event_id, "topic": topic, **payload}))


def notify_unit_supervisors(
    uow: UnitOfWork,
    unit: OrgUnit,
    case: Case,
    *,
    kind: str,
    title: str,
    body: str,
    key: str,
    data: dict[str, Any] | None = None,
) -> int:
    """One inbox entry per supervisor of ``unit`` (or one for the unit when it has none).
    ``key`` de-duplicates: the same key never notifies the same person twice."""
    s = uow.session
    recipients: list[tuple[int | None, int | None]] = [(uid, None) for uid in supervisors_of(s, unit.id)]
    if not recipients:
        recipients = [(None, unit.id)]
    keys = [f"{key}:u{uid}" if uid else f"{key}:o{oid}" for uid, oid in recipients]
    existing = set(s.scalars(select(Notification.dedupe_key).where(Notification.dedupe_key.in_(keys))))
    made = 0
    for (uid, oid), k in zip(recipients, keys, strict=True):
        if k in existing:
            continue
        s.add(Notification(user_id=uid, org_unit_id=oid, case_id=case.id, kind=kind, title=title, body=body,
                           data=data or {}, dedupe_key=k))
        made += 1
    return made


# -- routing (服务下沉) -------------------------------------------------------------------------


def competence_level(settings: Settings, workflow: str, employer: Employer | None) -> str:
    if workflow == "mediation" and employer is not None and not employer.has_union:
        return settings.competence.get("mediation_no_union", "township")
    return settings.competence.get(workflow, workflows.get(workflow).competence)


def route_owner(session: Session, settings: Settings, workflow: str, employer: Employer, worker_count: int) -> OrgUnit:
    """The lowest unit in the employer's chain competent for ``workflow``; a collective dispute
    (``worker_count`` at or above the threshold) starts one level higher, never above the ceiling."""
    chain = chain_upwards(session, employer.org_unit)
    need = level_rank(competence_level(settings, workflow, employer))
    idx = next((i for i, u in enumerate(chain) if level_rank(u.level) >= need), len(chain) - 1)
    collective = worker_count >= settings.collective_threshold
    if (
        collective
        and idx + 1 < len(chain)
        and level_rank(chain[idx + 1].level) <= level_rank(settings.escalation_ceiling)
    ):
        idx += 1
    return chain[idx]


def report_mass_incident(uow: UnitOfWork, case: Case, *, now: dt.datetime) -> int:
    """A mass incident (群体性事件) is reported at once to the parent and its parent; the case stays."""
    chain = chain_upwards(uow.session, case.org_unit)
    made = 0
    for unit in chain[1:3]:
        made += notify_unit_supervisors(
            uow, unit, case, kind="mass_incident",
            title=f"群体性事件报告：{case.ref}",
            body=f"{case.org_unit.name}承办的案件涉及群体性事件（{case.worker_count}人），请关注。",
            key=f"mass:{case.id}:{unit.id}",
            data={"case_ref": case.ref, "worker_count": case.worker_count},
        )
    enqueue_webhook(uow.session, uow.settings, "case.mass_incident",
                    {"case_ref": case.ref, "org_unit": case.org_unit.code, "worker_count": case.worker_count})
    append_event(uow.session, case, kind="mass_incident_reported", actor_id=None, actor="system",
                 data={"notified_units": [u.code for u in chain[1:3]]}, at=now)
    return made


# -- lifting (上代下) ---------------------------------------------------------------------------


def lift_one_level(
    uow: UnitOfWork,
    case: Case,
    *,
    reason: str,
    actor: Actor,
    comment: str = "",
    entry_seq: int | None = None,
    now: dt.datetime | None = None,
) -> Escalation:
    """The parent unit takes the case over; at the ceiling it stays and its supervisors are told.

    Recorded once per (case, state entry, level): a second attempt raises :class:`Conflict`.
    """
    s = uow.session
    now = now or dt.datetime.now(dt.UTC)
    if reason not in REASONS:
        raise InvalidInput("reason", f"理由必须是 {', '.join(REASONS)} 之一", f"reason must be one of {', '.join(REASONS)}")
    unit = case.org_unit
    parent = unit.parent
    ceiling = level_rank(uow.settings.escalation_ceiling)
    at_ceiling = parent is None or level_rank(unit.level) >= ceiling or level_rank(parent.level) > ceiling
    target = unit if at_ceiling else parent
    entry = entry_seq if entry_seq is not None else case.event_seq
    esc = Escalation(case_id=case.id, entry_seq=entry, from_unit_id=unit.id, to_unit_id=target.id,
                     from_level=case.escalation_level, reason=reason, comment=comment or "",
                     at_ceiling=at_ceiling, actor=actor.username, created_at=now)
    try:
        with s.begin_nested():
            s.add(esc)
            s.flush()
    except IntegrityError:
        raise Conflict("该案件在此环节已经上提过", "this case was already escalated for this step at this level") from None
    reason_zh = REASONS[reason]
    if at_ceiling:
        append_event(s, case, kind="escalation_at_ceiling", actor_id=actor.user_id, actor=actor.username,
                     data={"reason": reason, "comment": comment, "unit": unit.code, "level": unit.level}, at=now)
        notify_unit_supervisors(
            uow, unit, case, kind="escalation",
            title=f"案件 {case.ref} 需要督办（已到最高上提层级）",
            body=f"{reason_zh}。案件已由{LEVEL_LABELS_ZH[unit.level]}（{unit.name}）承办，不再上提，请督办。",
            key=f"esc:{case.id}:{unit.id}",
            data={"case_ref": case.ref, "reason": reason, "at_ceiling": True},
        )
    else:
        case.org_unit_id = parent.id
        case.org_unit = parent
        case.escalation_level += 1
        case.assignee_id = None
        ev = append_event(s, case, kind="escalated", actor_id=actor.user_id, actor=actor.username,
                          data={"reason": reason, "comment": comment, "from_unit": unit.code, "to_unit": parent.code,
                                "from_level": unit.level, "to_level": parent.level,
                                "escalation_level": case.escalation_level}, at=now)
        notify_unit_supervisors(
            uow, parent, case, kind="escalation",
            title=f"案件 {case.ref} 已上提至本级办理",
            body=f"{unit.name}：{reason_zh}。依“维权上提一级”，案件由{parent.name}承办。",
            key=f"esc:{case.id}:{parent.id}",
            data={"case_ref": case.ref, "reason": reason, "from_unit": unit.code},
        )
        restart_handling_clocks(uow, case, entry_seq=ev.seq, now=now)
    enqueue_webhook(s, uow.settings, "case.escalated",
                    {"case_ref": case.ref, "workflow": case.workflow, "reason": reason, "from_unit": unit.code,
                     "to_unit": target.code, "at_ceiling": at_ceiling})
    return esc


def request_escalation(
    uow: UnitOfWork, case_id: int, *, actor: Actor, reason: str, comment: str, now: dt.datetime | None = None
) -> Escalation:
    """上代下 requested by the unit holding the case (or a supervisor above it), with a reason."""
    from casework.cases import commit_or_conflict, get_visible_case

    if reason not in MANUAL_REASONS:
        raise InvalidInput("reason", f"理由必须是 {', '.join(MANUAL_REASONS)} 之一", f"must be one of {', '.join(MANUAL_REASONS)}")
    if not (comment or "").strip():
        raise InvalidInput("comment", "请说明上提原因", "a comment is required")
    with uow:
        case = get_visible_case(uow.session, actor, case_id)
        if not actor.acting_roles(case) & {"caseworker", "supervisor"}:
            raise NotPermitted("只有承办单位或其上级主管可以申请上提", "only the unit holding the case or a supervisor above may ask")
        if workflows.get(case.workflow).is_terminal(case.state):
            raise InvalidInput("case", "已结案件不能上提", "a closed case cannot be escalated")
        esc = lift_one_level(uow, case, reason=reason, actor=actor, comment=comment.strip(), now=now)
        commit_or_conflict(uow)
        return esc


def take_over(uow: UnitOfWork, case_id: int, *, actor: Actor, comment: str = "", now: dt.datetime | None = None) -> Case:
    """A supervisor takes a case from a unit below into their own unit (上代下)."""
    from casework.cases import commit_or_conflict, get_visible_case

    now = now or dt.datetime.now(dt.UTC)
    with uow:
        s = uow.session
        case = get_visible_case(s, actor, case_id)
        if "supervisor" not in actor.acting_roles(case):
            raise NotPermitted("只有上级主管可以提级办理", "only a supervisor above the case may take it over")
        if case.org_unit_id == actor.org_unit_id:
            raise InvalidInput("case", "案件已由本单位承办", "the case is already held by your unit")
        own = s.get(OrgUnit, actor.org_unit_id)
        previous = case.org_unit
        case.org_unit_id = own.id
        case.org_unit = own
        case.escalation_level += max(previous.depth - own.depth, 1)
        case.assignee_id = None
        ev = append_event(s, case, kind="taken_over", actor_id=actor.user_id, actor=actor.username,
                          data={"from_unit": previous.code, "to_unit": own.code, "comment": comment}, at=now)
        restart_handling_clocks(uow, case, entry_seq=ev.seq, now=now)
        commit_or_conflict(uow)
        return case
