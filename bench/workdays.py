"""Working-day arithmetic: the engine's calendar against ``chinese_calendar.find_workday``.

    .venv/bin/python bench/workdays.py [--samples 20000]

Adds N working days (1 to 60) to random start dates within the years the package knows, both
ways, and prints the speed-up and the number of answers that differ (goal: keep it much faster,
with 0 mismatches). No database: the calendar is built from the package's own tables, as
``casework calendar`` seeds them.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import time

import chinese_calendar
from chinese_calendar.constants import holidays, workdays

from casework.clocks.calendar import WorkCalendar, package_years


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--samples", type=int, default=20_000)
    args = p.parse_args()
    years = package_years()
    exceptions = {d: False for d in holidays} | {d: True for d in workdays}
    cal = WorkCalendar(exceptions, years)
    rnd = random.Random(15)
    lo, hi = dt.date(min(years), 1, 1), dt.date(max(years), 10, 1)  # N days stay in range
    cases = [
        (lo + dt.timedelta(days=rnd.randrange((hi - lo).days)), rnd.randint(1, 60))
        for _ in range(args.samples)
    ]
    cal.add_working_days(*cases[0])  # builds its index once
    t0 = time.perf_counter()
    ours = [cal.add_working_days(start, n) for start, n in cases]
    t_ours = time.perf_counter() - t0
    t0 = time.perf_counter()
    # find_workday(n, d) first moves to the working day on or after d, then n more: the N-th
    # working day after d when d is one, the (N+1)-th when it is a rest day.
    theirs = [
        chinese_calendar.find_workday(n if chinese_calendar.is_workday(start) else n - 1, start)
        for start, n in cases
    ]
    t_theirs = time.perf_counter() - t0
    mismatches = sum(1 for a, b in zip(ours, theirs, strict=True) if a != b)
    print(
        f"{args.samples:,} sums: engine {t_ours * 1e3:.1f} ms, chinese_calendar.find_workday "
        f"{t_theirs * 1e3:.1f} ms: {t_theirs / t_ours:,.0f}x faster, {mismatches} mismatches  "
        f"{'OK' if mismatches == 0 and t_theirs > t_ours else 'NOT MET'}"
    )


if __name__ == "__main__":
    main()
