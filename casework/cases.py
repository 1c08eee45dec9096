"""The case service: open, fire a trigger, assign, link a child case, comment.

Every function is one use case inside one unit of work: the state change, its event and the
version bump commit together or not at all. Checks run in a fixed order so the error a user
sees is the most useful one: the trigger exists → it is valid from this state → the version is
current → the actor's role may fire it here → the owning unit's level is high enough → the data
it needs is there → its guards pass.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError
from transitions import MachineError

import workflows
from casework.access import Actor
from casework.clocks import on_state_change
from casework.errors import (
    GuardRefused,
    InvalidInput,
    LevelTooLow,
    NotFound,
    NotPermitted,
    TransitionNotAllowed,
    UnknownTrigger,
    VersionConflict,
)
from casework.escalation import report_mass_incident, route_owner
from casework.history import append_event, plain_json
from casework.models import Case, Employer, OrgUnit, RefCounter, User
from casework.orgs import find_or_create_person
from casework.uow import UnitOfWork
from workflows.base import (
    LEVEL_LABELS_ZH,
    SYSTEM,
    TIERS,
    GuardContext,
    Transition,
    Workflow,
    level_rank,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
CHANNELS = ("hotline", "walk_in", "online", "referral")
OPENING_ROLES = frozenset({"operator", "caseworker", "supervisor"})
MAX_AMOUNT = Decimal("999999999999.99")


def today_shanghai(now: dt.datetime | None = None) -> dt.date:
    return (now or dt.datetime.now(dt.UTC)).astimezone(SHANGHAI).date()


# -- loading ---------------------------------------------------------------------------------


def get_case(session: Session, case_id: int | None = None, *, ref: str | None = None) -> Case:
    if ref is not None:
        case = session.scalars(select(Case).where(Case.ref == ref)).first()
    else:
        case = session.get(Case, case_id)
    if case is None:
        raise NotFound("案件不存在", f"no case {ref or case_id!r}")
    return case


def get_visible_case(session: Session, actor: Actor, case_id: int) -> Case:
    """The case if ``actor`` may see it; otherwise NotFound (never reveal that it exists)."""
    case = session.get(Case, case_id)
    if case is None or not actor.can_see(case):
        raise NotFound("案件不存在", f"no case {case_id}")
    return case


# -- references ------------------------------------------------------------------------------


def next_in_sequence(session: Session, counter: type[Any], **key: Any) -> int:
    """The next number of the counter row ``key`` of table ``counter`` (a model with a ``last``
    column), gap-free within committed transactions: ``UPDATE ... RETURNING`` queues concurrent
    callers on the row lock; the first use inserts the row in a savepoint, and a lost race on
    that insert falls back to the update."""
    stmt = (
        update(counter)
        .where(*(getattr(counter, k) == v for k, v in key.items()))
        .values(last=counter.last + 1)
        .returning(counter.last)
    )
    number = session.execute(stmt).scalar()
    if number is None:
        try:
            with session.begin_nested():
                session.add(counter(**key, last=1))
            number = 1
        except IntegrityError:
            number = session.execute(stmt).scalar_one()
    return int(number)


def next_ref(session: Session, prefix: str, year: int) -> str:
    """``PREFIX-YYYY-NNNNNN``, gap-free per prefix and year within committed transactions."""
    return f"{prefix}-{year}-{next_in_sequence(session, RefCounter, prefix=prefix, year=year):06d}"


# -- opening ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class WorkerInput:
    name: str
    id_number: str | None = None
    phone: str | None = None


def parse_amount(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise InvalidInput("amount_claimed", "金额必须是数字（元）", "must be a number of yuan") from None
    if not amount.is_finite() or amount < 0 or amount > MAX_AMOUNT:
        raise InvalidInput("amount_claimed", "金额必须是非负数且不超过上限", "must be between 0 and 999,999,999,999.99")
    if amount != amount.quantize(Decimal("0.01")):
        raise InvalidInput("amount_claimed", "金额最多两位小数（分）", "at most two decimal places")
    return amount.quantize(Decimal("0.01"))


def open_case(
    uow: UnitOfWork,
    *,
    actor: Actor,
    workflow: str,
    org_unit_id: int | None = None,
    employer_id: int | None = None,
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
    now: dt.datetime | None = None,
) -> Case:
    """Open a case in ``workflow`` owned by ``org_unit_id`` (default: the actor's unit)."""
    try:
        wf = workflows.get(workflow)
    except KeyError:
        raise InvalidInput(
            "workflow", f"未知流程，可选：{', '.join(workflows.names())}", f"unknown workflow; one of {', '.join(workflows.names())}"
        ) from None
    if channel not in CHANNELS:
        raise InvalidInput("channel", f"渠道必须是 {', '.join(CHANNELS)} 之一", f"must be one of {', '.join(CHANNELS)}")
    if complexity not in TIERS:
        raise InvalidInput("complexity", f"复杂程度必须是 {', '.join(TIERS)} 之一", f"must be one of {', '.join(TIERS)}")
    if not actor.is_system and not (actor.roles & OPENING_ROLES):
        raise NotPermitted("无权立案", "only operators, caseworkers and supervisors open cases")
    amount = parse_amount(amount_claimed)
    worker_list = list(workers)
    count = worker_count if worker_count is not None else max(len(worker_list), 1)
    if not isinstance(count, int) or count < 1 or count > 100000:
        raise InvalidInput("worker_count", "涉及人数必须是1到100000之间的整数", "must be a whole number from 1 to 100000")
    if len(worker_list) > count:
        raise InvalidInput("worker_count", "涉及人数不能少于登记的职工人数", "must not be fewer than the workers listed")
    now = now or dt.datetime.now(dt.UTC)

    with uow:
        s = uow.session
        employer = s.get(Employer, employer_id) if employer_id is not None else None
        if employer_id is not None and employer is None:
            raise NotFound("用人单位不存在", f"no employer {employer_id}")
        if org_unit_id is None and employer is not None:
            # 服务下沉: the engine, not the client, picks the unit closest to the worker.
            owner = route_owner(s, uow.settings, wf.name, employer, count)
            if not actor.covers_path(owner.path):
                if actor.org_unit_id is not None and actor.org_path.startswith(owner.path):
                    # Competence lies above the filing unit: the case rises to it, and the
                    # filing unit (closer to the worker) stays its origin and keeps sight of it.
                    origin_org_unit_id = origin_org_unit_id or actor.org_unit_id
                else:
                    raise NotPermitted(
                        "该用人单位属于其他地区工会，请转由其所属工会或12351热线受理",
                        "the employer belongs to another part of the tree; file it there or through the hotline",
                    )
        else:
            owner_id = org_unit_id if org_unit_id is not None else actor.org_unit_id
            if owner_id is None:
                raise InvalidInput("org_unit_id", "必须指定承办单位", "an owning unit is required")
            owner = s.get(OrgUnit, owner_id)
            if owner is None:
                raise NotFound("组织不存在", f"no org unit {owner_id}")
            if not actor.covers_path(owner.path):
                raise NotPermitted("只能在本单位及下级单位立案", "cases can only be opened in the actor's own subtree")
        # The unit the case starts at keeps read access wherever the case rises to.
        origin_id = origin_org_unit_id or owner.id
        parent = None
        if parent_id is not None:
            parent = s.get(Case, parent_id)
            if parent is None:
                raise NotFound("上级案件不存在", f"no case {parent_id}")
        people = []
        for i, w in enumerate(worker_list):
            try:
                people.append(find_or_create_person(s, uow.vault, name=w.name, id_number=w.id_number, phone=w.phone))
            except InvalidInput as exc:  # name the worker: workers.2.id_number
                raise exc.at(f"workers.{i}.{exc.field}") from None
        year = now.astimezone(SHANGHAI).year
        case = Case(
            ref=next_ref(s, wf.prefix, year),
            workflow=wf.name,
            state=wf.initial,
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
            attributes=plain_json(dict(attributes or {})),
            parent_id=parent.id if parent else None,
            created_by_id=actor.user_id,
            created_at=now,
            updated_at=now,
        )
        case.workers = people
        s.add(case)
        s.flush()
        append_event(
            s,
            case,
            kind="created",
            actor_id=actor.user_id,
            actor=actor.username,
            to_state=case.state,
            data={
                "workflow": wf.name,
                "org_unit": owner.code,
                "channel": channel,
                "worker_count": count,
                "parent": parent.ref if parent else None,
                "routed": org_unit_id is None and employer is not None,
            },
            at=now,
        )
        case.org_unit = owner
        on_state_change(uow, case, None, case.state, entry_seq=case.event_seq, now=now)
        if mass_incident:
            report_mass_incident(uow, case, now=now)
        uow.commit()
        return case


# -- firing triggers -------------------------------------------------------------------------


def _facts(case: Case, data: Mapping[str, Any]) -> dict[str, Any]:
    facts: dict[str, Any] = dict(case.attributes or {})
    facts.update(
        worker_count=case.worker_count,
        amount_claimed=case.amount_claimed,
        collective=case.collective,
        mass_incident=case.mass_incident,
        complexity=case.complexity,
        has_union=case.employer.has_union if case.employer else None,
    )
    facts.update(data)
    return facts


def _allowed_from_state(wf: Workflow, state: str) -> list[str]:
    return [t.trigger for t in wf.transitions_from(state)]


def _check_permission(wf: Workflow, case: Case, t: Transition, actor: Actor) -> None:
    acting = actor.acting_roles(case)
    if not (acting & t.roles):
        needed = ", ".join(sorted(t.roles))
        raise NotPermitted(
            f"当前用户无权执行“{t.label_zh}”（需要角色：{needed}，且案件在其职责范围内）",
            f"'{t.trigger}' needs one of the roles {needed} acting on a case in their charge",
            trigger=t.trigger,
            roles=sorted(t.roles),
        )
    if t.min_level and level_rank(case.org_unit.level) < level_rank(t.min_level):
        raise LevelTooLow(
            f"“{t.label_zh}”只能由{LEVEL_LABELS_ZH[t.min_level]}及以上工会办理，"
            f"本案现由{LEVEL_LABELS_ZH[case.org_unit.level]}承办",
            f"'{t.trigger}' needs an owning unit at {t.min_level} level or above "
            f"(the case is at {case.org_unit.level})",
            trigger=t.trigger,
            min_level=t.min_level,
            level=case.org_unit.level,
        )


def _check_data(t: Transition, data: Mapping[str, Any]) -> None:
    missing = [k for k in t.requires if data.get(k) in (None, "", [], {}) or (isinstance(data.get(k), str) and not data[k].strip())]
    if missing:
        raise InvalidInput(
            missing[0],
            f"“{t.label_zh}”需要填写：{', '.join(missing)}",
            f"'{t.trigger}' needs data: {', '.join(missing)}",
        )


def _check_guards(t: Transition, case: Case, data: Mapping[str, Any], uow: UnitOfWork, today: dt.date) -> None:
    ctx = GuardContext(facts=_facts(case, data), settings=uow.settings.guard_settings, today=today)
    for g in t.guards:
        if not g.check(ctx):
            raise GuardRefused(g.reason_zh, g.reason_en, guard=g.name, trigger=t.trigger)


def _stale() -> VersionConflict:
    return VersionConflict("案件已被他人修改，请刷新后重试", "the case was changed by someone else; reload and retry")


def commit_or_conflict(uow: UnitOfWork) -> None:
    """Commit, turning a lost race on the case row (its version, or the history's unique
    (case_id, seq) key) into :class:`VersionConflict`."""
    try:
        uow.session.flush()
        uow.commit()
    except StaleDataError:
        raise _stale() from None
    except IntegrityError as exc:
        if "uq_case_events_case_id_seq" in str(exc.orig) or "case_events.case_id, case_events.seq" in str(exc.orig):
            raise _stale() from None
        raise


def check_version(case: Case, expected_version: int | None) -> None:
    if expected_version is not None and case.version != expected_version:
        raise VersionConflict(
            f"案件版本已变为 {case.version}，请刷新后重试",
            f"the case is at version {case.version}, not {expected_version}",
            current_version=case.version,
        )


def fire_on(
    uow: UnitOfWork,
    case: Case,
    trigger: str,
    *,
    actor: Actor,
    comment: str | None = None,
    data: Mapping[str, Any] | None = None,
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> Case:
    """Fire ``trigger`` on a loaded case inside an open unit of work (no commit)."""
    wf = workflows.get(case.workflow)
    data = dict(data or {})
    if not wf.has_trigger(trigger):
        allowed = _allowed_from_state(wf, case.state)
        raise UnknownTrigger(
            f"流程“{wf.label_zh}”没有操作 {trigger}；当前可用：{', '.join(allowed) or '无'}",
            f"workflow {wf.name} has no trigger {trigger!r}; valid from {case.state}: {', '.join(allowed) or 'none'}",
            allowed=allowed,
        )
    t = wf.transition_for(trigger, case.state)
    if t is None:
        allowed = _allowed_from_state(wf, case.state)
        raise TransitionNotAllowed(
            f"当前状态“{wf.state(case.state).label_zh}”下不能执行 {trigger}；可用：{', '.join(allowed) or '无（已结案）'}",
            f"{trigger!r} is not valid from {case.state}; valid: {', '.join(allowed) or 'none (terminal)'}",
            allowed=allowed,
            state=case.state,
        )
    check_version(case, expected_version)
    _check_permission(wf, case, t, actor)
    _check_data(t, data)
    now = now or dt.datetime.now(dt.UTC)
    _check_guards(t, case, data, uow, today_shanghai(now))

    source = case.state
    try:
        wf.machine.events[trigger].trigger(case)
    except MachineError:  # pragma: no cover - transition_for() above already checked the source
        raise TransitionNotAllowed("当前状态下不能执行该操作", f"{trigger!r} is not valid from {source}") from None
    recorded = {k: data[k] for k in t.records if k in data}
    if recorded:
        case.attributes = plain_json({**(case.attributes or {}), **recorded})
    if wf.is_terminal(case.state):
        case.closed_at = now
    payload: dict[str, Any] = {"data": data} if data else {}
    if comment:
        payload["comment"] = comment
    ev = append_event(
        uow.session,
        case,
        kind="transition",
        actor_id=actor.user_id,
        actor=actor.username,
        from_state=source,
        to_state=case.state,
        trigger=trigger,
        data=payload,
        at=now,
    )
    on_state_change(uow, case, source, case.state, entry_seq=ev.seq, now=now)
    return case


def fire(
    uow: UnitOfWork,
    case_id: int,
    trigger: str,
    *,
    actor: Actor,
    comment: str | None = None,
    data: Mapping[str, Any] | None = None,
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> Case:
    """Fire ``trigger`` on case ``case_id`` as ``actor`` and commit."""
    with uow:
        case = get_visible_case(uow.session, actor, case_id)
        fire_on(
            uow,
            case,
            trigger,
            actor=actor,
            comment=comment,
            data=data,
            expected_version=expected_version,
            now=now,
        )
        commit_or_conflict(uow)
        return case


@dataclass(frozen=True)
class TriggerOption:
    trigger: str
    label_zh: str
    label_en: str
    dest: str
    requires: tuple[str, ...]
    records: tuple[str, ...]
    blocked_zh: str | None = None
    blocked_en: str | None = None

    @property
    def available(self) -> bool:
        return self.blocked_zh is None


def trigger_options(
    case: Case,
    actor: Actor,
    *,
    guard_settings: Mapping[str, Any] | None = None,
    today: dt.date | None = None,
) -> list[TriggerOption]:
    """Every trigger valid from the case's state that ``actor`` may fire here (role, scope and
    level), each saying whether a guard blocks it on the facts the case has now, and why."""
    wf = workflows.get(case.workflow)
    acting = actor.acting_roles(case)
    ctx = GuardContext(
        facts=_facts(case, {}), settings=guard_settings or {}, today=today or today_shanghai()
    )
    out: list[TriggerOption] = []
    for t in wf.transitions_from(case.state):
        if not (acting & t.roles):
            continue
        if t.min_level and level_rank(case.org_unit.level) < level_rank(t.min_level):
            continue
        failing = next((g for g in t.guards if not g.check(ctx)), None)
        out.append(
            TriggerOption(
                t.trigger,
                t.label_zh,
                t.label_en,
                t.dest,
                t.requires,
                t.records,
                failing.reason_zh if failing else None,
                failing.reason_en if failing else None,
            )
        )
    return out


def allowed_triggers(
    case: Case,
    actor: Actor,
    *,
    guard_settings: Mapping[str, Any] | None = None,
    today: dt.date | None = None,
) -> list[TriggerOption]:
    """Triggers valid from the state ∩ the actor's roles here ∩ level ∩ guards.

    A guard blocked only for want of facts the trigger itself records (the means test answered
    when granting aid, say) cannot be judged before that data is given, so such a trigger stays
    listed; :func:`trigger_options` tells which guard blocks on what is known now.
    """
    return [
        o
        for o in trigger_options(case, actor, guard_settings=guard_settings, today=today)
        if o.available or o.records
    ]


# -- assignment, links, comments -------------------------------------------------------------


def assign(
    uow: UnitOfWork,
    case_id: int,
    user_id: int,
    *,
    actor: Actor,
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> Case:
    """Assign the case to a caseworker or supervisor of the owning unit."""
    with uow:
        s = uow.session
        case = get_visible_case(s, actor, case_id)
        check_version(case, expected_version)
        acting = actor.acting_roles(case)
        if not acting & {"supervisor", "caseworker", SYSTEM}:
            raise NotPermitted("只有承办单位的办案人员或上级主管可以分派案件", "only the owning unit's caseworkers or a supervisor above may assign")
        if workflows.get(case.workflow).is_terminal(case.state):
            raise TransitionNotAllowed("已结案件不能再分派", "a closed case cannot be assigned", allowed=[])
        user = s.get(User, user_id)
        if user is None or not user.is_active:
            raise NotFound("用户不存在", f"no active user {user_id}")
        if user.org_unit_id != case.org_unit_id or not (user.roles & {"caseworker", "supervisor"}):
            raise InvalidInput("user_id", "只能分派给承办单位的办案人员", "the assignee must be a caseworker or supervisor of the owning unit")
        previous = case.assignee.username if case.assignee else None
        case.assignee = user
        append_event(
            s,
            case,
            kind="assigned",
            actor_id=actor.user_id,
            actor=actor.username,
            data={"assignee": user.username, "previous": previous},
            at=now,
        )
        commit_or_conflict(uow)
        return case


def link(
    uow: UnitOfWork,
    parent_id: int,
    *,
    actor: Actor,
    workflow: str,
    summary: str = "",
    org_unit_id: int | None = None,
    attributes: Mapping[str, Any] | None = None,
    now: dt.datetime | None = None,
) -> Case:
    """Open a child case of ``parent_id`` (e.g. a supervision case spawned by wage arrears)."""
    with uow:
        s = uow.session
        parent = get_visible_case(s, actor, parent_id)
        pwf = workflows.get(parent.workflow)
        if workflow not in pwf.spawns:
            raise InvalidInput(
                "workflow",
                f"“{pwf.label_zh}”只能派生：{', '.join(pwf.spawns) or '无'}",
                f"a {pwf.name} case may spawn: {', '.join(pwf.spawns) or 'nothing'}",
            )
        if not actor.acting_roles(parent) & {"caseworker", "supervisor", "operator", SYSTEM}:
            raise NotPermitted("无权在此案件上派生新案件", "not permitted to spawn cases from this case")
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
            attributes=attributes,
            parent_id=parent.id,
            origin_org_unit_id=parent.origin_org_unit_id,
            now=now,
        )
        child.workers = list(parent.workers)
        append_event(
            s,
            parent,
            kind="linked",
            actor_id=actor.user_id,
            actor=actor.username,
            data={"child": child.ref, "workflow": workflow},
            at=now,
        )
        commit_or_conflict(uow)
        return child


def comment(
    uow: UnitOfWork,
    case_id: int,
    text: str,
    *,
    actor: Actor,
    now: dt.datetime | None = None,
) -> Case:
    text = (text or "").strip()
    if not text:
        raise InvalidInput("text", "备注内容不能为空", "must not be empty")
    if len(text) > 10000:
        raise InvalidInput("text", "备注不超过10000字", "at most 10000 characters")
    with uow:
        s = uow.session
        case = get_visible_case(s, actor, case_id)
        if not actor.acting_roles(case) & {"caseworker", "supervisor", "operator", SYSTEM}:
            raise NotPermitted("只有承办本案的人员或上级主管可以添加备注",
                               "only those acting on the case (or a supervisor above) may comment")
        append_event(s, case, kind="comment", actor_id=actor.user_id, actor=actor.username, data={"text": text}, at=now)
        commit_or_conflict(uow)
        return case
