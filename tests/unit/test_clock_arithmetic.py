"""Pause and resume arithmetic on the official calendar (docs/domain.md §1), without a database.

A period has an end as counted (start + N days, or the N-th working day) and a due date (that end
moved off a rest day, 民事诉讼法 第八十五条). Only the counted end says how many days are left when
a clock is paused: the rest days it was moved over are not days of the period.
"""

from __future__ import annotations

import datetime as dt

import pytest
from chinese_calendar.constants import holidays, workdays

from casework.clocks.calendar import WorkCalendar

D = dt.date
OFFICIAL = WorkCalendar(
    {**{d: False for d in holidays}, **{d: True for d in workdays}},
    sorted({d.year for d in holidays}),
)


@pytest.mark.parametrize(
    ("start", "days", "unit", "end", "due", "paused", "resumed", "end_after", "due_after"),
    [
        # National Day 2025: day 5 is Wed 1 Oct, moved to Thu 9 Oct. Paused Sat 27 → Tue 30 Sep:
        # 4 days were left (28 Sep – 1 Oct), counted again from 30 Sep: Sat 4 Oct → Thu 9 Oct.
        (D(2025, 9, 26), 5, "calendar", D(2025, 10, 1), D(2025, 10, 9),
         D(2025, 9, 27), D(2025, 9, 30), D(2025, 10, 4), D(2025, 10, 9)),
        # Spring Festival 2025: day 7 is Wed 29 Jan, moved to Wed 5 Feb. Paused Thu 23 → Sun 26
        # Jan: 6 days were left, counted again from 26 Jan: Sat 1 Feb → Wed 5 Feb.
        (D(2025, 1, 22), 7, "calendar", D(2025, 1, 29), D(2025, 2, 5),
         D(2025, 1, 23), D(2025, 1, 26), D(2025, 2, 1), D(2025, 2, 5)),
        # 5 working days from Fri 26 Sep 2025 (Sun 28 is a make-up day): due Fri 10 Oct. Paused
        # Mon 29 Sep after 2 were used; 3 left from Thu 9 Oct: Fri 10, Sat 11 (调休), Mon 13.
        (D(2025, 9, 26), 5, "working", D(2025, 10, 10), D(2025, 10, 10),
         D(2025, 9, 29), D(2025, 10, 9), D(2025, 10, 13), D(2025, 10, 13)),
    ],
    ids=["national-day", "spring-festival", "working-days"],
)  # fmt: skip
def test_resume_counts_remaining_days_from_the_unrolled_due_date(
    start, days, unit, end, due, paused, resumed, end_after, due_after
):
    assert OFFICIAL.period_end(start, days, unit) == end
    assert OFFICIAL.due(start, days, unit).due == due
    assert OFFICIAL.resumed_end(end, paused, resumed, unit) == end_after
    assert OFFICIAL.roll(end_after) == due_after


def test_a_pause_inside_the_rest_days_a_period_was_moved_over_leaves_nothing_to_count():
    # 5 calendar days from 26 Sep 2025 end on Wed 1 Oct (due Thu 9 Oct); paused on Fri 3 Oct the
    # period has already run: resumed on Mon 13 Oct it is due that same day, the next working day.
    end = OFFICIAL.period_end(D(2025, 9, 26), 5, "calendar")
    assert OFFICIAL.resumed_end(end, D(2025, 10, 3), D(2025, 10, 13), "calendar") == D(2025, 10, 13)
    # A working-day clock with nothing left, resumed on a Sunday, is due the next working day.
    end = OFFICIAL.period_end(D(2025, 3, 3), 1, "working")  # Tue 4 Mar
    after = OFFICIAL.resumed_end(end, D(2025, 3, 5), D(2025, 3, 9), "working")
    assert OFFICIAL.roll(after) == D(2025, 3, 10)


def test_an_extension_is_added_to_the_counted_end_not_to_the_moved_due_date():
    # 45 days from Sun 17 Aug 2025 end Wed 1 Oct (due Thu 9 Oct); +15 days end Thu 16 Oct.
    end = OFFICIAL.period_end(D(2025, 8, 17), 45, "calendar")
    assert OFFICIAL.roll(end) == D(2025, 10, 9)
    assert OFFICIAL.period_end(end, 15, "calendar") == D(2025, 10, 16)
