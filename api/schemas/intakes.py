"""Hotline intakes (12351 calls)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from api.schemas.base import (
    NOT_BLANK,
    Bool,
    Int,
    Text,
    UnitKeySchema,
    d,
)
from api.schemas.cases import AMOUNT_SPEC, Amount, EmployerInputSchema
from casework.core.vocab import (
    CATEGORIES,
    TIERS,
)

# -- intakes ---------------------------------------------------------------------------------


class CallerSchema(Schema):
    name = Text(
        required=True,
        validate=[validate.Length(min=1, max=120), NOT_BLANK],
        metadata=d("来电人姓名"),
    )
    phone = fields.String(
        required=True,
        validate=validate.Length(min=1, max=40),
        metadata=d("来电号码 (mobile); stored encrypted"),
    )
    id_number = fields.String(
        allow_none=True,
        validate=validate.Length(min=1, max=40),
        metadata=d("身份证号; stored encrypted"),
    )


class IntakeSchema(Schema):
    caller = fields.Nested(CallerSchema, required=True, metadata=d("The caller (the worker)"))
    employer = fields.Nested(
        EmployerInputSchema,
        allow_none=True,
        load_default=None,
        metadata=d(
            "The employer; org_unit_code routes a new one. Required unless the category is "
            "consultation, suggestion, service_help or complaint"
        ),
    )
    category = fields.String(
        required=True,
        validate=validate.OneOf(list(CATEGORIES)),
        metadata=d(
            "咨询 consultation / 欠薪 wage_arrears "
            "/ 劳动争议 dispute / 法律援助 legal_aid "
            "/ 违法举报 violation_report / 意见建议 suggestion / 服务帮扶 service_help "
            "/ 信访投诉 complaint (about a union body: goes to the level above it)"
        ),
    )
    answer = Text(
        allow_none=True,
        validate=validate.Length(max=10000),
        metadata=d(
            "话务员的答复: required for consultation and suggestion, which are answered on the "
            "call (the operator's own words, not the caller's question)"
        ),
    )
    complained_unit_code = fields.String(
        allow_none=True,
        validate=validate.Length(min=1, max=64),
        metadata=d("被投诉的工会组织 (org unit code): required for a complaint"),
    )
    mass_incident = Bool(
        load_default=False,
        metadata=d(
            "群体性事件: the supervisors of the two levels above the handling unit are told at "
            "once, and the unit owes a same-day report to the Party committee and government "
            "at its level (a clock due at the end of today)"
        ),
    )
    complexity = fields.String(
        load_default="normal",
        validate=validate.OneOf(list(TIERS)),
        metadata=d("一般 normal / 难点 difficult / 特别复杂 complex"),
    )
    worker_count = Int(
        load_default=1, validate=validate.Range(min=1, max=100000), metadata=d("Workers concerned")
    )
    amount_claimed = Amount(
        allow_none=True, metadata=d("Amount in yuan: a number or a decimal string", **AMOUNT_SPEC)
    )
    description = Text(
        required=True,
        validate=[validate.Length(min=1, max=10000), NOT_BLANK],
        metadata=d("来电内容"),
    )


class WorkOrderSchema(Schema):
    id = fields.Integer(required=True, metadata=d("Work order id (a hotline case)"))
    ref = fields.String(required=True, metadata=d("Work order reference, HOT-YYYY-NNNNNN"))
    state = fields.String(metadata=d("Work order state"))
    state_label_zh = fields.String(metadata=d("工单状态"))
    category = fields.String(metadata=d("Call category"))
    complexity = fields.String(metadata=d("Complexity"))
    manual_dispatch = fields.Boolean(
        metadata=d("True when it waits at the receiving unit for manual dispatch")
    )


class IntakeCaseSchema(Schema):
    id = fields.Integer(required=True, metadata=d("Case id"))
    ref = fields.String(required=True, metadata=d("Case reference"))
    workflow = fields.String(metadata=d("Workflow"))
    state = fields.String(metadata=d("State"))
    state_label_zh = fields.String(metadata=d("当前状态"))
    org_unit = fields.Nested(UnitKeySchema, metadata=d("Unit holding the case"))


class RoutedToSchema(UnitKeySchema):
    manual_dispatch = fields.Boolean(
        metadata=d("True: not routed; waits at the receiving unit for manual dispatch")
    )


class IntakeResultSchema(Schema):
    work_order = fields.Nested(
        WorkOrderSchema, required=True, metadata=d("The work order created for this call")
    )
    case = fields.Nested(
        IntakeCaseSchema,
        allow_none=True,
        required=True,
        metadata=d(
            "The case opened or merged into (null when answered directly or awaiting dispatch)"
        ),
    )
    merged_into = fields.Integer(
        allow_none=True,
        required=True,
        metadata=d("Id of the open case this repeat call was attached to, else null"),
    )
    routed_to = fields.Nested(RoutedToSchema, required=True, metadata=d("The unit that handles it"))
    repeat_call = fields.Boolean(
        metadata=d(
            "True: the same caller about the same matter while its work order is open; the call "
            "was added to that order (work_order is the existing one) and nothing new was opened"
        )
    )


# -- caller lookup ----------------------------------------------------------------------------


class CallerLookupSchema(Schema):
    phone = fields.String(
        allow_none=True,
        validate=validate.Length(min=1, max=40),
        metadata=d("来电号码 (looked up by its keyed blind index; never echoed)"),
    )
    id_number = fields.String(
        allow_none=True,
        validate=validate.Length(min=1, max=40),
        metadata=d("身份证号 (looked up by its keyed blind index; never echoed)"),
    )


class CallerMatterSchema(Schema):
    id = fields.Integer(required=True, metadata=d("Case or work order id"))
    ref = fields.String(required=True, metadata=d("Reference"))
    workflow = fields.String(metadata=d("Workflow (hotline: a work order)"))
    workflow_label_zh = fields.String(metadata=d("流程"))
    state = fields.String(metadata=d("State"))
    state_label_zh = fields.String(metadata=d("当前状态"))
    open = fields.Boolean(metadata=d("Still in hand (not closed)"))
    category = fields.String(allow_none=True, metadata=d("Call category of a work order"))
    employer_name = fields.String(allow_none=True, metadata=d("用人单位"))
    org_unit = fields.Nested(UnitKeySchema, metadata=d("Unit holding it"))
    created_at = fields.String(metadata=d("When it was filed (UTC, ISO 8601)"))


class CallerMattersSchema(Schema):
    items = fields.List(
        fields.Nested(CallerMatterSchema), metadata=d("Newest first, at most 50, within your scope")
    )
    total = fields.Integer(metadata=d("Items listed"))
    open_count = fields.Integer(metadata=d("Of which still open"))
    summary_zh = fields.String(metadata=d("一句话提示，如“该来电人有 2 件在办”"))


# -- call-backs --------------------------------------------------------------------------------


class CallbackSchema(Schema):
    outcome = fields.String(
        required=True,
        validate=validate.Length(min=1, max=32),
        metadata=d(
            "回访结果: satisfied 满意 / basically_satisfied 基本满意 / dissatisfied 不满意 "
            "(发回重办) / unreachable 无法联系 (tried once more, then closed) / declined 拒绝回访; "
            "the code or the 中文 label"
        ),
    )
    note = Text(
        allow_none=True, validate=validate.Length(max=10000), metadata=d("回访记录 (optional)")
    )


class CallbackItemSchema(Schema):
    id = fields.Integer(required=True, metadata=d("Work order id"))
    ref = fields.String(required=True, metadata=d("Work order reference"))
    version = fields.Integer(metadata=d("Its version, for If-Match"))
    state = fields.String(metadata=d("result_reported or answered"))
    state_label_zh = fields.String(metadata=d("工单状态"))
    category = fields.String(allow_none=True, metadata=d("Call category"))
    result = fields.String(allow_none=True, metadata=d("办理结果或答复内容"))
    attempts = fields.Integer(metadata=d("Call-backs already tried without reaching the caller"))
    org_unit = fields.Nested(UnitKeySchema, metadata=d("The handling unit"))
    due = fields.String(metadata=d("Call-back due date (YYYY-MM-DD)"))
    overdue = fields.Boolean(metadata=d("Past its due date"))


class CallbackQueueSchema(Schema):
    items = fields.List(
        fields.Nested(CallbackItemSchema), metadata=d("Soonest due first, at most 100")
    )
    total = fields.Integer(metadata=d("Items listed"))
