"""Time: stored in UTC, legal dates in Asia/Shanghai (a deadline ends at the end of its day)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def local_date(at: dt.datetime | None = None) -> dt.date:
    """The Asia/Shanghai date of ``at`` (default: now)."""
    return (at or utcnow()).astimezone(SHANGHAI).date()


def local_year(at: dt.datetime | None = None) -> int:
    return local_date(at).year


def start_of_day(d: dt.date) -> dt.datetime:
    """Midnight at the start of ``d`` in Asia/Shanghai, as UTC."""
    return dt.datetime.combine(d, dt.time(0), SHANGHAI).astimezone(dt.UTC)


def end_of_day(d: dt.date) -> dt.datetime:
    """A deadline expires at the end of its last day, Asia/Shanghai (returned in UTC)."""
    return start_of_day(d + dt.timedelta(days=1))


def iso(value: dt.datetime | dt.date | None) -> str | None:
    """ISO 8601 for the API: datetimes in UTC with ``Z``, dates as ``YYYY-MM-DD``."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
    return value.isoformat()


def money(value: Decimal | None) -> str | None:
    """Yuan as a decimal string with two places (never a float)."""
    return None if value is None else f"{value:.2f}"
