"""Running clocks: one ``deadlines`` row per rule applied from a state entry.

Entering a state starts the clocks whose rule starts there; leaving every state a rule runs in
stops its clock (``met``); entering a state the rule pauses in pauses it, and leaving that state
resumes it with the remaining time counted from the resume date. The case keeps the nearest due
time of its running clocks in the indexed ``next_due_at`` column, so a sweep reads only what is
due.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

import workflows
from casework.clocks.calendar import DueDate, WorkCalendar, load_calendar, set_day, unset_day
from casework.clocks.queries import active_clocks
from casework.core.errors import InvalidInput, NotFound
from casework.core.queries import get_or_404
from casework.core.time import end_of_day, local_date, start_of_day
from casework.core.uow import UnitOfWork, check_version, commit_or_conflict
from casework.history import record
from casework.models import CalendarDay, Case, Deadline
from casework.people.access import Actor, require
from workflows.base import DeadlineRule, Workflow


def rule_days(uow: UnitOfWork, wf: Workflow, rule: DeadlineRule, case: Case) -> int:
    override = uow.settings.deadline_days.get(f"{wf.name}.{rule.name}")
    if override is not None:
        return override
    return rule.days_for(case.complexity)


def _remind_at(cal: WorkCalendar, due_on: dt.date, lead: int) -> dt.datetime:
    day = due_on
    for _ in range(max(lead, 0)):
        day = day - dt.timedelta(days=1)
        while not cal.is_workday(day):
            day = day - dt.timedelta(days=1)
    return start_of_day(day)


def _set_due(
    d: Deadline, cal: WorkCalendar, due_on: dt.date, verified: bool, lead: int, now: dt.datetime
) -> None:
    d.due_on = due_on
    d.due_at = end_of_day(due_on)
    d.calendar_verified = verified
    remind = None if d.reminded_at else _remind_at(cal, due_on, lead)
    # A clock that starts inside its own lead time needs no "due soon" notice: its start says it.
    d.remind_at = remind if remind is not None and remind > now else None


def start_date(case: Case, rule: DeadlineRule, now: dt.datetime) -> dt.date:
    """The day a period is counted from: the date the rule names (recorded by the step that
    starts it: receipt, filing, service) if the case has it, else the day of the state entry."""
    if rule.starts_from:
        recorded = (case.attributes or {}).get(rule.starts_from)
        if recorded:
            return dt.date.fromisoformat(recorded)
    return local_date(now)


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
    s = uow.session
    wf = workflows.get(case.workflow)
    cal = cal or load_calendar(s)
    days = rule_days(uow, wf, rule, case)
    started = started or start_date(case, rule, now)
    if due_on is None:
        due = cal.due(started, days, rule.unit)
    else:  # a day fixed by the caller (a notice before a recorded date)
        due = DueDate(cal.next_workday_on_or_after(due_on), cal.verified_between(started, due_on))
    d = Deadline(
        case_id=case.id,
        rule=rule.name,
        kind=rule.kind,
        unit=rule.unit,
        days=days,
        citation=rule.citation,
        on_expiry=rule.on_expiry,
        entry_seq=entry_seq,
        org_unit_id=case.org_unit_id,
        started_on=started,
        status="running",
        created_at=now,
    )
    _set_due(d, cal, due.due, due.calendar_verified, uow.settings.reminder_lead_days, now)
    s.add(d)
    record(
        uow,
        case,
        "deadline_set",
        data={
            "rule": rule.name,
            "citation": rule.citation,
            "days": days,
            "unit": rule.unit,
            "started_on": started.isoformat(),
            "due": due.due.isoformat(),
            "calendar_verified": due.calendar_verified,
        },
        at=now,
    )
    return d


def _pause(
    uow: UnitOfWork, case: Case, d: Deadline, now: dt.datetime, reason: str, by: Actor | None = None
) -> None:
    d.status = "paused"
    d.paused_at = now
    record(uow, case, "deadline_paused", by=by, data={"rule": d.rule, "reason": reason}, at=now)


def _resume(
    uow: UnitOfWork,
    case: Case,
    d: Deadline,
    now: dt.datetime,
    cal: WorkCalendar,
    reason: str,
    by: Actor | None = None,
) -> None:
    paused_on = local_date(d.paused_at or now)
    resumed_on = local_date(now)
    remaining = cal.elapsed(paused_on, d.due_on, d.unit)
    due = cal.due(resumed_on, remaining, d.unit)
    d.paused_days += max((resumed_on - paused_on).days, 0)
    d.paused_at = None
    d.status = "running"
    verified = d.calendar_verified and due.calendar_verified
    _set_due(d, cal, due.due, verified, uow.settings.reminder_lead_days, now)
    record(
        uow,
        case,
        "deadline_resumed",
        by=by,
        data={
            "rule": d.rule,
            "reason": reason,
            "paused_days": d.paused_days,
            "due": due.due.isoformat(),
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
        if to_state not in rule.runs_in:
            d.status = "met"
            d.handled_at = now
            continue
        running_rules.add(d.rule)
        if to_state in rule.pauses_in and d.status == "running":
            _pause(uow, case, d, now, reason=f"state:{to_state}")
        elif to_state not in rule.pauses_in and d.status == "paused":
            _resume(uow, case, d, now, cal, reason=f"state:{to_state}")
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
                _pause(uow, case, d, now, reason=f"state:{case.state}")
            clocks.append(d)
    refresh_next_due(case, clocks)


# -- a user's lawful acts on a clock ---------------------------------------------------------


def _case_and_clock(
    uow: UnitOfWork, case_id: int, rule: str, actor: Actor, expected_version: int | None
) -> tuple[Case, Deadline, list[Deadline]]:
    case = get_or_404(uow.session, Case, case_id, "案件", "case", visible=actor.can_see)
    check_version(case, expected_version)
    require(actor, "manage_clock", case)
    clocks = active_clocks(uow.session, case.id)
    d = next((c for c in clocks if c.rule == rule), None)
    if d is None:
        raise NotFound(
            "该案件没有正在计时的此项期限", f"case {case.ref} has no running clock {rule!r}"
        )
    return case, d, clocks


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
    """Pause a clock with a reason (e.g. waiting for the applicant); an event records it."""
    now = now or dt.datetime.now(dt.UTC)
    with uow:
        case, d, clocks = _case_and_clock(uow, case_id, rule, actor, expected_version)
        if not (reason or "").strip():
            raise InvalidInput("reason", "暂停计时必须说明理由", "a pause needs a reason")
        if d.status == "paused":
            raise InvalidInput("rule", "该期限已暂停", "the clock is already paused")
        _pause(uow, case, d, now, reason=reason.strip(), by=actor)
        refresh_next_due(case, clocks)
        commit_or_conflict(uow)
        return d


def resume_clock(
    uow: UnitOfWork,
    *,
    case_id: int,
    rule: str,
    actor: Actor,
    reason: str = "",
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> Deadline:
    """Resume a paused clock: the days left count again from today."""
    now = now or dt.datetime.now(dt.UTC)
    with uow:
        case, d, clocks = _case_and_clock(uow, case_id, rule, actor, expected_version)
        if d.status != "paused":
            raise InvalidInput("rule", "该期限未暂停", "the clock is not paused")
        cal = load_calendar(uow.session)
        _resume(uow, case, d, now, cal, reason=reason or "resumed", by=actor)
        refresh_next_due(case, clocks)
        commit_or_conflict(uow)
        return d


def extend_clock(
    uow: UnitOfWork,
    *,
    case_id: int,
    rule: str,
    days: int,
    actor: Actor,
    note: str,
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> Deadline:
    """Extend a clock where the law allows it (mediation by both parties' consent, arbitration
    +15 days, labour inspection +30 working days), recording who approved and why."""
    now = now or dt.datetime.now(dt.UTC)
    with uow:
        case, d, clocks = _case_and_clock(uow, case_id, rule, actor, expected_version)
        spec = workflows.get(case.workflow).rule(rule)
        if spec.extendable_days <= 0:
            raise InvalidInput(
                "rule", "法律未规定此项期限可以延长", f"the law allows no extension of {rule!r}"
            )
        if not isinstance(days, int) or days < 1 or d.extended_days + days > spec.extendable_days:
            left = spec.extendable_days - d.extended_days
            raise InvalidInput(
                "days", f"最多还可延长 {left} 日", f"at most {left} more days may be added"
            )
        if not (note or "").strip():
            raise InvalidInput(
                "note",
                "延长期限须说明依据（如双方同意、批准文号）",
                "an extension needs a note (consent, approval)",
            )
        cal = load_calendar(uow.session)
        unit = spec.extension_unit or spec.unit
        if unit == "working":
            new_due = cal.add_working_days(d.due_on, days)
        else:
            new_due = cal.next_workday_on_or_after(d.due_on + dt.timedelta(days=days))
        verified = d.calendar_verified and cal.verified_between(d.due_on, new_due)
        d.extended_days += days
        d.extension_note = note.strip()[:255]
        _set_due(d, cal, new_due, verified, uow.settings.reminder_lead_days, now)
        record(
            uow,
            case,
            "deadline_extended",
            by=actor,
            data={
                "rule": rule,
                "days": days,
                "unit": unit,
                "due": new_due.isoformat(),
                "approved_by": actor.username,
                "note": note.strip(),
            },
            at=now,
        )
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
