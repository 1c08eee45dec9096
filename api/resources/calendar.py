"""Deadline arithmetic on the official working-day calendar; admins correct single days and take
their corrections back."""

from __future__ import annotations

import datetime as dt

from flask import abort

from api.http import Blueprint, actor, problems, rt
from api.schemas import CalendarDayInput, CalendarDaySchema, DeadlineArgs, DueSchema
from casework.clocks import queries as clocks
from casework.clocks import service as clock_service
from casework.clocks.calendar import parse_day

blp = Blueprint(
    "calendar", __name__, url_prefix="/api/v1/calendar", description="工作日历 Calendar"
)


@blp.route("/deadline", methods=["GET"])
@blp.arguments(DeadlineArgs, location="query")
@blp.response(200, DueSchema)
@problems(blp, 401, 422)
def deadline(args):
    """期限计算 The due date of a period of calendar or working days from a start date."""
    return clocks.due_date(rt().reader(), start=args["start"], days=args["days"], unit=args["unit"])


@blp.route("/days/<string:day>", methods=["PUT"])
@blp.arguments(CalendarDayInput)
@blp.response(200, CalendarDaySchema)
@problems(blp, 400, 401, 403, 404, 415, 422)
def set_day(body, day):
    """设置某日（管理员）Mark one date a working day or a holiday (wins over the published schedule)."""  # noqa: E501 - the summary line of the OpenAPI operation
    try:
        when = dt.date.fromisoformat(day) if len(day) == 10 else None
    except ValueError:
        when = None
    if when is None:
        abort(404, description="the date must be YYYY-MM-DD")
    clock_service.set_calendar_day(
        rt().uow(), actor=actor(), day=when, is_workday=body["is_workday"], name=body.get("name")
    )
    return clocks.calendar_day(rt().reader(), day=when)


@blp.route("/days/<string:day>", methods=["DELETE"])
@blp.response(204, description="The administrator's entry is removed")
@problems(blp, 401, 403, 404, 422)
def unset_day(day):
    """取消某日设置（管理员）Remove an administrator's entry for one date: the published schedule (or Monday–Friday) applies again."""  # noqa: E501 - the summary line of the OpenAPI operation
    clock_service.unset_calendar_day(rt().uow(), actor=actor(), day=parse_day(day, "day"))
    return ""
