"""The check chain every trigger goes through, as pure functions over a loaded case.

Order (the first that fails is the error a user sees, so it is the most useful one): the
trigger exists in the workflow → it is valid from the case's state → the actor holds one of its
roles on this case → the owning unit's level is high enough → the data it needs is there → its
guards pass. Visibility and the version (If-Match) are checked before, by the service, when it
finds the case. No database access here: what a rule needs is on the case and the actor.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import workflows
from casework.core.errors import (
    GuardRefused,
    InvalidInput,
    LevelTooLow,
    NotPermitted,
    TransitionNotAllowed,
    UnknownTrigger,
)
from casework.core.vocab import LEVEL_LABELS_ZH
from workflows.base import MERGE_TRIGGER, GuardContext, Transition, Workflow, level_rank
from workflows.fields import Field, FieldError

if TYPE_CHECKING:
    from casework.models import Case, OrgUnit
    from casework.people.access import Actor


def level_ok(unit: OrgUnit, min_level: str | None) -> bool:
    """Whether ``unit`` is at ``min_level`` or above (no minimum: always)."""
    return not min_level or level_rank(unit.level) >= level_rank(min_level)


def facts(case: Case, data: Mapping[str, Any]) -> dict[str, Any]:
    """What a guard sees: the case's process attributes and columns, then the trigger's data."""
    out: dict[str, Any] = dict(case.attributes or {})
    out.update(
        worker_count=case.worker_count,
        amount_claimed=case.amount_claimed,
        collective=case.collective,
        mass_incident=case.mass_incident,
        complexity=case.complexity,
        has_union=case.employer.has_union if case.employer else None,
    )
    out.update(data)
    return out


def triggers_from(wf: Workflow, state: str) -> list[str]:
    """The triggers an error names as valid from ``state``; merging is done through its own act
    (``POST /cases/{id}/merges``), so the engine's ``merge_into`` is not offered."""
    return [t.trigger for t in wf.transitions_from(state) if t.trigger != MERGE_TRIGGER]


def check_trigger(wf: Workflow, case: Case, trigger: str) -> Transition:
    """The transition ``trigger`` stands for from the case's state, or the error saying what is
    valid instead."""
    if not wf.has_trigger(trigger):
        allowed = triggers_from(wf, case.state)
        raise UnknownTrigger(
            f"流程“{wf.label_zh}”没有操作 {trigger}；当前可用：{', '.join(allowed) or '无'}",
            f"workflow {wf.name} has no trigger {trigger!r}; valid from {case.state}: "
            f"{', '.join(allowed) or 'none'}",
            allowed=allowed,
        )
    t = wf.transition_for(trigger, case.state)
    if t is None:
        allowed = triggers_from(wf, case.state)
        raise TransitionNotAllowed(
            f"当前状态“{wf.state(case.state).label_zh}”下不能执行 {trigger}；"
            f"可用：{', '.join(allowed) or '无（已结案）'}",
            f"{trigger!r} is not valid from {case.state}; valid: "
            f"{', '.join(allowed) or 'none (terminal)'}",
            allowed=allowed,
            state=case.state,
        )
    return t


def acts_from_above(case: Case, actor: Actor) -> bool:
    """Whether ``actor`` acts from a unit strictly above the one holding ``case``."""
    return (
        not actor.is_system
        and actor.org_unit_id != case.org_unit_id
        and case.org_unit.path.startswith(actor.org_path)
    )


def check_role(case: Case, t: Transition, actor: Actor) -> None:
    if (
        t.by_unit_above
        and (actor.acting_roles(case) & t.roles)
        and not acts_from_above(case, actor)
    ):
        raise NotPermitted(
            f"“{t.label_zh}”须由作出决定的单位以外的上级单位审查决定，本单位不能自行决定",
            f"'{t.trigger}' is decided by a unit above the one holding the case, not by it",
            trigger=t.trigger,
            roles=sorted(t.roles),
        )
    if not (actor.acting_roles(case) & t.roles):
        needed = ", ".join(sorted(t.roles))
        raise NotPermitted(
            f"当前用户无权执行“{t.label_zh}”（需要角色：{needed}，且案件在其职责范围内）",
            f"'{t.trigger}' needs one of the roles {needed} acting on a case in their charge",
            trigger=t.trigger,
            roles=sorted(t.roles),
        )


def check_level(
    unit: OrgUnit, min_level: str | None, *, refused_zh: str, refused_en: str, **details: Any
) -> None:
    """The one level check: ``unit`` (the owner of a case) must be at ``min_level`` or above."""
    if not level_ok(unit, min_level):
        raise LevelTooLow(refused_zh, refused_en, min_level=min_level, level=unit.level, **details)


def check_transition_level(case: Case, t: Transition) -> None:
    if t.min_level:
        check_level(
            case.org_unit,
            t.min_level,
            refused_zh=f"“{t.label_zh}”只能由{LEVEL_LABELS_ZH[t.min_level]}及以上工会办理，"
            f"本案现由{LEVEL_LABELS_ZH[case.org_unit.level]}承办",
            refused_en=f"'{t.trigger}' needs an owning unit at {t.min_level} level or above "
            f"(the case is at {case.org_unit.level})",
            trigger=t.trigger,
        )


# A data key is named back in an error only if it looks like a key: an identifier of at most 64
# characters with no run of five digits (never a phone or ID number a client typed as a key).
_SHOWN_KEY = re.compile(r"^(?!.*[0-9]{5})[A-Za-z_][A-Za-z0-9_]{0,63}$")


def check_data(t: Transition, data: Mapping[str, Any]) -> dict[str, Any]:
    """The trigger's data as it will be recorded: every key one of the transition's fields, each
    value of the field's type (enumerations by code or 中文 label), every required field given.
    The error names the field (``amount_paid``)."""
    accepted = "、".join(f.label_zh for f in t.fields) or "无"
    parsed: dict[str, Any] = {}
    for key, value in data.items():
        f = t.field(key) if isinstance(key, str) else None
        if f is None:
            if not (isinstance(key, str) and _SHOWN_KEY.match(key)):
                key = "?"  # a key that could be anything (a phone number) is not echoed
            raise InvalidInput(
                key,
                f"“{t.label_zh}”不接受这一项数据（可填：{accepted}）",
                f"'{t.trigger}' takes no data {key!r}; it takes: "
                f"{', '.join(t.records) or 'nothing'}",
            )
        try:
            parsed[key] = f.parse(value)
        except FieldError as exc:
            raise InvalidInput(
                key, f"{f.label_zh}{exc.reason_zh}", f"{key}: {exc.reason_en}"
            ) from None
    missing = [f for f in t.fields if f.required and f.is_blank(parsed.get(f.name))]
    if missing:
        raise InvalidInput(
            missing[0].name,
            f"“{t.label_zh}”需要填写：{'、'.join(f.label_zh for f in missing)}",
            f"'{t.trigger}' needs data: {', '.join(f.name for f in missing)}",
        )
    return {k: v for k, v in parsed.items() if v is not None}


def check_guards(
    t: Transition, case: Case, data: Mapping[str, Any], settings: Mapping[str, Any], today: dt.date
) -> None:
    ctx = GuardContext(
        facts=facts(case, data),
        settings=settings,
        today=today,
        recorded=dict(case.attributes or {}),
    )
    for g in t.guards:
        if not g.check(ctx):
            raise GuardRefused(g.reason_zh, g.reason_en, guard=g.name, trigger=t.trigger)


def check_fire(
    case: Case,
    trigger: str,
    actor: Actor,
    data: Mapping[str, Any],
    *,
    guard_settings: Mapping[str, Any],
    today: dt.date,
) -> tuple[Transition, dict[str, Any]]:
    """The whole chain after visibility and version: the transition to take with its data as it
    will be recorded, or the error."""
    wf = workflows.get(case.workflow)
    t = check_trigger(wf, case, trigger)
    check_role(case, t, actor)
    check_transition_level(case, t)
    parsed = check_data(t, data)
    check_guards(t, case, parsed, guard_settings, today)
    return t, parsed


@dataclass(frozen=True)
class TriggerOption:
    trigger: str
    label_zh: str
    label_en: str
    dest: str
    requires: tuple[str, ...]
    records: tuple[str, ...]
    fields: tuple[Field, ...] = ()
    blocked_zh: str | None = None
    blocked_en: str | None = None

    @property
    def available(self) -> bool:
        return self.blocked_zh is None


def trigger_options(
    case: Case, actor: Actor, *, guard_settings: Mapping[str, Any], today: dt.date
) -> list[TriggerOption]:
    """Every trigger valid from the case's state that ``actor`` may fire here (role, scope and
    level), each saying whether a guard blocks it on the facts the case has now, and why."""
    wf = workflows.get(case.workflow)
    acting = actor.acting_roles(case)
    ctx = GuardContext(
        facts=facts(case, {}),
        settings=guard_settings,
        today=today,
        recorded=dict(case.attributes or {}),
    )
    out: list[TriggerOption] = []
    for t in wf.transitions_from(case.state):
        if not (acting & t.roles) or not level_ok(case.org_unit, t.min_level):
            continue
        if t.by_unit_above and not acts_from_above(case, actor):
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
                t.fields,
                failing.reason_zh if failing else None,
                failing.reason_en if failing else None,
            )
        )
    return out


def allowed_triggers(
    case: Case, actor: Actor, *, guard_settings: Mapping[str, Any], today: dt.date
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


# -- the caseworker desk's filters -------------------------------------------------------------

DESK_SCOPES = ("mine", "unit", "all")
MAX_DESK_SEARCH = 100


def desk_filter(params: dict[str, Any]) -> dict[str, str]:
    """A desk filter as stored: scope, process, overdue-only and search text, each checked
    (InvalidInput names the one that is wrong); empty values left out."""
    unknown = sorted(set(params) - {"scope", "workflow", "overdue", "q"})
    if unknown:
        raise InvalidInput("params", "筛选条件不认识", f"unknown filter keys {unknown}")
    out: dict[str, str] = {}
    scope = params.get("scope") or "mine"
    if scope not in DESK_SCOPES:
        raise InvalidInput("scope", "范围必须是 我的案件、本单位 或 全部", "mine, unit or all")
    out["scope"] = scope
    workflow = params.get("workflow") or ""
    if workflow:
        if workflow not in workflows.names():
            raise InvalidInput("workflow", "未知流程", f"one of {', '.join(workflows.names())}")
        out["workflow"] = workflow
    overdue = params.get("overdue") or ""
    if overdue:
        if overdue != "yes":
            raise InvalidInput("overdue", "期限筛选只能是“仅已超期”", "must be yes or empty")
        out["overdue"] = overdue
    q = params.get("q") or ""
    if not isinstance(q, str) or len(q) > MAX_DESK_SEARCH:
        raise InvalidInput("q", f"搜索内容不超过{MAX_DESK_SEARCH}字", "at most 100 characters")
    if q.strip():
        out["q"] = q.strip()
    return out
