"""The deadline badge a desk shows for a clock: 红 已超期 N 天, 黄 即将到期 (from the moment the
engine sends its reminder), 绿 正常 with the working or calendar days left, grey when paused."""

from __future__ import annotations

import datetime as dt

from casework.clocks.calendar import WorkCalendar
from casework.clocks.queries import badge
from casework.core.time import SHANGHAI
from casework.models import Deadline

# A calendar for the test: 2026-10-01..07 off, Saturday 2026-10-10 a make-up working day.
HOLIDAYS = {dt.date(2026, 10, d): False for d in range(1, 8)} | {dt.date(2026, 10, 10): True}
CAL = WorkCalendar(HOLIDAYS, [2026])


def _at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=SHANGHAI).astimezone(dt.UTC)


def _clock(due: dt.date, *, unit: str = "working", status: str = "running", remind=None):
    end = dt.datetime(due.year, due.month, due.day, 23, 59, 59, tzinfo=SHANGHAI)
    return Deadline(
        rule="handling",
        unit=unit,
        due_on=due,
        due_at=end.astimezone(dt.UTC),
        status=status,
        remind_at=remind,
    )


def test_overdue_counts_the_days_since_the_due_date():
    b = badge(_clock(dt.date(2026, 9, 28)), CAL, _at(dt.date(2026, 9, 30)))
    assert (b["tone"], b["label_zh"], b["text_zh"]) == ("red", "已超期", "已超期 2 天")


def test_working_days_left_skip_the_holiday_and_count_the_make_up_day():
    # From 9-30 to 10-12: 10-8, 10-9, 10-10 (make-up Saturday) and 10-12 are working days.
    b = badge(_clock(dt.date(2026, 10, 12)), CAL, _at(dt.date(2026, 9, 30)))
    assert (b["tone"], b["text_zh"]) == ("green", "剩 4 个工作日")


def test_calendar_clocks_count_calendar_days():
    b = badge(_clock(dt.date(2026, 10, 12), unit="calendar"), CAL, _at(dt.date(2026, 9, 30)))
    assert b["text_zh"] == "剩 12 天"


def test_due_soon_once_the_reminder_time_has_come():
    due = dt.date(2026, 10, 9)
    clock = _clock(due, remind=_at(dt.date(2026, 10, 8), 0))
    before = badge(clock, CAL, _at(dt.date(2026, 9, 30)))
    after = badge(clock, CAL, _at(dt.date(2026, 10, 8)))
    assert before["tone"] == "green"
    assert (after["tone"], after["label_zh"], after["text_zh"]) == (
        "amber",
        "即将到期",
        "剩 1 个工作日",
    )


def test_the_due_day_itself_and_a_paused_clock():
    today = dt.date(2026, 10, 9)
    assert badge(_clock(today), CAL, _at(today))["text_zh"] == "今日到期"
    paused = badge(_clock(today, status="paused"), CAL, _at(dt.date(2026, 10, 20)))
    assert (paused["tone"], paused["label_zh"]) == ("grey", "已暂停")
