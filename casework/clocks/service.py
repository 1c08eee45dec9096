"""Running clocks: one ``deadlines`` row per rule applied from a state entry.

Entering a state starts the clocks whose rule starts there; leaving every state a rule runs in
stops its clock (``met``); entering a state the rule pauses in pauses it, and leaving that state
resumes it with the remaining time counted from the resume date. The case keeps the nearest due
time of its running clocks in the indexed ``next_due_at`` column, so a sweep reads only what is
due.

A clock keeps the end of its period as counted (``period_end``) next to the due date a rest day
moved it to (``due_on``). What is left at a pause, and what an extension adds, is counted from
the former: the rest days a period was moved over are not days of it (docs/domain.md §1). Users
pause, resume and extend a clock only where its rule's law allows (``DeadlineRule``).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

import workflows
from casework.clocks.calendar import (
    DueDate,
    WorkCalendar,
    import_schedule,
    load_calendar,
    parse_schedule,
    set_day,
    unset_day,
)
from casework.clocks.queries import active_clocks, hold_clock, period_end
from casework.core.errors import GuardRefused, InvalidInput, NotFound
from casework.core.queries import get_or_404
from casework.core.time import end_of_day, local_date, start_of_day
from casework.core.uow import UnitOfWork, check_version, commit_or_conflict
from casework.core.vocab import EXTENSION_BASES, MAX_PERSON_NAME
from casework.history import Chain, record
from casework.models import CalendarDay, Case, Deadline
from casework.people.access import Actor, require
from workflows.base import OFFICER_APPROVAL, DeadlineRule, Workflow

STATE_PAUSE = "state:"  # the reason recorded when a rule's own state pauses a clock


def rule_days(uow: UnitOfWork, wf: Workflow, rule: DeadlineRule, case: Case) -> int:
    """The days a clock of ``rule`` runs for on ``case``: a setting for the case's tier, else
    one for the rule, else the definition (per tier where it grades by complexity)."""
    days = uow.settings.deadline_days
    for key in (f"{wf.name}.{rule.name}.{case.complexity}", f"{wf.name}.{rule.name}"):
        if key in days:
            return days[key]
    return rule.days_for(case.complexity)


def _remind_at(cal: WorkCalendar, due_on: dt.date, lead: int) -> dt.datetime:
    day = due_on
    for _ in range(max(lead, 0)):
        day = day - dt.timedelta(days=1)
        while not cal.is_workday(day):
            day = day - dt.timedelta(days=1)
    return start_of_day(day)


def _end_values(
    cal: WorkCalendar,
    end: dt.date,
    verified: bool,
    lead: int,
    now: dt.datetime,
    reminded: bool = False,
) -> dict[str, object]:
    """A clock that runs to ``end`` as counted is due on ``end`` or the next working day."""
    due_on = cal.roll(end)
    remind = None if reminded else _remind_at(cal, due_on, lead)
    return {
        "period_end": end,
        "due_on": due_on,
        "due_at": end_of_day(due_on),
        "calendar_verified": verified,
        # A clock that starts inside its own lead time needs no "due soon" notice: its start
        # says it.
        "remind_at": remind if remind is not None and remind > now else None,
    }


def _set_end(
    d: Deadline, cal: WorkCalendar, end: dt.date, verified: bool, lead: int, now: dt.datetime
) -> None:
    """The clock now runs to ``end`` as counted; it is due on ``end`` or the next working day."""
    for name, value in _end_values(
        cal, end, verified, lead, now, d.reminded_at is not None
    ).items():
        setattr(d, name, value)


def start_date(case: Case, rule: DeadlineRule, now: dt.datetime) -> dt.date:
    """The day a period is counted from: the date the rule names (recorded by the step that
    starts it: receipt, filing, service) if the case has it, else the day of the state entry."""
    if rule.starts_from:
        recorded = (case.attributes or {}).get(rule.starts_from)
        if recorded:
            return dt.date.fromisoformat(recorded)
    return local_date(now)


def new_clock(
    uow: UnitOfWork,
    case: Case,
    rule: DeadlineRule,
    *,
    entry_seq: int,
    now: dt.datetime,
    cal: WorkCalendar,
    started: dt.date | None = None,
    due_on: dt.date | None = None,
    org_unit_id: int | None = None,
) -> tuple[dict[str, object], dict[str, object]]:
    """The columns of a clock of ``rule`` starting on ``case`` now (held by the case's unit),
    and the data of its ``deadline_set`` event: what :func:`start_clock` writes, as plain values
    for the sweep's multi-row inserts. ``org_unit_id``: the unit the case is moving to."""
    wf = workflows.get(case.workflow)
    days = rule_days(uow, wf, rule, case)
    started = started or start_date(case, rule, now)
    if due_on is None:
        due = cal.due(started, days, rule.unit)
    else:  # a day fixed by the caller (a notice before a recorded date)
        due = DueDate(cal.next_workday_on_or_after(due_on), cal.verified_between(started, due_on))
    end = cal.period_end(started, days, rule.unit) if due_on is None else due_on
    # The regional rule this deployment cites (workflows.jurisdiction), stored with the clock.
    citation = uow.settings.region.rule_citation(wf.name, rule.name, rule.citation)
    values: dict[str, object] = {
        "case_id": case.id,
        "rule": rule.name,
        "kind": rule.kind,
        "unit": rule.unit,
        "days": days,
        "citation": citation,
        "on_expiry": rule.on_expiry,
        "entry_seq": entry_seq,
        "org_unit_id": org_unit_id or case.org_unit_id,
        "started_on": started,
        "status": "running",
        "paused_at": None,
        "pause_reason": None,
        "version": 1,
        "created_at": now,
        **_end_values(cal, end, due.calendar_verified, uow.settings.reminder_lead_days, now),
    }
    event = {
        "rule": rule.name,
        "citation": citation,
        "days": days,
        "unit": rule.unit,
        "started_on": started.isoformat(),
        "due": due.due.isoformat(),
        "calendar_verified": due.calendar_verified,
    }
    return values, event


def start_clock(
    uow: UnitOfWork,
    case: Case,
    rule: DeadlineRule,
    *,
    entry_seq: int,
    now: dt.datetime,
    cal: WorkCalendar | None = None,
    started: dt.date | None = None,
    due_on: dt.date | None = None,
) -> Deadline:
    values, event = new_clock(
        uow,
        case,
        rule,
        entry_seq=entry_seq,
        now=now,
        cal=cal or load_calendar(uow.session),
        started=started,
        due_on=due_on,
    )
    values.pop("version")  # the ORM numbers the versions it writes
    d = Deadline(**values)
    uow.session.add(d)
    hold_clock(uow.session, case, d)
    record(uow, case, "deadline_set", data=event, at=now)
    return d


def _pause(
    uow: UnitOfWork, case: Case, d: Deadline, now: dt.datetime, reason: str, by: Actor | None = None
) -> None:
    d.status = "paused"
    d.paused_at = now
    d.pause_reason = reason[:255]
    record(
        uow,
        case,
        "deadline_paused",
        by=by,
        data={"rule": d.rule, "reason": reason, "period_end": period_end(d).isoformat()},
        at=now,
    )


def _resume(
    uow: UnitOfWork,
    case: Case,
    d: Deadline,
    now: dt.datetime,
    cal: WorkCalendar,
    reason: str,
    by: Actor | None = None,
) -> None:
    """The days still to run when the clock was paused count again from today. They are counted
    to the period's end as counted, never to the due date a rest day moved it to (§1)."""
    paused_on = local_date(d.paused_at or now)
    resumed_on = local_date(now)
    end = cal.resumed_end(period_end(d), paused_on, resumed_on, d.unit)
    d.paused_days += max((resumed_on - paused_on).days, 0)
    d.paused_at = None
    d.pause_reason = None
    d.status = "running"
    due_on = cal.roll(end)
    verified = d.calendar_verified and cal.verified_between(resumed_on, due_on)
    _set_end(d, cal, end, verified, uow.settings.reminder_lead_days, now)
    record(
        uow,
        case,
        "deadline_resumed",
        by=by,
        data={
            "rule": d.rule,
            "reason": reason,
            "paused_on": paused_on.isoformat(),
            "paused_days": d.paused_days,
            "period_end": end.isoformat(),
            "due": due_on.isoformat(),
        },
        at=now,
    )


def refresh_next_due(case: Case, clocks: list[Deadline]) -> None:
    """Keep the case's nearest due time (indexed) equal to its earliest running clock."""
    case.next_due_at = min((d.due_at for d in clocks if d.status == "running"), default=None)


def on_state_change(
    uow: UnitOfWork,
    case: Case,
    from_state: str | None,
    to_state: str,
    *,
    entry_seq: int,
    now: dt.datetime,
) -> None:
    """Stop, pause, resume and start the case's clocks for a move into ``to_state``."""
    s = uow.session
    wf = workflows.get(case.workflow)
    cal = load_calendar(s)
    active = active_clocks(s, case.id) if from_state is not None else []
    clocks = list(active)
    running_rules = set()
    for d in active:
        rule = wf.rule(d.rule)
        if rule.case_wide:
            continue  # started by an act, stopped by one: not by a step
        if to_state not in rule.runs_in:
            d.status = "met"
            d.handled_at = now
            continue
        running_rules.add(d.rule)
        if to_state in rule.pauses_in and d.status == "running":
            _pause(uow, case, d, now, reason=f"{STATE_PAUSE}{to_state}")
        elif (
            to_state not in rule.pauses_in
            and d.status == "paused"
            and (d.pause_reason or STATE_PAUSE).startswith(STATE_PAUSE)
        ):
            # Only a rule's own pause ends with its state; a user's pause waits for a user.
            _resume(uow, case, d, now, cal, reason=f"{STATE_PAUSE}{to_state}")
    for rule in wf.rules_starting_in(to_state):
        if rule.before is None and rule.name not in running_rules:
            clocks.append(start_clock(uow, case, rule, entry_seq=entry_seq, now=now, cal=cal))
    refresh_next_due(case, clocks)


def _clocks_of(uow: UnitOfWork, case: Case, rule: str) -> list[Deadline]:
    """Every clock of ``rule`` the case had, including those added in this transaction."""
    s = uow.session
    with s.no_autoflush:  # flushing the half-done case would bump its version twice
        rows = list(
            s.scalars(select(Deadline).where(Deadline.case_id == case.id, Deadline.rule == rule))
        )
    pending = [o for o in s.new if isinstance(o, Deadline) and o.case_id == case.id]
    return rows + [d for d in pending if d.rule == rule and d not in rows]


def _date_or_none(raw: object) -> dt.date | None:
    """A date the case carries, or None when it has none (or something that is not a date)."""
    try:
        return dt.date.fromisoformat(raw) if isinstance(raw, str) and raw else None
    except ValueError:
        return None


def sync_dated_clocks(uow: UnitOfWork, case: Case, *, entry_seq: int, now: dt.datetime) -> None:
    """The notice clocks due some days before a date the case carries (``DeadlineRule.before``:
    30 and 7 days before the arbitration limitation date). A clock starts once the date is known
    and the case is in one of its states; when the date changes the clock for the old date
    stops and one for the new date starts. Each clock names its date in its citation, and no
    date gets a second clock of a rule, so an expired notice is never sent again. A notice day
    already past is skipped, except the last one, which is due at once while the date itself
    is still ahead."""
    wf = workflows.get(case.workflow)
    rules = [r for r in wf.deadlines if r.before is not None]
    if not rules:
        return
    cal = load_calendar(uow.session)
    today = local_date(now)
    last = min(r.days for r in rules)
    changed = False
    for rule in rules:
        target = _date_or_none((case.attributes or {}).get(rule.before))
        watched = target is not None and case.state in rule.runs_in and target >= today
        cite = f"{rule.citation}（{target.isoformat()} 届满）" if target else None
        had = _clocks_of(uow, case, rule.name)
        for d in had:
            if d.status in ("running", "paused") and not (watched and d.citation == cite):
                d.status = "stopped"
                d.handled_at = now
                changed = True
        if not watched or any(d.citation == cite for d in had):
            continue
        due = target - dt.timedelta(days=rule.days)
        if due < today:
            if rule.days != last:
                continue
            due = today
        try:
            d = start_clock(
                uow, case, rule, entry_seq=entry_seq, now=now, cal=cal, started=today, due_on=due
            )
        except InvalidInput:  # a date outside the calendar's years: no notice can be set
            continue
        d.citation = cite
        d.remind_at = None  # the clock is itself the advance notice
        changed = True
    if changed:
        refresh_next_due(case, active_clocks(uow.session, case.id))


def start_case_clock(
    uow: UnitOfWork, case: Case, rule: DeadlineRule, *, entry_seq: int, now: dt.datetime
) -> Deadline | None:
    """Start a clock an act starts (``DeadlineRule.case_wide``), counted in calendar days from
    today and due at the end of its last day — that day, rest day or not: a same-day duty does
    not wait for Monday. None when the case already has such a clock (it is owed once)."""
    if _clocks_of(uow, case, rule.name):
        return None
    started = local_date(now)
    end = started + dt.timedelta(days=rule.days)
    cal = load_calendar(uow.session)
    d = Deadline(
        case_id=case.id,
        rule=rule.name,
        kind=rule.kind,
        unit=rule.unit,
        days=rule.days,
        citation=rule.citation,
        on_expiry=rule.on_expiry,
        entry_seq=entry_seq,
        org_unit_id=case.org_unit_id,
        started_on=started,
        period_end=end,
        due_on=end,
        due_at=end_of_day(end),
        calendar_verified=cal.verified_between(started, end),
        remind_at=None,  # the notice that starts it is its reminder
        status="running",
        created_at=now,
    )
    uow.session.add(d)
    hold_clock(uow.session, case, d)
    record(
        uow,
        case,
        "deadline_set",
        data={
            "rule": rule.name,
            "citation": rule.citation,
            "days": rule.days,
            "unit": rule.unit,
            "started_on": started.isoformat(),
            "due": end.isoformat(),
            "calendar_verified": d.calendar_verified,
        },
        at=now,
    )
    refresh_next_due(case, active_clocks(uow.session, case.id))
    return d


def discharge_case_clock(
    uow: UnitOfWork, case: Case, rule: str, *, now: dt.datetime
) -> Deadline | None:
    """The act a case-wide clock waits for is done: its running clock is met (an expired one
    stays expired: it was missed). Returns the clock, None if the case never had one."""
    clocks = _clocks_of(uow, case, rule)
    if not clocks:
        return None
    d = clocks[-1]
    if d.status in ("running", "paused"):
        d.status = "met"
        d.handled_at = now
        refresh_next_due(case, active_clocks(uow.session, case.id))
    return d


def restart_handling_clocks(
    uow: UnitOfWork, case: Case, *, entry_seq: int, now: dt.datetime
) -> None:
    """After a lift: the unit now holding the case gets a fresh handling clock for its step."""
    s = uow.session
    wf = workflows.get(case.workflow)
    cal = load_calendar(s)
    clocks = active_clocks(s, case.id)
    for d in clocks:
        if d.kind == "handling":
            d.status = "stopped"
            d.handled_at = now
    for rule in wf.deadlines:
        if rule.kind == "handling" and case.state in rule.runs_in:
            d = start_clock(
                uow, case, rule, entry_seq=entry_seq, now=now, cal=cal, started=local_date(now)
            )
            if case.state in rule.pauses_in:
                _pause(uow, case, d, now, reason=f"{STATE_PAUSE}{case.state}")
            clocks.append(d)
    refresh_next_due(case, clocks)


def restarted_handling_clocks(
    uow: UnitOfWork,
    case: Case,
    *,
    org_unit_id: int,
    chain: Chain,
    now: dt.datetime,
    cal: WorkCalendar,
) -> list[dict[str, object]]:
    """:func:`restart_handling_clocks` as rows, for a case lifted to ``org_unit_id`` in a batch:
    the new handling clocks of its step (paused at once where the step pauses them), their
    events appended to ``chain`` (whose last event is the lift). Stopping the old handling
    clocks is the caller's one UPDATE."""
    wf = workflows.get(case.workflow)
    entry_seq = chain.seq
    rows = []
    for rule in wf.deadlines:
        if rule.kind != "handling" or case.state not in rule.runs_in:
            continue
        values, event = new_clock(
            uow,
            case,
            rule,
            entry_seq=entry_seq,
            now=now,
            cal=cal,
            started=local_date(now),
            org_unit_id=org_unit_id,
        )
        chain.append("deadline_set", data=event, at=now)
        if case.state in rule.pauses_in:
            reason = f"{STATE_PAUSE}{case.state}"
            values.update(status="paused", paused_at=now, pause_reason=reason[:255])
            chain.append(
                "deadline_paused",
                data={
                    "rule": rule.name,
                    "reason": reason,
                    "period_end": values["period_end"].isoformat(),  # type: ignore[attr-defined]
                },
                at=now,
            )
        rows.append(values)
    return rows


# -- a user's lawful acts on a clock ---------------------------------------------------------
#
# Only where the rule's law allows it (workflows.base.DeadlineRule: ``pausable``,
# ``extension_bases``, ``extension_cap``); a refusal gives the legal reason. Each act is an event
# in the case history with who did it and why.


def case_and_clock(
    uow: UnitOfWork, case_id: int, rule: str, actor: Actor, expected_version: int | None
) -> tuple[Case, Deadline, list[Deadline], DeadlineRule]:
    """The case (visible, at the expected version, the actor managing its clocks), its running
    clock of ``rule`` (NotFound if none), all its running clocks and the rule's definition."""
    case = get_or_404(uow.session, Case, case_id, "案件", "case", visible=actor.can_see)
    check_version(case, expected_version)
    require(actor, "manage_clock", case)
    wf = workflows.get(case.workflow)
    try:
        spec = wf.rule(rule)
    except KeyError:
        raise NotFound(
            f"“{wf.label_zh}”没有此项期限", f"the {wf.name} workflow has no clock {rule!r}"
        ) from None
    clocks = active_clocks(uow.session, case.id)
    d = next((c for c in clocks if c.rule == rule), None)
    if d is None:
        raise NotFound(
            "该案件没有正在计时的此项期限", f"case {case.ref} has no running clock {rule!r}"
        )
    return case, d, clocks, spec


def _text(value: str | None, field: str, what_zh: str, longest: int) -> str:
    text = (value or "").strip()
    if not text:
        raise InvalidInput(field, f"必须写明{what_zh}", f"{field} must not be empty")
    if len(text) > longest:
        raise InvalidInput(
            field, f"{what_zh}不超过{longest}字", f"{field}: at most {longest} characters"
        )
    return text


def pause_clock(
    uow: UnitOfWork,
    *,
    case_id: int,
    rule: str,
    actor: Actor,
    reason: str,
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> Deadline:
    """Pause a clock whose law lets it stand still (e.g. 中止审理, materials still missing),
    with a reason; the days it stands still are not counted. ``GuardRefused`` with the legal
    reason for a period the law never suspends."""
    now = now or dt.datetime.now(dt.UTC)
    with uow:
        case, d, clocks, spec = case_and_clock(uow, case_id, rule, actor, expected_version)
        if not spec.pausable:
            raise GuardRefused(
                f"{spec.label_zh}不能暂停计时：{spec.pause_citation}",
                f"the law does not suspend {rule!r}",
                guard="pausable",
            )
        text = _text(reason, "reason", "暂停计时的理由", 255)
        if d.status == "paused":
            raise InvalidInput("rule", "该期限已暂停", "the clock is already paused")
        _pause(uow, case, d, now, reason=text, by=actor)
        refresh_next_due(case, clocks)
        commit_or_conflict(uow)
        return d


def resume_clock(
    uow: UnitOfWork,
    *,
    case_id: int,
    rule: str,
    actor: Actor,
    reason: str,
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> Deadline:
    """Resume a clock a user paused: the days it had left count again from today. A clock its
    rule pauses in a state (legal aid's review while materials are missing) resumes by itself
    when the case leaves that state, and is refused here."""
    now = now or dt.datetime.now(dt.UTC)
    with uow:
        case, d, clocks, spec = case_and_clock(uow, case_id, rule, actor, expected_version)
        text = _text(reason, "reason", "恢复计时的理由", 255)
        if d.status != "paused":
            raise InvalidInput("rule", "该期限未暂停", "the clock is not paused")
        if (d.pause_reason or "").startswith(STATE_PAUSE):
            state = workflows.get(case.workflow).state(case.state)
            raise GuardRefused(
                f"{spec.label_zh}因案件处于“{state.label_zh}”而中止计算，离开该状态时自动恢复",
                f"{rule!r} is paused by the state {case.state!r} and resumes when the case "
                "leaves it",
                guard="paused_by_state",
            )
        cal = load_calendar(uow.session)
        _resume(uow, case, d, now, cal, reason=text, by=actor)
        refresh_next_due(case, clocks)
        commit_or_conflict(uow)
        return d


def extension_basis(value: str) -> str:
    """An extension's basis by its code or its Chinese label (``InvalidInput`` on ``basis``)."""
    text = (value or "").strip()
    for code, label in EXTENSION_BASES.items():
        if text in (code, label):
            return code
    labels = "、".join(f"{label}（{code}）" for code, label in EXTENSION_BASES.items())
    raise InvalidInput(
        "basis", f"延长依据须为：{labels}", f"must be one of {', '.join(EXTENSION_BASES)}"
    )


def extend_clock(
    uow: UnitOfWork,
    *,
    case_id: int,
    rule: str,
    days: int,
    basis: str,
    actor: Actor,
    approver: str | None = None,
    note: str | None = None,
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> Deadline:
    """Extend a clock where its law allows, on a lawful basis: both parties' consent (who
    consented goes in ``note``) or a named officer's approval (``approver``). The days are added
    to the period's end as counted; a cap, where the law sets one, bounds all extensions."""
    now = now or dt.datetime.now(dt.UTC)
    code = extension_basis(basis)
    with uow:
        case, d, clocks, spec = case_and_clock(uow, case_id, rule, actor, expected_version)
        if not spec.extendable:
            raise GuardRefused(
                f"{spec.label_zh}不能延长：{spec.extension_citation}",
                f"the law allows no extension of {rule!r}",
                guard="extendable",
            )
        if code not in spec.extension_bases:
            allowed = "、".join(EXTENSION_BASES[b] for b in spec.extension_bases)
            raise InvalidInput(
                "basis",
                f"{spec.label_zh}只能依“{allowed}”延长：{spec.extension_citation}",
                f"{rule!r} may be extended only on: {', '.join(spec.extension_bases)}",
            )
        unit = spec.extension_unit or spec.unit
        unit_zh = "个工作日" if unit == "working" else "日"
        if isinstance(days, bool) or not isinstance(days, int) or days < 1:
            raise InvalidInput("days", "延长天数须为正整数", "must be a whole number of days >= 1")
        if spec.extension_cap is not None and d.extended_days + days > spec.extension_cap:
            left = spec.extension_cap - d.extended_days
            raise InvalidInput(
                "days",
                f"最多还可延长 {left} {unit_zh}（{spec.extension_citation}）",
                f"at most {left} more days may be added (cap {spec.extension_cap})",
            )
        if code == OFFICER_APPROVAL:
            who = _text(approver, "approver", "批准人（负责人姓名、职务）", MAX_PERSON_NAME)
            remark = (note or "").strip()
        else:
            if (approver or "").strip():
                raise InvalidInput(
                    "approver",
                    "双方当事人同意的延长不填批准人，请在备注中写明同意的当事人及方式",
                    "parties' consent names no approver: say in note who consented and how",
                )
            who = None
            remark = _text(note, "note", "同意延长的当事人及方式", 255)
        if len(remark) > 255:
            raise InvalidInput("note", "备注不超过255字", "note: at most 255 characters")
        cal = load_calendar(uow.session)
        old_end = period_end(d)
        end = cal.period_end(old_end, days, unit)
        due_on = cal.roll(end)
        verified = d.calendar_verified and cal.verified_between(old_end, due_on)
        d.extended_days += days
        d.extension_basis = code
        d.extension_approver = who
        d.extension_note = remark or None
        _set_end(d, cal, end, verified, uow.settings.reminder_lead_days, now)
        data = {
            "rule": rule,
            "days": days,
            "unit": unit,
            "basis": code,
            "basis_label_zh": EXTENSION_BASES[code],
            "extended_days": d.extended_days,
            "period_end": end.isoformat(),
            "due": due_on.isoformat(),
        }
        if who:
            data["approver"] = who
        if remark:
            data["note"] = remark
        record(uow, case, "deadline_extended", by=actor, data=data, at=now)
        refresh_next_due(case, clocks)
        commit_or_conflict(uow)
        return d


# -- the calendar ----------------------------------------------------------------------------


def set_calendar_day(
    uow: UnitOfWork, *, actor: Actor, day: dt.date, is_workday: bool, name: str | None = None
) -> CalendarDay:
    """An administrator marks one date a working day or a holiday (wins over the package); only
    in the years the calendar supports (``InvalidInput`` on ``day``)."""
    require(actor, "manage_calendar")
    with uow:
        row = set_day(uow.session, day, is_workday=is_workday, name=name)
        uow.commit()
        return row


def unset_calendar_day(uow: UnitOfWork, *, actor: Actor, day: dt.date) -> None:
    """An administrator takes their entry for one date back: the package's schedule for that day
    again if it has one, else Monday–Friday. ``NotFound`` if there is no administrator's entry."""
    require(actor, "manage_calendar")
    with uow:
        unset_day(uow.session, day)
        uow.commit()


# A published schedule lists about 30 days; a file much larger than this is not one.
MAX_SCHEDULE_BYTES = 64 * 1024


def import_calendar_schedule(
    uow: UnitOfWork, *, actor: Actor, content: bytes, filename: str = ""
) -> tuple[int, list[int]]:
    """An administrator imports a year's published schedule (the State Council's 放假安排): CSV
    ``date,is_workday,name`` or JSON, UTF-8 (the format of ``casework calendar import``,
    docs/domain.md). Every day becomes an administrator's entry and each year it covers is
    verified; one bad line refuses the whole file (``InvalidInput`` on ``file``, ``date`` or
    ``is_workday``, saying which line), nothing written. Returns the days and the years."""
    require(actor, "manage_calendar")
    if not content.strip():
        raise InvalidInput("file", "请选择要导入的放假安排文件", "choose a schedule file")
    if len(content) > MAX_SCHEDULE_BYTES:
        raise InvalidInput(
            "file",
            f"文件过大（不超过 {MAX_SCHEDULE_BYTES // 1024} KB）",
            f"the file is too large (at most {MAX_SCHEDULE_BYTES // 1024} KiB)",
        )
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidInput(
            "file", "文件须为 UTF-8 编码的 CSV 或 JSON", "the file must be UTF-8 CSV or JSON"
        ) from None
    rows = parse_schedule(text, filename)
    with uow:
        years = import_schedule(uow.session, rows)
        uow.commit()
        return len(rows), years
