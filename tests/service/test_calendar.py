"""The official working-day calendar and the counting rules (DOMAIN.md §1), with golden dates.

Every expected date below was worked out by hand from the State Council's published schedules
and is also checked against ``chinese_calendar.is_workday`` (a day-by-day reference count), so a
golden value that disagrees with the package fails loudly instead of being trusted.

The 2027 schedule used in the import tests is made up (the real one is published around
November 2026); it only has to be different from Monday–Friday.
"""

from __future__ import annotations

import datetime as dt
import json
import time

import chinese_calendar
import pytest
from sqlalchemy import select

from casework.clocks.calendar import (
    WorkCalendar,
    import_schedule,
    load_calendar,
    parse_schedule,
    seed_from_package,
    set_day,
    unset_day,
)
from casework.core.errors import InvalidInput, NotFound
from casework.core.uow import enter_scope, exit_scope, seed_next_unit
from casework.core.vocab import CALENDAR_YEARS
from casework.models import CalendarDay, CalendarMeta, CalendarYear
from casework.runtime import Runtime
from tests.helpers import run_cli

D = dt.date
ONE = dt.timedelta(days=1)
W = "working"
C = "calendar"


def _cal(rt: Runtime) -> WorkCalendar:
    """The calendar as a fresh read-only unit of work sees it (the snapshot outlives it)."""
    with rt.reader() as uow:
        return load_calendar(uow.session)


def _ref_due(start: dt.date, n: int, unit: str) -> dt.date:
    """The deadline counted day by day with the package (years 2004–2026 only)."""
    if unit == W:
        d, k = start, 0
        while k < n:
            d += ONE
            if chinese_calendar.is_workday(d):
                k += 1
        return d
    d = start + dt.timedelta(days=n)
    while not chinese_calendar.is_workday(d):
        d += ONE
    return d


def _ref_between(a: dt.date, b: dt.date) -> int:
    n, d = 0, a
    while d < b:
        d += ONE
        n += chinese_calendar.is_workday(d)
    return n


# -- golden schedules ---------------------------------------------------------------------------
# Each block: days that are working days although at a weekend, days that are off although
# weekdays (or in the block), due-date cases (start, n, unit, expected) and
# working_days_between cases (a, b, expected).

BLOCKS = {
    # 2024 春节: 10–17 Feb off; Sun 4 Feb and Sat 18 Feb working.
    "spring_2024": {
        "work": [D(2024, 2, 4), D(2024, 2, 18), D(2024, 2, 9), D(2024, 2, 19)],
        "off": [D(2024, 2, 3), *(D(2024, 2, d) for d in range(10, 18))],
        "due": [
            (D(2024, 2, 3), 1, W, D(2024, 2, 4)),  # Saturday start -> make-up Sunday
            (D(2024, 2, 2), 3, W, D(2024, 2, 6)),  # Sun 4, Mon 5, Tue 6
            (D(2024, 2, 9), 1, W, D(2024, 2, 18)),  # over the block to the make-up Sunday
            (D(2024, 2, 8), 5, W, D(2024, 2, 21)),  # Fri 9, Sun 18, Mon 19, Tue 20, Wed 21
            (D(2024, 2, 2), 10, C, D(2024, 2, 18)),  # Mon 12 Feb is in the block
            (D(2024, 2, 1), 15, C, D(2024, 2, 18)),  # Fri 16 Feb is in the block
            (D(2024, 2, 7), 10, C, D(2024, 2, 18)),  # Sat 17 Feb, last day of the block
            (D(2024, 2, 8), 10, C, D(2024, 2, 18)),  # lands on the make-up Sunday: not moved
            (D(2024, 1, 24), 10, C, D(2024, 2, 4)),  # ordinary Sat 3 Feb -> make-up Sun 4 Feb
        ],
        "between": [
            (D(2024, 2, 9), D(2024, 2, 19), 2),
            (D(2024, 1, 31), D(2024, 2, 29), 18),  # 21 weekdays - 5 in the block + 2 make-up
        ],
    },
    # 2025 春节: 28 Jan – 4 Feb off; Sun 26 Jan and Sat 8 Feb working.
    "spring_2025": {
        "work": [D(2025, 1, 26), D(2025, 2, 8), D(2025, 1, 27), D(2025, 2, 5)],
        "off": [
            D(2025, 1, 25),
            D(2025, 2, 9),
            *(D(2025, 1, d) for d in range(28, 32)),
            *(D(2025, 2, d) for d in range(1, 5)),
        ],
        "due": [
            (D(2025, 1, 24), 1, W, D(2025, 1, 26)),
            (D(2025, 1, 24), 2, W, D(2025, 1, 27)),
            (D(2025, 1, 24), 3, W, D(2025, 2, 5)),
            (D(2025, 1, 27), 5, W, D(2025, 2, 10)),  # Wed 5, Thu 6, Fri 7, Sat 8, Mon 10
            (D(2025, 1, 18), 15, C, D(2025, 2, 5)),  # Sun 2 Feb in the block
            (D(2025, 1, 22), 10, C, D(2025, 2, 5)),  # Sat 1 Feb in the block
            (D(2025, 1, 29), 10, C, D(2025, 2, 8)),  # make-up Saturday: not moved
            (D(2025, 1, 30), 10, C, D(2025, 2, 10)),  # ordinary Sunday 9 Feb
            (D(2025, 1, 16), 10, C, D(2025, 1, 26)),  # make-up Sunday: not moved
        ],
        "between": [
            (D(2025, 1, 25), D(2025, 2, 9), 6),  # 26, 27 Jan; 5, 6, 7, 8 Feb
        ],
    },
    # 2026 春节: 15–23 Feb off; Sat 14 Feb and Sat 28 Feb working.
    "spring_2026": {
        "work": [D(2026, 2, 14), D(2026, 2, 28), D(2026, 2, 13), D(2026, 2, 24)],
        "off": [D(2026, 3, 1), *(D(2026, 2, d) for d in range(15, 24))],
        "due": [
            (D(2026, 2, 13), 1, W, D(2026, 2, 14)),
            (D(2026, 2, 13), 2, W, D(2026, 2, 24)),
            (D(2026, 2, 23), 5, W, D(2026, 2, 28)),  # Tue 24 .. Fri 27, Sat 28
            (D(2026, 2, 23), 6, W, D(2026, 3, 2)),
            (D(2026, 2, 5), 15, C, D(2026, 2, 24)),  # Fri 20 Feb in the block
            (D(2026, 2, 13), 10, C, D(2026, 2, 24)),  # Mon 23 Feb, last day of the block
            (D(2026, 2, 4), 10, C, D(2026, 2, 14)),  # make-up Saturday: not moved
            (D(2026, 2, 18), 10, C, D(2026, 2, 28)),  # make-up Saturday: not moved
        ],
        "between": [
            (D(2026, 2, 13), D(2026, 2, 28), 6),  # 14; 24, 25, 26, 27, 28
        ],
    },
    # 2024 国庆: 1–7 Oct off; Sun 29 Sep and Sat 12 Oct working.
    "national_2024": {
        "work": [D(2024, 9, 29), D(2024, 10, 12), D(2024, 9, 30), D(2024, 10, 8)],
        "off": [D(2024, 9, 28), D(2024, 10, 13), *(D(2024, 10, d) for d in range(1, 8))],
        "due": [
            (D(2024, 9, 27), 1, W, D(2024, 9, 29)),
            (D(2024, 9, 27), 3, W, D(2024, 10, 8)),  # Sun 29, Mon 30, Tue 8
            (D(2024, 9, 30), 5, W, D(2024, 10, 12)),  # Tue 8 .. Fri 11, Sat 12
            (D(2024, 9, 30), 6, W, D(2024, 10, 14)),
            (D(2024, 10, 1), 1, W, D(2024, 10, 8)),  # starting on a holiday
            (D(2024, 9, 23), 10, C, D(2024, 10, 8)),  # Thu 3 Oct in the block
            (D(2024, 9, 7), 30, C, D(2024, 10, 8)),  # Mon 7 Oct, last day of the block
            (D(2024, 9, 18), 10, C, D(2024, 9, 29)),  # ordinary Sat 28 Sep -> make-up Sun 29
            (D(2024, 10, 2), 10, C, D(2024, 10, 12)),  # make-up Saturday: not moved
            (D(2024, 10, 3), 10, C, D(2024, 10, 14)),  # ordinary Sunday 13 Oct
        ],
        "between": [
            (D(2024, 9, 28), D(2024, 10, 13), 7),  # 29, 30 Sep; 8–12 Oct
        ],
    },
    # 2025 国庆+中秋: 1–8 Oct off; Sun 28 Sep and Sat 11 Oct working.
    "national_2025": {
        "work": [D(2025, 9, 28), D(2025, 10, 11), D(2025, 9, 30), D(2025, 10, 9)],
        "off": [D(2025, 9, 27), D(2025, 10, 12), *(D(2025, 10, d) for d in range(1, 9))],
        "due": [
            (D(2025, 9, 26), 1, W, D(2025, 9, 28)),
            (D(2025, 9, 26), 4, W, D(2025, 10, 9)),  # Sun 28, Mon 29, Tue 30, Thu 9
            (D(2025, 9, 30), 3, W, D(2025, 10, 11)),  # Thu 9, Fri 10, Sat 11
            (D(2025, 9, 30), 4, W, D(2025, 10, 13)),
            (D(2025, 9, 20), 15, C, D(2025, 10, 9)),  # Sun 5 Oct in the block
            (D(2025, 9, 16), 15, C, D(2025, 10, 9)),  # Wed 1 Oct
            (D(2025, 9, 28), 10, C, D(2025, 10, 9)),  # Wed 8 Oct: a weekday, but in the block
            (D(2025, 10, 1), 10, C, D(2025, 10, 11)),  # make-up Saturday: not moved
            (D(2025, 9, 18), 10, C, D(2025, 9, 28)),  # make-up Sunday: not moved
        ],
        "between": [
            (D(2025, 9, 30), D(2025, 10, 13), 4),  # 9, 10, 11, 13 Oct
        ],
    },
    # 2026 中秋 25–27 Sep and 国庆 1–7 Oct off; Sun 20 Sep and Sat 10 Oct working.
    "national_2026": {
        "work": [D(2026, 9, 20), D(2026, 10, 10), D(2026, 9, 28), D(2026, 10, 8)],
        "off": [
            D(2026, 9, 19),
            D(2026, 9, 25),
            D(2026, 9, 26),
            D(2026, 9, 27),
            D(2026, 10, 11),
            *(D(2026, 10, d) for d in range(1, 8)),
        ],
        "due": [
            (D(2026, 9, 18), 1, W, D(2026, 9, 20)),
            (D(2026, 9, 24), 1, W, D(2026, 9, 28)),  # Fri 25 Sep is 中秋
            (D(2026, 9, 30), 1, W, D(2026, 10, 8)),
            (D(2026, 9, 30), 3, W, D(2026, 10, 10)),
            (D(2026, 9, 30), 4, W, D(2026, 10, 12)),
            (D(2026, 9, 21), 10, C, D(2026, 10, 8)),  # Thu 1 Oct
            (D(2026, 9, 15), 10, C, D(2026, 9, 28)),  # Fri 25 Sep, 中秋
            (D(2026, 9, 10), 10, C, D(2026, 9, 20)),  # make-up Sunday: not moved
        ],
        "between": [
            (D(2026, 9, 19), D(2026, 10, 11), 11),  # 20–24, 28–30 Sep; 8, 9, 10 Oct
        ],
    },
}


@pytest.mark.parametrize("block", sorted(BLOCKS))
def test_golden_holiday_blocks(rt: Runtime, block: str) -> None:
    spec = BLOCKS[block]
    cal = _cal(rt)
    for day in spec["work"]:
        assert chinese_calendar.is_workday(day), f"golden data wrong: {day}"
        assert cal.is_workday(day), day
    for day in spec["off"]:
        assert not chinese_calendar.is_workday(day), f"golden data wrong: {day}"
        assert not cal.is_workday(day), day
    for start, n, unit, expected in spec["due"]:
        assert _ref_due(start, n, unit) == expected, f"golden data wrong: {start} +{n} {unit}"
        got = cal.due(start, n, unit)
        assert got.due == expected, (start, n, unit, got)
        assert got.calendar_verified is True
        if unit == W:
            assert cal.add_working_days(start, n) == expected
            assert cal.working_days_between(start, expected) == n
    for a, b, expected in spec["between"]:
        assert _ref_between(a, b) == expected, f"golden data wrong: ({a}, {b}]"
        assert cal.working_days_between(a, b) == expected, (a, b)


def test_make_up_weekend_days_are_workdays_and_holiday_weekdays_are_not(rt: Runtime) -> None:
    cal = _cal(rt)
    # the examples DOMAIN.md gives for 2025
    assert cal.is_workday(D(2025, 1, 26)) and D(2025, 1, 26).weekday() == 6
    assert cal.is_workday(D(2025, 2, 8)) and D(2025, 2, 8).weekday() == 5
    assert cal.is_workday(D(2025, 9, 28)) and D(2025, 9, 28).weekday() == 6
    assert cal.is_workday(D(2025, 10, 11)) and D(2025, 10, 11).weekday() == 5
    for d in range(1, 9):
        assert not cal.is_workday(D(2025, 10, d))
    assert D(2025, 10, 8).weekday() == 2  # a Wednesday, and off


def test_seeded_calendar_matches_the_package_every_day(rt: Runtime) -> None:
    cal = _cal(rt)
    assert set(range(2004, 2027)) <= cal.verified_years
    assert not cal.is_verified(2027)
    d, end, wrong = D(2004, 1, 1), D(2026, 12, 31), []
    while d <= end:
        if cal.is_workday(d) != chinese_calendar.is_workday(d):
            wrong.append(d)
        d += ONE
    assert wrong == []
    # and the index agrees with is_workday: whole-year working-day totals
    for year in (2024, 2025, 2026):
        expected = _ref_between(D(year - 1, 12, 31), D(year, 12, 31))
        assert cal.working_days_between(D(year - 1, 12, 31), D(year, 12, 31)) == expected
    # 2025: 365 days, 104 weekend days, 13 holiday days -> 248 working days (DOMAIN.md: 13/year)
    assert cal.working_days_between(D(2024, 12, 31), D(2025, 12, 31)) == 248


# -- the start day is not counted ----------------------------------------------------------------


def test_start_day_is_not_counted(rt: Runtime) -> None:
    cal = _cal(rt)
    mon = D(2025, 3, 3)  # an ordinary week in March 2025
    assert mon.weekday() == 0
    assert cal.due(mon, 3, W).due == D(2025, 3, 6)  # Thursday
    assert cal.due(mon, 1, W).due == D(2025, 3, 4)
    assert cal.due(mon, 1, C).due == D(2025, 3, 4)
    assert cal.due(mon, 15, C).due == D(2025, 3, 18)
    assert cal.due(mon, 5, C).due == D(2025, 3, 10)  # Sat 8 Mar -> Monday
    assert cal.due(D(2025, 3, 7), 1, W).due == D(2025, 3, 10)  # Friday -> Monday
    assert cal.due(D(2025, 3, 8), 1, W).due == D(2025, 3, 10)  # Saturday -> Monday
    assert cal.due(D(2025, 3, 9), 1, W).due == D(2025, 3, 10)  # Sunday -> Monday
    assert cal.due(D(2025, 3, 9), 5, W).due == D(2025, 3, 14)
    for start, n, unit in ((mon, 3, W), (mon, 15, C), (D(2025, 3, 8), 1, W), (mon, 5, C)):
        assert cal.due(start, n, unit).due == _ref_due(start, n, unit)
    # working_days_between counts (a, b]
    assert cal.working_days_between(mon, mon) == 0
    assert cal.working_days_between(mon, D(2025, 3, 6)) == 3
    assert cal.working_days_between(D(2025, 3, 7), D(2025, 3, 10)) == 1
    assert cal.working_days_between(D(2025, 3, 10), D(2025, 3, 7)) == 0
    assert cal.add_working_days(mon, 0) == mon
    assert cal.elapsed(mon, D(2025, 3, 10), W) == 5
    assert cal.elapsed(mon, D(2025, 3, 10), C) == 7


def test_unknown_unit_is_invalid_input(rt: Runtime) -> None:
    cal = _cal(rt)
    with pytest.raises(InvalidInput) as exc:
        cal.due(D(2025, 3, 3), 3, "hours")
    assert exc.value.field == "unit"


# -- years the package does not cover, and an admin's import -------------------------------------

SCHEDULE_2027_CSV = """\
date,is_workday,name
2027-01-01,false,元旦
2027-01-30,true,春节调休上班
2027-02-05,0,春节
2027-02-06,休,春节
2027-02-07,off,春节
2027-02-08,holiday,春节
2027-02-09,no,春节
2027-02-10,0,春节
2027-02-11,0,春节
2027-02-12,0,春节
2027-02-20,班,春节调休上班
"""
# (made up: 1 Jan off; Spring Festival 5–12 Feb off; Sat 30 Jan and Sat 20 Feb working)


def test_year_outside_the_package_falls_back_to_monday_friday_unverified(rt: Runtime) -> None:
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(D(2027, 1, 1))  # the premise: the package stops at 2026
    cal = _cal(rt)
    assert not cal.is_verified(2027)
    assert cal.is_workday(D(2027, 1, 1))  # a Friday, so a working day by the fallback
    assert not cal.is_workday(D(2027, 1, 2))
    assert cal.due(D(2027, 3, 1), 3, W).as_dict() == {
        "due": "2027-03-04",
        "calendar_verified": False,
    }
    assert cal.due(D(2027, 3, 1), 5, W).due == D(2027, 3, 8)
    assert cal.due(D(2027, 3, 1), 5, C).due == D(2027, 3, 8)  # Sat 6 Mar -> Monday
    assert cal.due(D(2027, 3, 1), 5, C).calendar_verified is False
    # from late December 2026 into January 2027: unverified, Mon–Fri counting
    late = cal.due(D(2026, 12, 30), 3, W)  # Thu 31 Dec, Fri 1 Jan, Mon 4 Jan
    assert (late.due, late.calendar_verified) == (D(2027, 1, 4), False)
    late = cal.due(D(2026, 12, 25), 7, C)  # Fri 1 Jan 2027, a working day by the fallback
    assert (late.due, late.calendar_verified) == (D(2027, 1, 1), False)
    assert cal.working_days_between(D(2027, 1, 31), D(2027, 2, 21)) == 15
    # and before the package's first year: a period starting in 2003 is unverified too
    early = cal.due(D(2003, 12, 30), 3, W)  # Wed 31 Dec; Fri 2 Jan (1 Jan 2004 off); Mon 5 Jan
    assert (early.due, early.calendar_verified) == (D(2004, 1, 5), False)
    # control: a period that stays inside 2026 is verified
    inside = cal.due(D(2026, 12, 21), 3, W)
    assert (inside.due, inside.calendar_verified) == (D(2026, 12, 24), True)
    inside = cal.due(D(2026, 12, 30), 1, W)
    assert (inside.due, inside.calendar_verified) == (D(2026, 12, 31), True)


def test_admin_import_of_a_new_year_is_honoured_and_verified(rt: Runtime) -> None:
    before = _cal(rt)
    rows = parse_schedule(SCHEDULE_2027_CSV, "x.csv")
    assert len(rows) == 11
    assert rows[0] == (D(2027, 1, 1), False, "元旦")
    assert rows[1] == (D(2027, 1, 30), True, "春节调休上班")
    assert rows[-1] == (D(2027, 2, 20), True, "春节调休上班")
    assert all(not wd for _, wd, _ in rows[2:-1])

    # (start, n, unit, expected before the import, expected after it)
    cases = [
        (D(2026, 12, 30), 3, W, D(2027, 1, 4), D(2027, 1, 5)),  # 1 Jan no longer counted
        (D(2026, 12, 25), 7, C, D(2027, 1, 1), D(2027, 1, 4)),  # ends on 元旦 -> Monday
        (D(2027, 1, 29), 1, W, D(2027, 2, 1), D(2027, 1, 30)),  # make-up Saturday
        (D(2027, 2, 4), 2, W, D(2027, 2, 8), D(2027, 2, 16)),  # over the block: Mon 15, Tue 16
        (D(2027, 1, 29), 10, C, D(2027, 2, 8), D(2027, 2, 15)),  # Mon 8 Feb is in the block
        (D(2027, 2, 10), 10, C, D(2027, 2, 22), D(2027, 2, 20)),  # make-up Saturday: not moved
    ]
    for start, n, unit, old, _ in cases:
        got = before.due(start, n, unit)
        assert (got.due, got.calendar_verified) == (old, False), (start, n, unit)

    with rt.uow() as uow:
        assert import_schedule(uow.session, rows) == [2027]
        uow.commit()

    with rt.reader() as uow:
        cal = load_calendar(uow.session)
        stored = {
            r.day: (r.is_workday, r.name, r.source)
            for r in uow.session.scalars(
                select(CalendarDay).where(CalendarDay.day >= D(2027, 1, 1))
            )
        }
        year = uow.session.get(CalendarYear, 2027)
        assert year is not None and year.verified and year.source == "admin"
    assert cal is not before
    assert stored[D(2027, 1, 1)] == (False, "元旦", "admin")
    assert stored[D(2027, 2, 20)] == (True, "春节调休上班", "admin")
    assert len(stored) == 11

    assert cal.is_verified(2027)
    assert not cal.is_verified(2028)
    assert not cal.is_workday(D(2027, 1, 1))
    assert cal.is_workday(D(2027, 1, 30))
    assert not cal.is_workday(D(2027, 2, 8))
    for start, n, unit, _, new in cases:
        got = cal.due(start, n, unit)
        assert (got.due, got.calendar_verified) == (new, True), (start, n, unit)
    # 1–4 Feb, 15–19 Feb and the make-up Saturday 20 Feb
    assert cal.working_days_between(D(2027, 1, 31), D(2027, 2, 21)) == 10
    # 2028 is still nobody's: a period running into it is unverified again
    into_2028 = cal.due(D(2027, 12, 30), 3, W)  # Fri 31 Dec, Mon 3 Jan, Tue 4 Jan
    assert (into_2028.due, into_2028.calendar_verified) == (D(2028, 1, 4), False)


def test_a_gap_year_in_the_middle_keeps_a_period_unverified(rt: Runtime) -> None:
    assert not _cal(rt).is_verified(2028)
    # an admin imports 2028 (made up: Mon 3 Jan off) but nobody has imported 2027
    rows = parse_schedule("date,is_workday,name\n2028-01-03,0,元旦\n", "2028.csv")
    with rt.uow() as uow:
        assert import_schedule(uow.session, rows) == [2028]
        uow.commit()
    cal = _cal(rt)
    assert cal.is_verified(2028) and not cal.is_verified(2027)
    inside = cal.due(D(2028, 1, 1), 1, W)  # Saturday start; Mon 3 Jan off
    assert (inside.due, inside.calendar_verified) == (D(2028, 1, 4), True)
    # 2026-12-31 + 261 Mon–Fri days of 2027 = Fri 31 Dec 2027; the 262nd is Tue 4 Jan 2028
    across = cal.due(D(2026, 12, 31), 262, W)
    assert (across.due, across.calendar_verified) == (D(2028, 1, 4), False)


def test_parse_schedule_json_forms(rt: Runtime) -> None:
    assert not _cal(rt).is_verified(2027)
    csv_rows = parse_schedule(SCHEDULE_2027_CSV, "x.csv")
    items = [{"date": d.isoformat(), "is_workday": wd, "name": name} for d, wd, name in csv_rows]
    as_list = json.dumps(items, ensure_ascii=False)
    as_object = json.dumps({"days": items}, ensure_ascii=False)
    assert parse_schedule(as_list, "2027.json") == csv_rows
    assert parse_schedule(as_object, "2027.json") == csv_rows
    assert parse_schedule(as_object) == csv_rows  # recognised without a .json name
    assert parse_schedule("\ufeff" + as_list, "") == csv_rows  # with a byte-order mark
    # spellings of is_workday and a missing name
    mixed = json.dumps(
        [
            {"date": "2027-03-05", "is_workday": "休", "name": "测试假日"},
            {"date": "2027-03-06", "is_workday": 1},
            {"date": " 2027-03-07 ", "is_workday": "上班", "name": None},
        ],
        ensure_ascii=False,
    )
    assert parse_schedule(mixed, "m.json") == [
        (D(2027, 3, 5), False, "测试假日"),
        (D(2027, 3, 6), True, ""),
        (D(2027, 3, 7), True, ""),
    ]
    # an imported JSON schedule is honoured like a CSV one
    with rt.uow() as uow:
        assert import_schedule(uow.session, parse_schedule(mixed, "m.json")) == [2027]
        uow.commit()
    cal = _cal(rt)
    assert cal.is_verified(2027)
    assert not cal.is_workday(D(2027, 3, 5))  # a Friday, now off
    got = cal.due(D(2027, 3, 4), 1, W)  # Thursday -> the make-up Saturday
    assert (got.due, got.calendar_verified) == (D(2027, 3, 6), True)
    got = cal.due(D(2027, 3, 4), 2, W)  # Sat 6, Sun 7 (both made working)
    assert (got.due, got.calendar_verified) == (D(2027, 3, 7), True)


# -- single-day overrides by an administrator ----------------------------------------------------


def test_admin_override_wins_over_the_package_and_reloads_the_cache(rt: Runtime) -> None:
    before = _cal(rt)
    assert _cal(rt) is before  # unchanged database: the cached snapshot
    assert not before.is_workday(D(2025, 10, 8))
    assert before.due(D(2025, 9, 30), 1, W).due == D(2025, 10, 9)
    assert before.due(D(2025, 9, 28), 10, C).due == D(2025, 10, 9)
    assert before.due(D(2025, 10, 9), 2, W).due == D(2025, 10, 11)
    assert before.due(D(2025, 3, 3), 3, W).due == D(2025, 3, 6)

    with rt.uow() as uow:
        # a package holiday made a working day, a package make-up Saturday made a rest day,
        # and an ordinary Tuesday made a holiday
        set_day(uow.session, D(2025, 10, 8), is_workday=True, name="测试：改为上班")
        set_day(uow.session, D(2025, 10, 11), is_workday=False)
        set_day(uow.session, D(2025, 3, 4), is_workday=False, name="测试：临时假日")
        uow.commit()
        after_commit = load_calendar(uow.session)

    cal = _cal(rt)
    assert cal is not before
    for snapshot in (cal, after_commit):
        assert snapshot.is_workday(D(2025, 10, 8))
        assert not snapshot.is_workday(D(2025, 10, 11))
        assert not snapshot.is_workday(D(2025, 3, 4))
        assert snapshot.due(D(2025, 9, 30), 1, W).due == D(2025, 10, 8)
        assert snapshot.due(D(2025, 9, 28), 10, C).due == D(2025, 10, 8)
        assert snapshot.due(D(2025, 10, 9), 2, W).due == D(2025, 10, 13)
        assert snapshot.due(D(2025, 3, 3), 3, W).due == D(2025, 3, 7)
        assert snapshot.due(D(2025, 3, 3), 1, C).due == D(2025, 3, 5)
        assert snapshot.due(D(2025, 9, 30), 1, W).calendar_verified is True

    with rt.reader() as uow:
        row = uow.session.get(CalendarDay, D(2025, 10, 8))
        assert row is not None
        assert (row.is_workday, row.name, row.source) == (True, "测试：改为上班", "admin")
        row = uow.session.get(CalendarDay, D(2025, 10, 11))
        assert row is not None and row.name == "休息日" and row.source == "admin"

    # seeding from the package again never touches an administrator's rows
    with rt.uow() as uow:
        seed_from_package(uow.session)
        uow.commit()
    cal = _cal(rt)
    assert cal.is_workday(D(2025, 10, 8))
    assert not cal.is_workday(D(2025, 10, 11))

    # and overriding back restores the official answer
    with rt.uow() as uow:
        set_day(uow.session, D(2025, 10, 8), is_workday=False, name="国庆节")
        uow.commit()
    cal = _cal(rt)
    assert not cal.is_workday(D(2025, 10, 8))
    assert cal.due(D(2025, 9, 30), 1, W).due == D(2025, 10, 9)


# -- bad schedule files ----------------------------------------------------------------------------

BAD_FILES = [
    ("date,is_workday,name\n2027-02-30,0,x\n", "x.csv", "date", "line 2"),
    ("2027/01/01,0,元旦\n", "x.csv", "date", "line 1"),
    ("date,is_workday,name\n2027-01-01,0,a\nnot-a-date,1,b\n", "x.csv", "date", "line 3"),
    ("2027-01-01,maybe,x\n", "x.csv", "is_workday", "line 1"),
    ("2027-01-01,,x\n", "x.csv", "is_workday", "line 1"),
    ("2027-01-01\n", "x.csv", "file", "line 1"),
    ("", "x.csv", "file", "no days"),
    ("   \n\n", "x.csv", "file", "no days"),
    ("date,is_workday,name\n", "x.csv", "file", "no days"),
    ("# nothing but a comment\n", "x.csv", "file", "no days"),
    ("", "x.json", "file", "JSON"),
    ('{"days": [', "x.json", "file", "JSON"),
    ("not json at all", "x.json", "file", "JSON"),
    ('[{"date": "2027-01-01", "is_workday": true},]', "", "file", "JSON"),
    ("[]", "x.json", "file", "no days"),
    ('{"holidays": []}', "x.json", "file", "no days"),
    ('{"days": 5}', "x.json", "file", "list"),
    ("[1, 2]", "x.json", "file", "item 1"),
    ('[{"date": "01/01/2027", "is_workday": true}]', "x.json", "date", "item 1"),
    ('[{"is_workday": true}]', "x.json", "date", "item 1"),
    ('[{"date": "2027-01-01", "is_workday": "perhaps"}]', "x.json", "is_workday", "item 1"),
    ('[{"date": "2027-01-01"}]', "x.json", "is_workday", "item 1"),
    (
        '[{"date": "2027-01-01", "is_workday": true}, {"date": "2027-1-2", "is_workday": 0}]',
        "x.json",
        "date",
        "item 2",
    ),
]


def test_a_change_inside_a_request_is_served_after_it_not_the_revision_read_with_the_token(
    rt: Runtime,
) -> None:
    """A request reads the calendar's revision beside its token, for its next unit of work
    only. An administrator's change in that unit of work is then what the request's later units
    of work (the answer) and later requests see, never the snapshot the token's revision names."""
    before = _cal(rt)
    assert before.is_workday(D(2025, 3, 4)) is not False  # an ordinary Tuesday: a working day
    with rt.reader() as uow:
        revision = uow.session.scalar(select(CalendarMeta.revision))
    scope = enter_scope(rt.engine)
    try:
        seed_next_unit(casework_calendar_revision=revision)
        with rt.uow() as uow:
            set_day(uow.session, D(2025, 3, 4), is_workday=False, name="测试：临时假日")
            assert not load_calendar(uow.session).is_workday(D(2025, 3, 4))
            uow.commit()
        with rt.reader() as uow:  # the memo served one unit of work: this one reads for itself
            assert "casework_calendar_revision" not in uow.session.info
            assert not load_calendar(uow.session).is_workday(D(2025, 3, 4))
    finally:
        exit_scope(scope)
    assert not _cal(rt).is_workday(D(2025, 3, 4))


@pytest.mark.parametrize(("content", "filename", "field", "where"), BAD_FILES)
def test_parse_schedule_rejects_bad_input(
    content: str, filename: str, field: str, where: str
) -> None:
    with pytest.raises(InvalidInput) as exc:
        parse_schedule(content, filename)
    err = exc.value
    assert err.code == "invalid_input"
    assert err.field == field
    assert where in err.message_en
    assert err.message_zh and err.message_zh != err.message_en
    assert "Traceback" not in str(err)
    assert str(err).startswith(f"{field}: ")


# -- speed ----------------------------------------------------------------------------------------


def test_adding_working_days_is_fast(rt: Runtime) -> None:
    cal = _cal(rt)
    start = D(2024, 12, 31)
    expected = _ref_due(start, 250, W)
    assert expected == D(
        2026, 1, 5
    )  # 248 in 2025; Mon 5 Jan, 2026 (1–3 Jan off, Sun 4 Jan working)
    assert cal.add_working_days(start, 250) == expected
    starts = [D(2004, 1, 1) + dt.timedelta(days=(i * 37) % 8000) for i in range(20_000)]
    t0 = time.perf_counter()
    results = [cal.add_working_days(s, 250) for s in starts]
    elapsed = time.perf_counter() - t0
    assert elapsed < 2.0, f"20,000 x add_working_days(250) took {elapsed:.2f}s"
    for s, r in zip(starts[:200], results[:200], strict=True):
        assert cal.working_days_between(s, r) == 250
        assert cal.is_workday(r)


def test_a_rolled_back_change_is_never_served_from_the_cache(rt: Runtime) -> None:
    """A writer that reads its own uncommitted change, then rolls back, must not leave that
    change in the process cache; the next committed change must be seen."""
    holiday, weekday = dt.date(2025, 10, 8), dt.date(2025, 3, 4)
    with rt.uow() as uow:
        set_day(uow.session, holiday, is_workday=True)
        assert load_calendar(uow.session).is_workday(holiday)  # its own uncommitted view
    with rt.uow() as uow:  # left without commit above: rolled back
        set_day(uow.session, weekday, is_workday=False)
        uow.commit()
    cal = _cal(rt)
    assert not cal.is_workday(holiday)
    assert not cal.is_workday(weekday)


# -- the supported years, and taking an administrator's day back (hardening, item 2) -------------


def _stored(rt: Runtime) -> dict[dt.date, tuple[bool, str, str]]:
    with rt.reader() as uow:
        return {
            r.day: (r.is_workday, r.name, r.source)
            for r in uow.session.scalars(select(CalendarDay))
        }


def _stored_years(rt: Runtime) -> dict[int, tuple[str, bool]]:
    with rt.reader() as uow:
        return {y.year: (y.source, y.verified) for y in uow.session.scalars(select(CalendarYear))}


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "1948-12-31", "2200-01-01"])
def test_cli_set_outside_the_supported_years_exits_2_and_writes_nothing(
    rt: Runtime, db_url: str, day: str
) -> None:
    before = _stored(rt)
    out = run_cli(db_url, "calendar", "set", day, "--holiday", "--name", "坏数据")
    assert out.returncode == 2, out
    assert "1949" in out.stderr and "2199" in out.stderr and "Traceback" not in out.stderr
    assert _stored(rt) == before
    assert _cal(rt).due(D(2025, 9, 30), 1, W).due == D(2025, 10, 9)


def test_service_writes_outside_the_supported_years_are_invalid_input(rt: Runtime) -> None:
    lo, hi = CALENDAR_YEARS
    before, years = _stored(rt), _stored_years(rt)
    for day in (D(1, 1, 1), D(lo - 1, 12, 31), D(hi + 1, 1, 1), D(9999, 12, 31)):
        with rt.uow() as uow, pytest.raises(InvalidInput) as exc:
            set_day(uow.session, day, is_workday=False)
        assert exc.value.field == "day"
        # an import with one bad day among good ones writes none of them
        rows = [(D(2027, 1, 1), False, "元旦"), (day, False, "坏数据")]
        with rt.uow() as uow:
            with pytest.raises(InvalidInput) as exc:
                import_schedule(uow.session, rows)
            uow.commit()  # even a caller that commits anyway has nothing to write
        assert exc.value.field == "date" and day.isoformat() in exc.value.message_en
    assert _stored(rt) == before and _stored_years(rt) == years
    with rt.uow() as uow:  # the bounds themselves are fine
        set_day(uow.session, D(lo, 1, 1), is_workday=True)
        set_day(uow.session, D(hi, 12, 31), is_workday=True)
        uow.commit()
    assert _cal(rt).is_workday(D(hi, 12, 31))


def test_a_day_name_too_long_for_its_column_is_invalid_input_and_writes_nothing(
    rt: Runtime,
) -> None:
    before = _stored(rt)
    with rt.uow() as uow, pytest.raises(InvalidInput) as exc:
        set_day(uow.session, D(2027, 2, 6), is_workday=False, name="春" * 121)
    assert exc.value.field == "name" and "120" in exc.value.message_zh
    assert _stored(rt) == before
    with rt.uow() as uow:  # a name that fits is stored trimmed
        set_day(uow.session, D(2027, 2, 6), is_workday=False, name="  春节  ")
        uow.commit()
    with rt.reader() as uow:
        assert uow.session.get(CalendarDay, D(2027, 2, 6)).name == "春节"


def test_cli_import_outside_the_supported_years_exits_2_and_writes_nothing(
    rt: Runtime, db_url: str, tmp_path
) -> None:
    before, years = _stored(rt), _stored_years(rt)
    path = tmp_path / "bad.csv"
    path.write_text("date,is_workday,name\n2027-01-01,0,元旦\n0001-01-01,0,坏数据\n", "utf-8")
    out = run_cli(db_url, "calendar", "import", str(path))
    assert out.returncode == 2, out
    assert "0001-01-01" in out.stderr and "1949" in out.stderr
    assert _stored(rt) == before and _stored_years(rt) == years


def test_cli_unset_round_trip(rt: Runtime, db_url: str) -> None:
    before = _stored(rt)
    assert before[D(2025, 10, 1)] == (False, "国庆节", "package")
    # a package holiday made a working day, then unset: the package's row comes back
    assert run_cli(db_url, "calendar", "set", "2025-10-01", "--workday").returncode == 0
    assert _cal(rt).due(D(2025, 9, 30), 1, W).due == D(2025, 10, 1)
    out = run_cli(db_url, "calendar", "unset", "2025-10-01")
    assert out.returncode == 0, out
    assert "2025-10-01" in out.stdout
    assert _stored(rt) == before
    assert _cal(rt).due(D(2025, 9, 30), 1, W).due == D(2025, 10, 9)
    # an ordinary Tuesday made a holiday, then unset: back to Monday–Friday, no row left
    assert run_cli(db_url, "calendar", "set", "2025-03-04", "--holiday").returncode == 0
    assert not _cal(rt).is_workday(D(2025, 3, 4))
    assert run_cli(db_url, "calendar", "unset", "2025-03-04").returncode == 0
    assert _cal(rt).is_workday(D(2025, 3, 4))
    assert _stored(rt) == before
    # nothing of an administrator's left: exit 2 with a message, nothing changed
    for day in ("2025-10-01", "2025-10-02", "2025-03-04"):
        out = run_cli(db_url, "calendar", "unset", day)
        assert out.returncode == 2 and day in out.stderr, out
    for bad in ("2025-13-01", "2025/03/04", "tomorrow"):
        out = run_cli(db_url, "calendar", "unset", bad)
        assert out.returncode == 2 and "YYYY-MM-DD" in out.stderr, out
    assert _stored(rt) == before


def test_unset_bumps_the_revision_so_a_cached_calendar_reloads(rt: Runtime) -> None:
    with rt.uow() as uow:
        set_day(uow.session, D(2025, 3, 4), is_workday=False)
        uow.commit()
    cached = _cal(rt)
    assert not cached.is_workday(D(2025, 3, 4))
    with rt.uow() as uow:
        unset_day(uow.session, D(2025, 3, 4))
        uow.commit()
    fresh = _cal(rt)
    assert fresh is not cached and fresh.is_workday(D(2025, 3, 4))
    with rt.uow() as uow, pytest.raises(NotFound):
        unset_day(uow.session, D(2025, 3, 4))


def test_rows_outside_the_supported_years_are_ignored_with_one_warning(caplog) -> None:
    # (dates no other test uses: the warning is given once per process for the same rows)
    exceptions = {
        D(3, 3, 3): False,
        D(8888, 8, 8): True,
        D(2025, 3, 4): False,  # an ordinary Tuesday made a holiday: still honoured
    }
    with caplog.at_level("WARNING", logger="casework.clocks"):
        cal = WorkCalendar(exceptions, [3, 2025, 8888])
        WorkCalendar(exceptions, [3, 2025, 8888])  # the same rows again: no second warning
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert len(warnings) == 2, warnings  # the days (with the remedy), the years
    assert "0003-03-03" in warnings[0] and "8888-08-08" in warnings[0]
    assert "calendar unset" in warnings[0]
    assert "3, 8888" in warnings[1]
    assert not cal.is_workday(D(2025, 3, 4))
    assert cal.due(D(2025, 3, 3), 1, W).due == D(2025, 3, 5)
    assert cal.due(D(2025, 3, 3), 10, C).due == D(2025, 3, 13)
    assert cal.add_working_days(D(2025, 3, 3), 2) == D(2025, 3, 6)
    assert cal.is_workday(D(3, 3, 3))  # ignored: a Monday, by the fallback
    assert not cal.is_workday(D(8888, 8, 8))  # ignored: a Sunday
    assert cal.is_verified(2025)


@pytest.mark.parametrize("start", [D(1, 1, 1), D(1948, 12, 31), D(2200, 1, 1), D(9999, 12, 31)])
def test_a_start_outside_the_supported_years_is_invalid_input(rt: Runtime, start) -> None:
    cal = _cal(rt)
    for call in (
        lambda: cal.due(start, 5, W),
        lambda: cal.due(start, 5, C),
        lambda: cal.due(start, 0, W),
        lambda: cal.add_working_days(start, 5),
        lambda: cal.next_workday_on_or_after(start),
    ):
        with pytest.raises(InvalidInput) as exc:
            call()
        assert exc.value.field == "start"
    # the last supported day with the longest period still computes
    lo, hi = CALENDAR_YEARS
    assert cal.due(D(hi, 12, 31), 3650, W).due.year > hi
    assert cal.due(D(lo, 1, 1), 3650, C).calendar_verified is False


def test_cli_deadline_and_show_outside_the_supported_years_exit_2(rt: Runtime, db_url) -> None:
    for args in (
        ("deadline", "--start", "0001-01-01", "--days", "3", "--unit", "working"),
        ("deadline", "--start", "9999-12-31", "--days", "3", "--unit", "calendar"),
        ("calendar", "show", "1"),
        ("calendar", "show", "0"),
        ("calendar", "show", "9999"),
    ):
        out = run_cli(db_url, *args)
        assert out.returncode == 2 and "1949" in out.stderr, (args, out)
        assert "Traceback" not in out.stderr


def test_a_period_too_long_to_count_is_invalid_input_and_leaves_the_calendar_working() -> None:
    cal = WorkCalendar({D(2025, 3, 4): False}, [2025])
    for call in (
        lambda: cal.add_working_days(D(2199, 12, 31), 10**6),
        lambda: cal.due(D(2199, 12, 31), 10**6, W),
        lambda: cal.due(D(2199, 12, 31), 10**6, C),
        lambda: cal.due(D(2199, 12, 31), 10**9, C),  # past year 9999
        lambda: cal.add_working_days(D(2199, 12, 31), 10**9),
    ):
        with pytest.raises(InvalidInput) as exc:
            call()
        assert exc.value.field == "days"
    # the same snapshot still answers, and still extends its index when asked to
    assert cal.due(D(2025, 3, 3), 1, W).due == D(2025, 3, 5)
    assert cal.add_working_days(D(2199, 12, 31), 2) == D(2200, 1, 2)
    assert cal.due(D(1949, 1, 3), 1, W).due == D(1949, 1, 4)
