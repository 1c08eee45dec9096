"""Deadline arithmetic, calendar days and the per-unit summary report."""

from __future__ import annotations

import datetime as dt

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from api.schemas.base import (
    Bool,
    Text,
    UnitKeySchema,
    d,
)
from casework.core.vocab import (
    CALENDAR_YEARS,
    DAY_UNITS,
    INT32_MAX,
)

# A date that reaches SQL lies in the years the engine computes with (a day before 0001-01-01 or
# after 9999-12-31 does not exist, and the range's bounds are shifted by a day and a time zone).
CALENDAR_DATES = validate.Range(
    min=dt.date(CALENDAR_YEARS[0], 1, 1),
    max=dt.date(CALENDAR_YEARS[1], 12, 31),
    error=f"must be a date from {CALENDAR_YEARS[0]} to {CALENDAR_YEARS[1]}",
)

# -- calendar and reports --------------------------------------------------------------------


class DeadlineArgs(Schema):
    start = fields.Date(required=True, metadata=d("Start date, YYYY-MM-DD"))
    days = fields.Integer(
        required=True, validate=validate.Range(min=0, max=3650), metadata=d("Length in days")
    )
    unit = fields.String(
        load_default="working",
        validate=validate.OneOf(list(reversed(DAY_UNITS))),
        metadata=d("working or calendar"),
    )


class DueSchema(Schema):
    due = fields.String(required=True, metadata=d("Due date, YYYY-MM-DD"))
    calendar_verified = fields.Boolean(
        required=True, metadata=d("False when a year in range has no official schedule yet")
    )


class CalendarDayInput(Schema):
    is_workday = Bool(
        required=True, metadata=d("true: a working day (调休上班); false: a holiday or rest day")
    )
    name = Text(allow_none=True, validate=validate.Length(max=120), metadata=d("名称（如 春节）"))


class CalendarDaySchema(Schema):
    day = fields.String(required=True, metadata=d("Date"))
    is_workday = Bool(required=True, metadata=d("Working day or not"))
    name = fields.String(metadata=d("名称"))
    source = fields.String(metadata=d("admin or package"))


class ReportArgs(Schema):
    org_unit_id = fields.Integer(
        validate=validate.Range(min=1, max=INT32_MAX),
        metadata=d("Root of the report (default: your unit)"),
    )
    from_ = fields.Date(
        data_key="from",
        validate=CALENDAR_DATES,
        metadata=d("From date (Asia/Shanghai), inclusive"),
    )
    to = fields.Date(validate=CALENDAR_DATES, metadata=d("To date (Asia/Shanghai), inclusive"))
    format = fields.String(
        load_default="json",
        validate=validate.OneOf(["json", "csv"]),
        metadata=d("json or csv (UTF-8 with BOM)"),
    )

    @validates_schema
    def _range(self, data, **kwargs):  # type: ignore[no-untyped-def]
        if data.get("from_") and data.get("to") and data["from_"] > data["to"]:
            raise ValidationError("must not be before 'from'", "to")


class CountsSchema(Schema):
    open = fields.Integer(metadata=d("在办"))
    opened = fields.Integer(metadata=d("新收 (opened in the range)"))
    closed = fields.Integer(metadata=d("已结"))
    overdue = fields.Integer(metadata=d("逾期"))
    escalated_in = fields.Integer(metadata=d("上提转入"))
    escalated_out = fields.Integer(metadata=d("上提转出"))
    median_days_to_close = fields.Float(allow_none=True, metadata=d("结案天数中位数"))


class WorkflowCountsSchema(CountsSchema):
    workflow = fields.String(metadata=d("Workflow"))
    label_zh = fields.String(metadata=d("流程名称"))


class UnitReportSchema(Schema):
    org_unit = fields.Nested(UnitKeySchema, metadata=d("The unit"))
    totals = fields.Nested(CountsSchema, metadata=d("All workflows"))
    workflows = fields.List(fields.Nested(WorkflowCountsSchema), metadata=d("Per workflow"))


class ReportSchema(Schema):
    org_unit = fields.Nested(UnitKeySchema, metadata=d("Root of the report"))
    from_ = fields.String(
        data_key="from", attribute="from", allow_none=True, metadata=d("From date")
    )
    to = fields.String(allow_none=True, metadata=d("To date"))
    generated_at = fields.String(metadata=d("When, ISO 8601 UTC"))
    units = fields.List(
        fields.Nested(UnitReportSchema),
        metadata=d("One entry per unit of the subtree, in tree order"),
    )


class HotlineCountsSchema(Schema):
    received = fields.Integer(metadata=d("受理 (work orders filed, at the receiving unit)"))
    answered = fields.Integer(metadata=d("直接答复 (answered on the call)"))
    dispatched = fields.Integer(metadata=d("派单 (dispatch steps, at the receiving unit)"))
    signed = fields.Integer(metadata=d("签收 (at the unit the order was sent to)"))
    signed_on_time = fields.Integer(metadata=d("按时签收 (before the acceptance clock fell due)"))
    returned = fields.Integer(metadata=d("退单 (returned by the unit it was sent to)"))
    closed = fields.Integer(metadata=d("办结 (at the handling unit)"))
    closed_on_time = fields.Integer(
        metadata=d("按时办结 (no handling clock expired or ended after it fell due)")
    )
    called_back = fields.Integer(metadata=d("回访 (call-backs rated 满意, 基本满意 or 不满意)"))
    satisfied = fields.Integer(metadata=d("满意及基本满意"))
    satisfaction_rate = fields.Float(
        allow_none=True,
        metadata=d("满意率: satisfied / called_back, 4 decimals; null when nobody was called back"),
    )
    reopened = fields.Integer(metadata=d("发回重办 (sent back after a dissatisfied call-back)"))
    supervised = fields.Integer(
        metadata=d("督办 (a clock of the order ran out at this unit: lifted, or flagged)")
    )


class TierCountsSchema(HotlineCountsSchema):
    tier = fields.String(metadata=d("normal, difficult or complex"))
    label_zh = fields.String(metadata=d("工单等级：一般 / 难点 / 特别复杂"))


class UnitHotlineReportSchema(Schema):
    org_unit = fields.Nested(UnitKeySchema, metadata=d("The unit"))
    totals = fields.Nested(HotlineCountsSchema, metadata=d("All tiers"))
    tiers = fields.List(fields.Nested(TierCountsSchema), metadata=d("Per tier"))


class HotlineReportSchema(Schema):
    org_unit = fields.Nested(UnitKeySchema, metadata=d("Root of the report"))
    from_ = fields.String(
        data_key="from", attribute="from", allow_none=True, metadata=d("From date")
    )
    to = fields.String(allow_none=True, metadata=d("To date"))
    generated_at = fields.String(metadata=d("When, ISO 8601 UTC"))
    units = fields.List(
        fields.Nested(UnitHotlineReportSchema),
        metadata=d("One entry per unit of the subtree, in tree order"),
    )
