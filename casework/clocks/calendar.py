"""The official working-day calendar and the statutory counting rules (docs/domain.md §1).

Official working days are not Monday–Friday: the State Council publishes each year's holidays
and make-up working days (调休). ``chinesecalendar`` carries them for the years it knows; they
are seeded into the ``calendar_days`` table, where administrators add the next year's schedule
(``casework calendar import``) or change single days (``casework calendar set``), and take a
day back (``casework calendar unset``: the package's answer, else Monday–Friday). Admin rows win
over the package. A year nobody has covered falls back to Monday–Friday and every result derived
from it says ``calendar_verified: False``.

Only the years ``CALENDAR_YEARS`` (1949–2199) can be written or counted from: a write outside
them is refused, a start date outside them is ``InvalidInput``, and a row outside them that an
earlier version let through is ignored (with one warning) instead of breaking every deadline.

Counting (民事诉讼法 第八十五条): the start day is not counted.
- ``working``: the N-th official working day after the start;
- ``calendar``: start + N days, moved forward to the next working day when that day is not one.

A clock keeps both: the end as counted (``period_end``) and the due date it was moved to. A pause
and an extension work on the end as counted (``resumed_end``): days a period was moved over are
rest days, not days of the period (docs/domain.md §1).

Adding N working days is a binary search in a precomputed, sorted index of working-day ordinals,
not a day-by-day walk.
"""

from __future__ import annotations

import bisect
import csv
import datetime as dt
import io
import json
import logging
import re
import threading
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from chinese_calendar.constants import holidays, workdays
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from casework.core.errors import InvalidInput, NotFound
from casework.core.text import valid_name
from casework.core.time import utcnow
from casework.core.vocab import CALENDAR_YEARS
from casework.models import CalendarDay, CalendarMeta, CalendarYear
from workflows.base import CALENDAR, WORKING

log = logging.getLogger(__name__)

HOLIDAY_NAMES_ZH = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日",
}
SPRING_FESTIVAL = HOLIDAY_NAMES_ZH["Spring Festival"]


def supported(year: int) -> bool:
    lo, hi = CALENDAR_YEARS
    return lo <= year <= hi


def check_supported(day: dt.date, field: str) -> None:
    """``InvalidInput`` naming ``field`` unless ``day`` lies in the years the calendar supports:
    the one rule for calendar writes (API and CLI) and for the start of a period."""
    if not supported(day.year):
        lo, hi = CALENDAR_YEARS
        raise InvalidInput(
            field,
            f"{day.isoformat()} 超出日历支持的年份（{lo}年至{hi}年）",
            f"{day.isoformat()} is outside the years the calendar supports ({lo} to {hi})",
        )


# How far the index of working days may reach: a period starting in a supported year and the
# longest one allowed (MAX_DEADLINE_DAYS working days, about 15 years) fit with room to spare;
# an absurd period is refused instead of indexing millions of days.
INDEX_YEARS = (CALENDAR_YEARS[0] - 2, CALENDAR_YEARS[1] + 50)


def _too_far() -> InvalidInput:
    return InvalidInput(
        "days", "期限超出日历可计算的范围", "the period runs past the dates the calendar can count"
    )


# Rows outside CALENDAR_YEARS already warned about, so the same rows warn once per process.
_warned_outside: set[dt.date | int] = set()
_warned_lock = threading.Lock()


def _warn_outside(days: list[dt.date], years: list[int]) -> None:
    """One warning per process for the same rows (dates and years only: no personal data)."""
    with _warned_lock:
        new_days = sorted(set(days) - _warned_outside)
        new_years = sorted(set(years) - _warned_outside)
        _warned_outside.update(new_days, new_years)
    lo, hi = CALENDAR_YEARS
    if new_days:
        log.warning(
            "calendar: %d day(s) outside the supported years %d-%d are ignored: %s; remove each "
            "with `casework calendar unset DATE` or DELETE /api/v1/calendar/days/DATE",
            len(new_days),
            lo,
            hi,
            ", ".join(d.isoformat() for d in new_days[:20]),
        )
    if new_years:
        log.warning(
            "calendar: verified year(s) outside the supported years %d-%d are ignored: %s",
            lo,
            hi,
            ", ".join(map(str, new_years[:20])),
        )


@dataclass(frozen=True)
class DueDate:
    due: dt.date
    calendar_verified: bool

    def as_dict(self) -> dict[str, object]:
        return {"due": self.due.isoformat(), "calendar_verified": self.calendar_verified}


class WorkCalendar:
    """An immutable snapshot: exceptions to Monday–Friday and the years known to be official."""

    def __init__(
        self,
        exceptions: dict[dt.date, bool],
        verified_years: Iterable[int],
        spring_festival: Iterable[dt.date] = (),
    ) -> None:
        # Rows outside the supported years (written before writes were bounded) are left out:
        # the index spans min..max year of its rows, and year 1 or 9999 would break it.
        self._exceptions = {d: wd for d, wd in exceptions.items() if supported(d.year)}
        # The days off of the 春节 holiday (not the make-up working days named after it), as the
        # table has them: what the pre-festival early warning counts to.
        self.spring_festival = frozenset(spring_festival)
        verified = set(verified_years)
        self.verified_years = frozenset(y for y in verified if supported(y))
        outside_days = [d for d in exceptions if not supported(d.year)]
        outside_years = [y for y in verified if not supported(y)]
        if outside_days or outside_years:
            _warn_outside(outside_days, outside_years)
        years = [d.year for d in self._exceptions] + list(self.verified_years)
        today = dt.date.today().year
        self._lo = min([*years, today]) - 1
        self._hi = max([*years, today]) + 3
        self._lock = threading.Lock()
        self._build(self._lo, self._hi)

    def _build(self, lo: int, hi: int) -> None:
        first, last = dt.date(lo, 1, 1).toordinal(), dt.date(hi, 12, 31).toordinal()
        ords = []
        for o in range(first, last + 1):
            d = dt.date.fromordinal(o)
            if self._exceptions.get(d, d.weekday() < 5):
                ords.append(o)
        # One tuple, swapped atomically: a reader in another thread never sees a list from one
        # build with the bounds of another.
        self._index = (ords, first, last)

    def _cover(self, d: dt.date) -> tuple[list[int], int, int]:
        """The index, extended first if ``d`` lies outside it."""
        index = self._index
        if index[1] <= d.toordinal() <= index[2]:
            return index
        with self._lock:
            lo = min(self._lo, d.year - 1)
            hi = max(self._hi, d.year + 1)
            if not INDEX_YEARS[0] <= lo <= hi <= INDEX_YEARS[1]:
                raise _too_far()
            if (lo, hi) != (self._lo, self._hi):
                # Built before the bounds move: a failed build leaves the snapshot as it was.
                self._build(lo, hi)
                self._lo, self._hi = lo, hi
            return self._index

    # -- queries -----------------------------------------------------------------------------

    def is_workday(self, d: dt.date) -> bool:
        return self._exceptions.get(d, d.weekday() < 5)

    def is_verified(self, year: int) -> bool:
        return year in self.verified_years

    def verified_between(self, a: dt.date, b: dt.date) -> bool:
        lo, hi = min(a, b).year, max(a, b).year
        return all(y in self.verified_years for y in range(lo, hi + 1))

    def next_workday_on_or_after(self, d: dt.date) -> dt.date:
        check_supported(d, "start")
        return self._next_workday(d)

    def _next_workday(self, d: dt.date) -> dt.date:
        try:
            ords, _, last = self._cover(d)
            i = bisect.bisect_left(ords, d.toordinal())
            while i >= len(ords):
                ords, _, last = self._cover(dt.date.fromordinal(last) + dt.timedelta(days=370))
                i = bisect.bisect_left(ords, d.toordinal())
        except (OverflowError, ValueError):
            raise _too_far() from None
        return dt.date.fromordinal(ords[i])

    def add_working_days(self, start: dt.date, n: int) -> dt.date:
        """The n-th official working day after ``start`` (``start`` itself not counted)."""
        check_supported(start, "start")
        if n <= 0:
            return start
        try:
            ords, _, last = self._cover(start)
            while True:
                i = bisect.bisect_right(ords, start.toordinal()) + n - 1
                if i < len(ords):
                    return dt.date.fromordinal(ords[i])
                ords, _, last = self._cover(
                    dt.date.fromordinal(last) + dt.timedelta(days=366 + n * 2)
                )
        except (OverflowError, ValueError):
            raise _too_far() from None

    def working_days_between(self, a: dt.date, b: dt.date) -> int:
        """Working days in (a, b]: how many a working-day clock counted from a to b."""
        if b <= a:
            return 0
        try:
            self._cover(a)
            ords, _, _ = self._cover(b)
        except (OverflowError, ValueError):  # a date next to year 1 or 9999
            check_supported(a, "start")
            check_supported(b, "until")
            raise _too_far() from None
        return bisect.bisect_right(ords, b.toordinal()) - bisect.bisect_right(ords, a.toordinal())

    def period_end(self, start: dt.date, days: int, unit: str) -> dt.date:
        """The last day of a ``days``-long period of ``unit`` from ``start`` as counted, before a
        rest day moves it: start + N days, or the N-th working day after ``start``."""
        check_supported(start, "start")
        if unit == WORKING:
            return self.add_working_days(start, days)
        if unit == CALENDAR:
            try:
                return start + dt.timedelta(days=days)
            except OverflowError:
                raise _too_far() from None
        raise InvalidInput("unit", "单位必须是 calendar 或 working", "must be calendar or working")

    def roll(self, end: dt.date) -> dt.date:
        """The due date of a period counted to ``end``: ``end`` itself if it is a working day,
        else the next working day (民事诉讼法 第八十五条). May lie past the last supported year."""
        return self._next_workday(end)

    def due(self, start: dt.date, days: int, unit: str) -> DueDate:
        """The deadline of a ``days``-long period of ``unit`` starting on ``start``."""
        end = self.period_end(start, days, unit)
        # The N-th working day is a working day; only a calendar-day end may need moving.
        due = self.roll(end) if unit == CALENDAR else end
        return DueDate(due, self.verified_between(start, due))

    def elapsed(self, start: dt.date, until: dt.date, unit: str) -> int:
        """How much of a period in ``unit`` has run between ``start`` and ``until``."""
        if unit == WORKING:
            return self.working_days_between(start, until)
        return max((until - start).days, 0)

    def resumed_end(
        self, end: dt.date, paused_on: dt.date, resumed_on: dt.date, unit: str
    ) -> dt.date:
        """The counted end of a period that ran to ``end``, after a pause from ``paused_on`` to
        ``resumed_on``: the days still to run on ``paused_on`` count again from ``resumed_on``.

        They are counted to ``end``, never to the due date ``end`` was moved to: the rest days a
        period is moved over are not days of the period. A pause that begins after ``end`` (in
        those rest days) leaves nothing to count; the clock is then due on the next working day
        from ``resumed_on``."""
        left = self.elapsed(paused_on, end, unit)
        return self.period_end(resumed_on, left, unit)


# -- the table and the process-wide cache -----------------------------------------------------

_cache_lock = threading.Lock()
_cache: dict[str, tuple[str, WorkCalendar]] = {}


def _revision(session: Session) -> str:
    held = session.info.pop("casework_calendar_revision", None)
    if held is not None:
        return held
    return session.scalar(select(CalendarMeta.revision).where(CalendarMeta.id == 1)) or ""


def hold_revision(session: Session, revision: str | None) -> None:
    """The calendar's revision as a statement of this transaction read it beside its own rows
    (the case a step loads): the next :func:`load_calendar` checks its cache against it instead
    of reading it again."""
    if "casework_calendar" not in session.info:
        session.info["casework_calendar_revision"] = revision or ""


def _bump(session: Session) -> None:
    """A fresh random revision on every change. A counter could repeat (a rolled-back change
    cached by one session, a database recreated from scratch) and serve a stale calendar."""
    token = uuid.uuid4().hex
    session.info.pop("casework_calendar", None)
    session.info.pop("casework_calendar_revision", None)  # a revision held from before
    res = session.execute(update(CalendarMeta).where(CalendarMeta.id == 1).values(revision=token))
    if res.rowcount == 0:
        session.add(CalendarMeta(id=1, revision=token))


def load_calendar(session: Session) -> WorkCalendar:
    """The calendar as the database has it now (cached per process until it changes, and per
    transaction so a sweep batch checks the revision once)."""
    held = session.info.get("casework_calendar")
    if held is not None:
        return held
    cal = _load_calendar(session)
    session.info["casework_calendar"] = cal
    return cal


def _load_calendar(session: Session) -> WorkCalendar:
    bind = session.get_bind()
    key = str(bind.engine.url)  # an engine, or the request's connection (core.uow.RequestScope)
    with session.no_autoflush:
        rev = _revision(session)
        hit = _cache.get(key)
        if hit and hit[0] == rev:
            return hit[1]
        exceptions: dict[dt.date, bool] = {}
        festival = []
        for day, wd, name in session.execute(
            select(CalendarDay.day, CalendarDay.is_workday, CalendarDay.name)
        ):
            exceptions[day] = wd
            if name == SPRING_FESTIVAL and not wd:
                festival.append(day)
        years = list(
            session.scalars(select(CalendarYear.year).where(CalendarYear.verified.is_(True)))
        )
    cal = WorkCalendar(exceptions, years, festival)
    with _cache_lock:
        _cache[key] = (rev, cal)
    return cal


def package_years() -> list[int]:
    return sorted({d.year for d in holidays} | {d.year for d in workdays})


def package_day(day: dt.date) -> tuple[bool, str] | None:
    """``(is_workday, name)`` of ``day`` in ``chinesecalendar``'s schedule, or None if the package
    has no row for it (an ordinary day, or a year it does not cover)."""
    for table, is_workday in ((holidays, False), (workdays, True)):
        name = table.get(day)
        if name is not None:
            return is_workday, HOLIDAY_NAMES_ZH.get(name, name)
    return None


def seed_from_package(session: Session) -> int:
    """Copy ``chinesecalendar``'s holidays and make-up days into the table; never touch admin
    rows. Returns how many days were added."""
    have = {d: src for d, src in session.execute(select(CalendarDay.day, CalendarDay.source))}
    added = 0
    for table, is_workday in ((holidays, False), (workdays, True)):
        for day, name in table.items():
            if day in have:
                continue
            session.add(
                CalendarDay(
                    day=day,
                    is_workday=is_workday,
                    name=HOLIDAY_NAMES_ZH.get(name, name),
                    source="package",
                )
            )
            have[day] = "package"
            added += 1
    known = set(session.scalars(select(CalendarYear.year)))
    for year in package_years():
        if year not in known:
            session.add(CalendarYear(year=year, source="package", verified=True))
            added += 1
    if added:
        _bump(session)
    return added


def set_day(
    session: Session, day: dt.date, *, is_workday: bool, name: str | None = None
) -> CalendarDay:
    """An administrator's override for one day (wins over the package). Only a day in the years
    the calendar supports (``InvalidInput`` on ``day`` otherwise, nothing written)."""
    check_supported(day, "day")
    name = (name or "").strip() or None
    if name is not None and len(name) > MAX_DAY_NAME:
        raise InvalidInput(
            "name",
            f"名称不能超过 {MAX_DAY_NAME} 个字",
            f"name must be at most {MAX_DAY_NAME} characters",
        )
    row = session.get(CalendarDay, day)
    if row is None:
        row = CalendarDay(day=day)
        session.add(row)
    row.is_workday = is_workday
    row.name = name or ("调休上班" if is_workday else "休息日")
    row.source = "admin"
    row.updated_at = utcnow()
    _bump(session)
    return row


def unset_day(session: Session, day: dt.date) -> CalendarDay | None:
    """Take an administrator's row for ``day`` back: the day falls back to the package's
    schedule if the package has it (its row re-seeded), else to Monday–Friday (no row).
    ``NotFound`` when there is no administrator's row for that day. Any date is accepted, so a
    row written before writes were bounded can be removed too. Returns the package's row, if
    any."""
    row = session.get(CalendarDay, day)
    if row is None or row.source != "admin":
        raise NotFound(
            f"{day.isoformat()} 没有管理员设置的日历记录",
            f"{day.isoformat()} has no administrator's calendar entry",
        )
    official = package_day(day)
    if official is None:
        session.delete(row)
        kept = None
    else:
        row.is_workday, row.name = official
        row.source = "package"
        row.updated_at = utcnow()
        kept = row
    _bump(session)
    return kept


MAX_DAY_NAME = 120  # CalendarDay.name


def _where_zh(where: str) -> str:
    """``line 3`` → 第3行, ``item 2`` → 第2项: where a schedule file is wrong, in 中文."""
    kind, _, n = where.partition(" ")
    return f"第{n}行" if kind == "line" else f"第{n}项"


def _parse_bool(value: object, where: str) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "workday", "work", "班", "上班"):
        return True
    if text in ("0", "false", "no", "holiday", "off", "休", "休息"):
        return False
    raise InvalidInput(
        "is_workday",
        f"{_where_zh(where)}：无法识别是否工作日（应为 1/0、true/false、上班/休息）",
        f"{where}: is_workday must be true/false",
    )


def parse_schedule(content: str, filename: str = "") -> list[tuple[dt.date, bool, str]]:
    """A year's schedule as CSV (``date,is_workday,name``) or JSON (a list of objects with
    ``date``, ``is_workday``, ``name``, or ``{"days": [...]}``)."""
    rows: list[tuple[dt.date, bool, str]] = []
    text = content.lstrip("\ufeff")
    stripped = text.lstrip()
    if filename.endswith(".json") or stripped.startswith(("[", "{")):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InvalidInput(
                "file", f"JSON 格式错误（第{exc.lineno}行）", f"invalid JSON (line {exc.lineno})"
            ) from None
        items = data.get("days", []) if isinstance(data, dict) else data
        if not isinstance(items, list):
            raise InvalidInput(
                "file",
                "JSON 应为列表或含 days 列表的对象",
                'JSON must be a list or {"days": [...]}',
            )
        raw = [(i + 1, item) for i, item in enumerate(items)]
        for n, item in raw:
            if not isinstance(item, dict):
                raise InvalidInput("file", f"第{n}项不是对象", f"item {n} is not an object")
            rows.append(
                _row(item.get("date"), item.get("is_workday"), item.get("name"), f"item {n}")
            )
    else:
        reader = csv.reader(io.StringIO(text))
        seen_data = False
        for n, rec in enumerate(reader, start=1):
            if not rec or not "".join(rec).strip() or rec[0].strip().startswith("#"):
                continue
            if not seen_data and rec[0].strip().lower() == "date":
                seen_data = True  # the header
                continue
            seen_data = True
            if len(rec) < 2:
                raise InvalidInput(
                    "file",
                    f"第{n}行应为 日期,是否工作日[,名称]",
                    f"line {n}: expected date,is_workday[,name]",
                )
            rows.append(_row(rec[0], rec[1], rec[2] if len(rec) > 2 else "", f"line {n}"))
    if not rows:
        raise InvalidInput("file", "文件中没有日期", "the file lists no days")
    return rows


_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def parse_day(text: str, field: str = "date") -> dt.date:
    """A date written ``YYYY-MM-DD`` (``InvalidInput`` on ``field`` otherwise)."""
    text = text.strip()
    try:
        if not _ISO_DATE.match(text):
            raise ValueError(text)
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(field, "日期应为 YYYY-MM-DD", "must be a date YYYY-MM-DD") from None


def _row(
    date_value: object, workday_value: object, name: object, where: str
) -> tuple[dt.date, bool, str]:
    text = str(date_value).strip()
    try:
        if not _ISO_DATE.match(text):
            raise ValueError(text)
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(
            "date",
            f"{_where_zh(where)}：日期应为 YYYY-MM-DD",
            f"{where}: date must be YYYY-MM-DD",
        ) from None
    label = str(name or "").strip()
    if label:
        try:
            label = valid_name(label, field="name", max_len=MAX_DAY_NAME)
        except InvalidInput as exc:
            raise InvalidInput(
                "name", f"{_where_zh(where)}：名称{exc.reason_zh}", f"{where}: name {exc.reason_en}"
            ) from None
    return day, _parse_bool(workday_value, where), label


def import_schedule(session: Session, rows: list[tuple[dt.date, bool, str]]) -> list[int]:
    """Import a published schedule: its days become admin rows and its years verified. Every
    day must lie in the years the calendar supports; otherwise nothing is written."""
    for day, _, _ in rows:
        check_supported(day, "date")
    years = sorted({d.year for d, _, _ in rows})
    for day, is_workday, name in rows:
        set_day(session, day, is_workday=is_workday, name=name or None)
    for year in years:
        row = session.get(CalendarYear, year)
        if row is None:
            session.add(CalendarYear(year=year, source="admin", verified=True))
        else:
            row.verified, row.source = True, "admin"
    _bump(session)
    return years


def year_listing(session: Session, year: int) -> dict[str, object]:
    if not supported(year):
        lo, hi = CALENDAR_YEARS
        raise InvalidInput(
            "year", f"年份须在{lo}年至{hi}年之间", f"must be a year from {lo} to {hi}"
        )
    cal = load_calendar(session)
    rows = session.scalars(
        select(CalendarDay)
        .where(CalendarDay.day >= dt.date(year, 1, 1), CalendarDay.day <= dt.date(year, 12, 31))
        .order_by(CalendarDay.day)
    ).all()
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    working = cal.working_days_between(start - dt.timedelta(days=1), end)
    return {
        "year": year,
        "calendar_verified": cal.is_verified(year),
        "working_days": working,
        "days": [
            {
                "date": r.day.isoformat(),
                "is_workday": r.is_workday,
                "name": r.name,
                "source": r.source,
                "weekday": r.day.isoweekday(),
            }
            for r in rows
        ],
    }
