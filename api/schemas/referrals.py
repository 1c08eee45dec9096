"""The referral and feedback ledger (移送与反馈台账) and the joint-meeting pack."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from api.schemas.base import (
    NOT_BLANK,
    Int,
    PaginationArgs,
    Text,
    UnitKeySchema,
    UnitRefSchema,
    d,
    page_of,
)
from api.schemas.reports import CALENDAR_DATES
from casework.core.vocab import (
    AGENCY_KINDS,
    CALENDAR_YEARS,
    INT32_MAX,
    MAX_AGENCY_NAME,
    MAX_AGENCY_REF,
    MAX_REFERRAL_BASIS,
    MAX_TEXT,
    REFERRAL_DIRECTIONS,
    REFERRAL_OUTCOMES,
    REFERRAL_PROCEDURES,
    REFERRAL_STATUSES,
)

AGENCIES_TEXT = ", ".join(f"{k} {v}" for k, v in AGENCY_KINDS.items())
OUTCOMES_TEXT = ", ".join(f"{k} {v}" for k, v in REFERRAL_OUTCOMES.items())
STEP_DATA = d(
    "Further data for the case's workflow step this act moves, where there is one and it is "
    "valid from the case's state (e.g. violation_date for refer_to_inspection)"
)


def _data() -> fields.Dict:
    return fields.Dict(
        keys=fields.String(validate=validate.Length(max=64)), load_default=dict, metadata=STEP_DATA
    )


def _day(text: str, *, required: bool = True) -> fields.Date:
    return fields.Date(
        required=required,
        allow_none=not required,
        validate=CALENDAR_DATES,
        metadata=d(f"{text}, YYYY-MM-DD (Asia/Shanghai); not in the future"),
    )


def _agency_ref() -> Text:
    return Text(
        allow_none=True,
        validate=validate.Length(max=MAX_AGENCY_REF),
        metadata=d("机关案号 (the agency's own case number)"),
    )


# -- writes --------------------------------------------------------------------------------------


class ReferralCreateSchema(Schema):
    agency_kind = fields.String(
        required=True,
        validate=validate.Length(min=1, max=40),
        metadata=d(f"接收机关类别: {AGENCIES_TEXT} (the code or the 中文 label; public_security is "
                   "refused: the union asks 人社 to transfer a suspected crime)"),
    )  # fmt: skip
    agency_name = Text(
        required=True,
        validate=[validate.Length(min=1, max=MAX_AGENCY_NAME), NOT_BLANK],
        metadata=d("接收机关名称（如 天河区劳动保障监察大队）"),
    )
    basis = Text(
        required=True,
        validate=[validate.Length(min=1, max=MAX_REFERRAL_BASIS), NOT_BLANK],
        metadata=d("移送依据（法律条文）"),
    )
    matter = Text(
        required=True,
        validate=[validate.Length(min=1, max=MAX_TEXT), NOT_BLANK],
        metadata=d("移送事项"),
    )
    document = Int(
        allow_none=True,
        validate=validate.Range(min=1, max=INT32_MAX),
        metadata=d("Id of a document issued on this case that carries the referral (移送函)"),
    )
    procedure = fields.String(
        allow_none=True,
        validate=validate.Length(max=40),
        metadata=d(
            "A court's special procedure with its own clocks: "
            + ", ".join(f"{k} {v}" for k, v in REFERRAL_PROCEDURES.items())
        ),
    )
    sent_on = _day("移送日期 (default today)", required=False)
    data = _data()


class ReferralReceiptSchema(Schema):
    received_on = _day("机关收到日期")
    agency_ref = _agency_ref()


class ReferralFilingSchema(Schema):
    filed_on = _day("立案（受理）日期: the agency's next clock counts from it")
    agency_ref = _agency_ref()
    data = _data()


class ReferralExtensionSchema(Schema):
    note = Text(
        required=True,
        validate=[validate.Length(min=1, max=255), NOT_BLANK],
        metadata=d("延期批准情况（如 经区人社局负责人批准）"),
    )
    days = Int(
        allow_none=True,
        validate=validate.Range(min=1, max=3650),
        metadata=d("Days added (default and most: what the agency's law allows)"),
    )


class ReferralAnswerSchema(Schema):
    answered_on = _day("答复日期")
    outcome = fields.String(
        required=True,
        validate=validate.Length(min=1, max=40),
        metadata=d(f"处理结果: {OUTCOMES_TEXT} (the code or the 中文 label)"),
    )
    answer = Text(
        required=True,
        validate=[validate.Length(min=1, max=MAX_TEXT), NOT_BLANK],
        metadata=d("答复内容"),
    )
    transferred_to = fields.String(
        allow_none=True,
        validate=validate.Length(max=40),
        metadata=d("With outcome transferred: the agency it went to (e.g. public_security)"),
    )
    data = _data()


# -- reads ---------------------------------------------------------------------------------------


class ReferralCaseSchema(Schema):
    id = fields.Integer(required=True, metadata=d("Case id"))
    ref = fields.String(required=True, metadata=d("Case reference"))
    workflow = fields.String(metadata=d("Workflow"))
    state = fields.String(metadata=d("State"))
    state_label_zh = fields.String(metadata=d("当前状态"))


class ReferralDocumentSchema(Schema):
    id = fields.Integer(required=True, metadata=d("Document id"))
    number = fields.String(allow_none=True, metadata=d("文号"))


class ReferralClockSchema(Schema):
    stage = fields.String(required=True, metadata=d("acceptance, investigation, award, ..."))
    label_zh = fields.String(allow_none=True, metadata=d("期限名称"))
    due_on = fields.String(allow_none=True, metadata=d("届满日 (the agency's due date)"))
    citation = fields.String(metadata=d("法律依据"))
    calendar_verified = fields.Boolean(metadata=d("False when a year in range is unverified"))
    extended_days = fields.Integer(metadata=d("Days the agency extended it"))
    extension_note = fields.String(allow_none=True, metadata=d("延期批准情况"))


class ReferralSchema(Schema):
    id = fields.Integer(required=True, metadata=d("Referral id"))
    case = fields.Nested(ReferralCaseSchema, required=True, metadata=d("The case"))
    direction = fields.String(metadata=d("outbound (the union sent it) or inbound"))
    org_unit = fields.Nested(UnitRefSchema, metadata=d("The referring (receiving) unit"))
    agency_kind = fields.String(required=True, metadata=d("Agency kind"))
    agency_kind_label_zh = fields.String(metadata=d("机关类别"))
    agency_name = fields.String(metadata=d("机关名称"))
    procedure = fields.String(allow_none=True, metadata=d("payment_order or null"))
    basis = fields.String(metadata=d("移送依据"))
    matter = fields.String(metadata=d("移送事项"))
    document = fields.Nested(ReferralDocumentSchema, allow_none=True, metadata=d("移送函"))
    agency_ref = fields.String(allow_none=True, metadata=d("机关案号"))
    sent_on = fields.String(metadata=d("移送日期"))
    received_on = fields.String(allow_none=True, metadata=d("机关收到日期"))
    filed_on = fields.String(allow_none=True, metadata=d("立案日期"))
    answered_on = fields.String(allow_none=True, metadata=d("答复日期"))
    outcome = fields.String(allow_none=True, metadata=d("Outcome code"))
    outcome_label_zh = fields.String(allow_none=True, metadata=d("处理结果"))
    transferred_to = fields.String(allow_none=True, metadata=d("移送至（机关类别）"))
    answer = fields.String(allow_none=True, metadata=d("答复内容"))
    status = fields.String(metadata=d("awaiting, answered or overdue (at the time of reading)"))
    status_label_zh = fields.String(metadata=d("待反馈 / 已反馈 / 逾期未反馈"))
    clock = fields.Nested(
        ReferralClockSchema, allow_none=True, metadata=d("The agency's running clock, if any")
    )
    missed = fields.Boolean(metadata=d("A clock of it ran out before the agency acted"))
    overdue_at = fields.String(allow_none=True, metadata=d("When the sweep first chased it"))
    created_at = fields.String(metadata=d("Recorded, ISO 8601 UTC"))


ReferralPage = page_of(ReferralSchema, "ReferralPage")


class ReferralListArgs(PaginationArgs):
    agency_kind = fields.String(
        validate=validate.OneOf(list(AGENCY_KINDS)), metadata=d("Only this agency kind")
    )
    status = fields.String(
        validate=validate.OneOf(list(REFERRAL_STATUSES)),
        metadata=d("awaiting 待反馈 / answered 已反馈 / overdue 逾期未反馈"),
    )
    org_unit_id = fields.Integer(
        validate=validate.Range(min=1, max=INT32_MAX),
        metadata=d("Only referrals made (or received) by this unit and the units below it"),
    )
    direction = fields.String(
        validate=validate.OneOf(list(REFERRAL_DIRECTIONS)), metadata=d("outbound or inbound")
    )
    format = fields.String(
        load_default="json",
        validate=validate.OneOf(["json", "csv"]),
        metadata=d("json, or csv: every matching row (at most 5000), UTF-8 with BOM"),
    )


class JointMeetingArgs(Schema):
    org_unit_id = fields.Integer(
        validate=validate.Range(min=1, max=INT32_MAX),
        metadata=d("Root of the pack (default: your unit)"),
    )
    year = fields.Integer(
        validate=validate.Range(min=CALENDAR_YEARS[0], max=CALENDAR_YEARS[1]),
        metadata=d("Year (default: this year, Asia/Shanghai)"),
    )
    format = fields.String(
        load_default="json",
        validate=validate.OneOf(["json", "csv", "docx"]),
        metadata=d("json, csv (UTF-8 with BOM) or docx (a Word document)"),
    )


class AgencyCountsSchema(Schema):
    sent = fields.Integer(metadata=d("移送 (sent in the year)"))
    answered_on_time = fields.Integer(metadata=d("按期答复"))
    answered_late = fields.Integer(metadata=d("逾期答复"))
    open = fields.Integer(metadata=d("未答复"))
    overdue = fields.Integer(metadata=d("逾期未答复"))


class AgencyRowSchema(AgencyCountsSchema):
    agency_kind = fields.String(metadata=d("Agency kind"))
    label_zh = fields.String(metadata=d("机关类别"))


class AgendaLineSchema(Schema):
    referral_id = fields.Integer(metadata=d("Referral"))
    case_id = fields.Integer(metadata=d("Case id"))
    case_ref = fields.String(metadata=d("Case reference"))
    org_unit = fields.Nested(UnitKeySchema, metadata=d("Referring unit"))
    agency_kind = fields.String(metadata=d("Agency kind"))
    agency_kind_label_zh = fields.String(metadata=d("机关类别"))
    agency_name = fields.String(metadata=d("机关名称"))
    agency_ref = fields.String(allow_none=True, metadata=d("机关案号"))
    matter = fields.String(metadata=d("移送事项"))
    sent_on = fields.String(metadata=d("移送日期"))
    stage_label_zh = fields.String(allow_none=True, metadata=d("当前期限"))
    due_on = fields.String(allow_none=True, metadata=d("届满日"))
    overdue_at = fields.String(allow_none=True, metadata=d("When first chased"))
    status = fields.String(metadata=d("awaiting, answered or overdue"))
    status_label_zh = fields.String(metadata=d("状态"))
    answered_on = fields.String(allow_none=True, metadata=d("答复日期"))
    outcome_label_zh = fields.String(allow_none=True, metadata=d("处理结果"))
    answer = fields.String(allow_none=True, metadata=d("答复内容"))
    on_time = fields.Boolean(allow_none=True, metadata=d("Answered with no clock run out"))


class InboundLineSchema(Schema):
    case_id = fields.Integer(metadata=d("Case id"))
    case_ref = fields.String(metadata=d("Case reference"))
    case_state_label_zh = fields.String(metadata=d("办理情况"))
    org_unit = fields.Nested(UnitKeySchema, metadata=d("Receiving unit"))
    agency_kind = fields.String(metadata=d("Agency kind"))
    agency_kind_label_zh = fields.String(metadata=d("机关类别"))
    agency_name = fields.String(metadata=d("移交机关"))
    reference = fields.String(allow_none=True, metadata=d("来文编号"))
    received_on = fields.String(allow_none=True, metadata=d("收到日期"))
    matter = fields.String(metadata=d("事项"))


class JointMeetingSchema(Schema):
    org_unit = fields.Nested(UnitKeySchema, metadata=d("Root of the pack"))
    year = fields.Integer(metadata=d("Year"))
    title = fields.String(metadata=d("标题"))
    generated_at = fields.String(metadata=d("When, ISO 8601 UTC"))
    agencies = fields.List(fields.Nested(AgencyRowSchema), metadata=d("Per agency kind"))
    totals = fields.Nested(AgencyCountsSchema, metadata=d("All agencies"))
    agenda = fields.List(
        fields.Nested(AgendaLineSchema), metadata=d("联席会议议程: referrals found overdue")
    )
    answers = fields.List(fields.Nested(AgendaLineSchema), metadata=d("有关部门的答复"))
    inbound = fields.List(
        fields.Nested(InboundLineSchema), metadata=d("Matters agencies referred to the union")
    )
