"""Reading clocks: the running ones of a case, and the one view of a clock that the API, the
CLI's ``explain`` and the pages all show."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import inspect as sa_inspect
from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

import workflows
from casework.clocks.calendar import WorkCalendar, check_supported, load_calendar
from casework.core.errors import InvalidInput
from casework.core.queries import get_or_404
from casework.core.time import iso, local_date
from casework.core.uow import UnitOfWork
from casework.core.vocab import ACTIVE_CLOCK_STATUSES, EXTENSION_BASES, MAX_DEADLINE_DAYS
from casework.models import CalendarDay, Case, Deadline
from workflows.base import CALENDAR, WORKING


def loaded_open_clocks(session: Session, case_id: int) -> list[Deadline] | None:
    """The case's open clocks as read with the case in this session (``Case.open_clocks``,
    kept in step by :func:`hold_clock`), or None when they were not read."""
    case = session.identity_map.get(identity_key(Case, case_id))
    if case is None or "open_clocks" not in sa_inspect(case).dict:
        return None
    return list(case.open_clocks)


def hold_clock(session: Session, case: Case, clock: Deadline) -> None:
    """A clock started in this transaction joins the case's loaded open clocks (a view-only
    list the ORM does not maintain), so the step and its answer see it without a statement."""
    if "open_clocks" in sa_inspect(case).dict:
        set_committed_value(case, "open_clocks", [*case.open_clocks, clock])


def active_clocks(session: Session, case_id: int) -> list[Deadline]:
    """The case's running and paused clocks, oldest first, including changes not yet flushed."""
    # No autoflush: flushing the half-done case here would bump its version a second time.
    with session.no_autoflush:
        held = loaded_open_clocks(session, case_id)
        rows = (
            held
            if held is not None
            else session.scalars(
                select(Deadline)
                .where(Deadline.case_id == case_id, Deadline.status.in_(ACTIVE_CLOCK_STATUSES))
                .order_by(Deadline.id)
            )
        )
        # The identity map may hold changes not yet flushed (a clock just marked expired), and
        # clocks started in this transaction may not be flushed yet.
        found = [d for d in rows if d.status in ACTIVE_CLOCK_STATUSES]
        seen = {id(d) for d in found}
        pending = [
            o
            for o in session.new
            if isinstance(o, Deadline)
            and o.case_id == case_id
            and o.status in ACTIVE_CLOCK_STATUSES
            and id(o) not in seen
        ]
        return found + pending


def all_clocks(session: Session, case_id: int) -> list[Deadline]:
    """Every clock the case ever had, oldest first."""
    return list(
        session.scalars(select(Deadline).where(Deadline.case_id == case_id).order_by(Deadline.id))
    )


def period_end(d: Deadline) -> dt.date:
    """The clock's end as counted (before a rest day moved it to its due date). Clocks written
    before ``period_end`` was kept get it back from their parts: a calendar clock ends at start +
    days + days paused + days added; a working-day clock on its due date, the N-th working day."""
    if d.period_end is not None:
        return d.period_end
    if d.unit == CALENDAR:
        return d.started_on + dt.timedelta(days=d.days + d.paused_days + d.extended_days)
    return d.due_on


def clock_view(case: Case, d: Deadline) -> dict[str, Any]:
    """A clock with what a person needs to check its arithmetic, and what the law lets a user do
    to it (pause; extend, on which bases, up to what cap)."""
    rule = workflows.get(case.workflow).rule(d.rule)
    return {
        "rule": d.rule,
        "label_zh": rule.label_zh,
        "kind": d.kind,
        "citation": d.citation,
        "unit": d.unit,
        "days": d.days,
        "started_on": iso(d.started_on),
        "paused_days": d.paused_days,
        "extended_days": d.extended_days,
        "period_end": iso(period_end(d)),
        "due": iso(d.due_on),
        "expires_at": iso(d.due_at),
        "calendar_verified": d.calendar_verified,
        "status": d.status,
        "paused": d.status == "paused",
        "paused_since": iso(local_date(d.paused_at)) if d.paused_at else None,
        "pause_reason": d.pause_reason if d.status == "paused" else None,
        "on_expiry": d.on_expiry,
        "extension_basis": d.extension_basis,
        "extension_basis_label_zh": EXTENSION_BASES.get(d.extension_basis or ""),
        "extension_approver": d.extension_approver,
        "extension_note": d.extension_note,
        "pausable": rule.pausable,
        "pause_citation": rule.pause_citation,
        "extension_bases": list(rule.extension_bases),
        "extension_cap": rule.extension_cap,
        "extension_citation": rule.extension_citation,
    }


def calendar_day_view(row: CalendarDay) -> dict[str, Any]:
    return {
        "day": row.day.isoformat(),
        "is_workday": row.is_workday,
        "name": row.name,
        "source": row.source,
    }


def due_date(uow: UnitOfWork, *, start: dt.date, days: int, unit: str) -> dict[str, Any]:
    """The due date of a period of ``days`` calendar or working days from ``start``."""
    if not 0 <= days <= MAX_DEADLINE_DAYS:
        raise InvalidInput("days", "天数必须在0到3650之间", "must be from 0 to 3650")
    check_supported(start, "start")
    with uow:
        return load_calendar(uow.session).due(start, days, unit).as_dict()


def calendar_day(uow: UnitOfWork, *, day: dt.date) -> dict[str, Any]:
    with uow:
        return calendar_day_view(
            get_or_404(uow.session, CalendarDay, day, "日历日", "calendar day")
        )


# -- deadline badges (the desks) ---------------------------------------------------------------


def nearest_clocks(session: Session, case_ids: list[int]) -> dict[int, Deadline]:
    """The running or paused clock of each case that falls due first (one statement)."""
    out: dict[int, Deadline] = {}
    if not case_ids:
        return out
    rows = session.scalars(
        select(Deadline)
        .where(Deadline.case_id.in_(case_ids), Deadline.status.in_(ACTIVE_CLOCK_STATUSES))
        .order_by(Deadline.case_id, Deadline.due_at, Deadline.id)
    )
    for d in rows:
        out.setdefault(d.case_id, d)
    return out


def badge(d: Deadline | None, cal: WorkCalendar, now: dt.datetime) -> dict[str, Any] | None:
    """How a list shows a clock: ``tone`` red (已超期 N 天), amber (即将到期: from the moment the
    engine sends its reminder), green (正常) or grey (paused), with the words and the due date."""
    if d is None:
        return None
    today = local_date(now)
    base = {"due": iso(d.due_on), "unit": d.unit, "rule": d.rule}
    if d.status == "paused":
        return {
            **base,
            "tone": "grey",
            "label_zh": "已暂停",
            "text_zh": f"暂停中（原定 {d.due_on} 到期）",
        }
    if d.due_at <= now:
        late = max((today - d.due_on).days, 1)
        return {**base, "tone": "red", "label_zh": "已超期", "text_zh": f"已超期 {late} 天"}
    if d.due_on == today:
        text = "今日到期"
    elif d.unit == WORKING:
        text = f"剩 {cal.working_days_between(today, d.due_on)} 个工作日"
    else:
        text = f"剩 {(d.due_on - today).days} 天"
    soon = d.remind_at is not None and d.remind_at <= now
    if soon:
        return {**base, "tone": "amber", "label_zh": "即将到期", "text_zh": text}
    return {**base, "tone": "green", "label_zh": "正常", "text_zh": text}


def badges(session: Session, case_ids: list[int], now: dt.datetime) -> dict[int, dict[str, Any]]:
    """The badge of each case's nearest clock (cases without a running clock are left out)."""
    clocks = nearest_clocks(session, case_ids)
    if not clocks:
        return {}
    cal = load_calendar(session)
    return {cid: b for cid, d in clocks.items() if (b := badge(d, cal, now)) is not None}
