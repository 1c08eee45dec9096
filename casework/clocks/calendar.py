"""The official working-day calendar and the statutory counting rules (docs/domain.md §1).

Official working days are not Monday–Friday: the State Council publishes each year's holidays
and make-up working days (调休). ``chinesecalendar`` carries them for the years it knows; they
are seeded into the ``calendar_days`` table, where administrators add the next year's schedule
(``casework calendar import``) or change single days (``casework calendar set``). Admin rows win
over the package. A year nobody has covered falls back to Monday–Friday and every result derived
from it says ``calendar_verified: False``.

Counting (民事诉讼法 第八十五条): the start day is not counted.
- ``working``: the N-th official working day after the start;
- ``calendar``: start + N days, moved forward to the next working day when that day is not one.

Adding N working days is a binary search in a precomputed, sorted index of working-day ordinals,
not a day-by-day walk.
"""

from __future__ import annotations

import bisect
import csv
import datetime as dt
import io
import json
import re
import threading
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from chinese_calendar.constants import holidays, workdays
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from casework.core.errors import InvalidInput
from casework.core.time import utcnow
from casework.models import CalendarDay, CalendarMeta, CalendarYear
from workflows.base import CALENDAR, WORKING

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


@dataclass(frozen=True)
class DueDate:
    due: dt.date
    calendar_verified: bool

    def as_dict(self) -> dict[str, object]:
        return {"due": self.due.isoformat(), "calendar_verified": self.calendar_verified}


class WorkCalendar:
    """An immutable snapshot: exceptions to Monday–Friday and the years known to be official."""

    def __init__(self, exceptions: dict[dt.date, bool], verified_years: Iterable[int]) -> None:
        self._exceptions = dict(exceptions)
        self.verified_years = frozenset(verified_years)
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
            if (lo, hi) != (self._lo, self._hi):
                self._lo, self._hi = lo, hi
                self._build(lo, hi)
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
        ords, _, last = self._cover(d)
        i = bisect.bisect_left(ords, d.toordinal())
        while i >= len(ords):
            ords, _, last = self._cover(dt.date.fromordinal(last) + dt.timedelta(days=370))
            i = bisect.bisect_left(ords, d.toordinal())
        return dt.date.fromordinal(ords[i])

    def add_working_days(self, start: dt.date, n: int) -> dt.date:
        """The n-th official working day after ``start`` (``start`` itself not counted)."""
        if n <= 0:
            return start
        ords, _, last = self._cover(start)
        while True:
            i = bisect.bisect_right(ords, start.toordinal()) + n - 1
            if i < len(ords):
                return dt.date.fromordinal(ords[i])
            ords, _, last = self._cover(dt.date.fromordinal(last) + dt.timedelta(days=366 + n * 2))

    def working_days_between(self, a: dt.date, b: dt.date) -> int:
        """Working days in (a, b]: how many a working-day clock counted from a to b."""
        if b <= a:
            return 0
        self._cover(a)
        ords, _, _ = self._cover(b)
        return bisect.bisect_right(ords, b.toordinal()) - bisect.bisect_right(ords, a.toordinal())

    def due(self, start: dt.date, days: int, unit: str) -> DueDate:
        """The deadline of a ``days``-long period of ``unit`` starting on ``start``."""
        if unit == WORKING:
            due = self.add_working_days(start, days)
        elif unit == CALENDAR:
            due = self.next_workday_on_or_after(start + dt.timedelta(days=days))
        else:
            raise InvalidInput(
                "unit", "单位必须是 calendar 或 working", "must be calendar or working"
            )
        return DueDate(due, self.verified_between(start, due))

    def elapsed(self, start: dt.date, until: dt.date, unit: str) -> int:
        """How much of a period in ``unit`` has run between ``start`` and ``until``."""
        if unit == WORKING:
            return self.working_days_between(start, until)
        return max((until - start).days, 0)


# -- the table and the process-wide cache -----------------------------------------------------

_cache_lock = threading.Lock()
_cache: dict[str, tuple[str, WorkCalendar]] = {}


def _revision(session: Session) -> str:
    return session.scalar(select(CalendarMeta.revision).where(CalendarMeta.id == 1)) or ""


def _bump(session: Session) -> None:
    """A fresh random revision on every change. A counter could repeat (a rolled-back change
    cached by one session, a database recreated from scratch) and serve a stale calendar."""
    token = uuid.uuid4().hex
    session.info.pop("casework_calendar", None)
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
    key = str(session.get_bind().url)
    with session.no_autoflush:
        rev = _revision(session)
        hit = _cache.get(key)
        if hit and hit[0] == rev:
            return hit[1]
        exceptions = {
            day: wd for day, wd in session.execute(select(CalendarDay.day, CalendarDay.is_workday))
        }
        years = list(
            session.scalars(select(CalendarYear.year).where(CalendarYear.verified.is_(True)))
        )
    cal = WorkCalendar(exceptions, years)
    with _cache_lock:
        _cache[key] = (rev, cal)
    return cal


def package_years() -> list[int]:
    return sorted({d.year for d in holidays} | {d.year for d in workdays})


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
    """An administrator's override for one day (wins over the package)."""
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


def _parse_bool(value: object, where: str) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "workday", "work", "班", "上班"):
        return True
    if text in ("0", "false", "no", "holiday", "off", "休", "休息"):
        return False
    raise InvalidInput(
        "is_workday", f"{where}: 无法识别是否工作日", f"{where}: is_workday must be true/false"
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
            "date", f"{where}: 日期应为 YYYY-MM-DD", f"{where}: date must be YYYY-MM-DD"
        ) from None
    return day, _parse_bool(workday_value, where), str(name or "").strip()


def import_schedule(session: Session, rows: list[tuple[dt.date, bool, str]]) -> list[int]:
    """Import a published schedule: its days become admin rows and its years verified."""
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
