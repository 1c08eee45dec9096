"""The employer dossier, early warnings (劳动关系预警), their report, the clean-record answer."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from api.schemas.base import (
    Bool,
    PaginationArgs,
    Text,
    UnitKeySchema,
    UnitRefSchema,
    d,
    page_of,
)
from api.schemas.people import EmployerMoveSchema
from api.schemas.reports import CALENDAR_DATES
from casework.core.vocab import (
    DISPOSITIONS,
    INT32_MAX,
    MAX_DISPOSITION_NOTE,
    MAX_PERSON_NAME,
    WARNING_LEVELS,
    WARNING_LIST_STATUSES,
)

LEVELS_TEXT = "blue 蓝 / yellow 黄 / orange 橙 / red 红"


class WarningEmployerSchema(Schema):
    id = fields.Integer(required=True, metadata=d("Employer id"))
    name = fields.String(required=True, metadata=d("用人单位名称"))


class WarningSchema(Schema):
    id = fields.Integer(required=True, metadata=d("Warning id"))
    employer = fields.Nested(WarningEmployerSchema, required=True, metadata=d("The employer"))
    rule = fields.String(required=True, metadata=d("Rule code (see docs/domain.md)"))
    rule_label_zh = fields.String(metadata=d("预警规则"))
    level = fields.String(required=True, metadata=d(f"Level now: {LEVELS_TEXT}"))
    level_label_zh = fields.String(metadata=d("预警等级"))
    raised_level = fields.String(metadata=d("Level when raised"))
    org_unit = fields.Nested(
        UnitKeySchema, metadata=d("The unit whose supervisors must dispose of it now")
    )
    evidence = fields.Dict(metadata=d("What the rule found (counts, the case, the festival date)"))
    raised_by = fields.String(metadata=d("event (incremental) or reconcile (nightly)"))
    raised_at = fields.String(metadata=d("When raised, ISO 8601 UTC"))
    due_on = fields.String(metadata=d("处置期限: the last working day to dispose of it"))
    due_at = fields.String(metadata=d("When the clock runs out, ISO 8601 UTC"))
    escalations = fields.Integer(metadata=d("How often it escalated for want of a disposition"))
    status = fields.String(metadata=d("open or disposed"))
    overdue = fields.Boolean(metadata=d("Open and past its clock"))
    disposition = fields.String(allow_none=True, metadata=d("How it was disposed of"))
    disposition_label_zh = fields.String(allow_none=True, metadata=d("处置方式"))
    disposition_note = fields.String(allow_none=True, metadata=d("处置说明或排除理由"))
    disposed_by = fields.String(allow_none=True, metadata=d("Who disposed of it"))
    disposed_at = fields.String(allow_none=True, metadata=d("When, ISO 8601 UTC"))
    disposed_on_time = fields.Boolean(
        allow_none=True, metadata=d("Disposed of within its first clock")
    )
    case_id = fields.Integer(
        allow_none=True, metadata=d("The case it rests on, or the one its disposition opened")
    )
    version = fields.Integer(metadata=d("Version (send as If-Match to dispose)"))


WarningPage = page_of(WarningSchema, "WarningPage")


class WarningArgs(PaginationArgs):
    level = fields.String(validate=validate.OneOf(WARNING_LEVELS), metadata=d(LEVELS_TEXT))
    status = fields.String(
        validate=validate.OneOf(WARNING_LIST_STATUSES),
        metadata=d("open, disposed, or overdue (open and past its clock)"),
    )
    org_unit_id = fields.Integer(
        validate=validate.Range(min=1, max=INT32_MAX), metadata=d("Only warnings held by this unit")
    )


class DispositionSchema(Schema):
    action = fields.String(
        required=True,
        validate=validate.OneOf(list(DISPOSITIONS)),
        metadata=d("处置方式: " + "; ".join(f"{k} {v}" for k, v in DISPOSITIONS.items())),
    )
    note = Text(
        allow_none=True,
        validate=validate.Length(max=MAX_DISPOSITION_NOTE),
        metadata=d("说明: required to dismiss (the reason) and for the joint-meeting agenda"),
    )
    investigators = fields.List(
        Text(validate=validate.Length(min=1, max=MAX_PERSON_NAME)),
        validate=validate.Length(max=20),
        metadata=d("tip_letter: two or more investigators when the case is not yet investigated"),
    )
    addressee = Text(
        allow_none=True,
        validate=validate.Length(min=1, max=200),
        metadata=d("tip_letter: 送达对象 (default: the employer's name)"),
    )
    case_ids = fields.List(
        fields.Integer(validate=validate.Range(min=1, max=INT32_MAX)),
        validate=validate.Length(max=100),
        metadata=d("merge_calls: the cases to merge (default: the open cases the calls opened)"),
    )


# -- the dossier -------------------------------------------------------------------------------


class DossierCaseSchema(Schema):
    id = fields.Integer(required=True, metadata=d("Case id"))
    ref = fields.String(required=True, metadata=d("Case reference"))
    workflow = fields.String(metadata=d("Workflow"))
    workflow_label_zh = fields.String(metadata=d("流程"))
    state = fields.String(metadata=d("State"))
    state_label_zh = fields.String(metadata=d("当前状态"))
    org_unit = fields.Nested(UnitKeySchema, metadata=d("Unit holding it"))
    worker_count = fields.Integer(metadata=d("涉及人数"))
    amount_claimed = fields.String(allow_none=True, metadata=d("涉及金额（元）"))
    mass_incident = fields.Boolean(metadata=d("群体性事件"))
    opened_at = fields.String(metadata=d("Opened, ISO 8601 UTC"))
    closed_at = fields.String(allow_none=True, metadata=d("Closed, ISO 8601 UTC"))


class DossierDocumentSchema(Schema):
    id = fields.Integer(required=True, metadata=d("Document id"))
    kind = fields.String(metadata=d("Document kind"))
    kind_label_zh = fields.String(metadata=d("文书"))
    number = fields.String(metadata=d("发文字号"))
    case_id = fields.Integer(metadata=d("Case id"))
    case_ref = fields.String(metadata=d("Case reference"))
    issued_at = fields.String(metadata=d("Issued, ISO 8601 UTC"))
    reply_due = fields.String(allow_none=True, metadata=d("答复期限"))
    outcome = fields.String(allow_none=True, metadata=d("Outcome"))


class DossierEscalationSchema(Schema):
    case_id = fields.Integer(metadata=d("Case id"))
    case_ref = fields.String(metadata=d("Case reference"))
    from_unit = fields.Nested(UnitKeySchema, metadata=d("From"))
    to_unit = fields.Nested(UnitKeySchema, metadata=d("To"))
    reason = fields.String(metadata=d("Reason code"))
    at_ceiling = fields.Boolean(metadata=d("Stayed at the ceiling"))
    at = fields.String(metadata=d("When, ISO 8601 UTC"))


class DossierReferralSchema(Schema):
    id = fields.Integer(required=True, metadata=d("Referral id"))
    case_id = fields.Integer(metadata=d("Case id"))
    case_ref = fields.String(metadata=d("Case reference"))
    direction = fields.String(metadata=d("outbound 移出 / inbound 移入"))
    agency_kind = fields.String(metadata=d("Agency kind"))
    agency_kind_label_zh = fields.String(metadata=d("机关类别"))
    agency_name = fields.String(metadata=d("机关名称"))
    sent_on = fields.String(allow_none=True, metadata=d("移送日期"))
    due_on = fields.String(allow_none=True, metadata=d("The agency's current due date"))
    answered_on = fields.String(allow_none=True, metadata=d("答复日期"))
    outcome = fields.String(allow_none=True, metadata=d("Outcome code"))
    outcome_label_zh = fields.String(allow_none=True, metadata=d("处理结果"))
    status = fields.String(metadata=d("awaiting, answered or overdue"))
    status_label_zh = fields.String(metadata=d("待反馈 / 已反馈 / 逾期未反馈"))


class ProjectPartyRefSchema(Schema):
    id = fields.Integer(allow_none=True, metadata=d("Employer id"))
    name = fields.String(allow_none=True, metadata=d("用人单位名称"))


class ProjectPartySchema(Schema):
    employer = fields.Nested(ProjectPartyRefSchema, metadata=d("The party"))
    role = fields.String(metadata=d("builder, general_contractor or subcontractor"))
    role_label_zh = fields.String(metadata=d("建设单位 / 总承包单位 / 分包单位"))
    contractor = fields.Nested(
        ProjectPartyRefSchema, allow_none=True, metadata=d("分包: the party it works for")
    )


class DossierProjectSchema(Schema):
    id = fields.Integer(required=True, metadata=d("Project id"))
    name = fields.String(metadata=d("工程项目名称"))
    location = fields.String(metadata=d("项目地点"))
    roles = fields.List(fields.String(), metadata=d("This employer's roles in it"))
    roles_zh = fields.String(metadata=d("本单位身份"))
    parties = fields.List(fields.Nested(ProjectPartySchema), metadata=d("Every party"))


class DossierCountsSchema(Schema):
    calls = fields.Integer(metadata=d("来电工单 (all, in scope or not)"))
    cases = fields.Integer(metadata=d("案件"))
    open_cases = fields.Integer(metadata=d("在办案件"))
    documents = fields.Integer(metadata=d("文书"))
    referrals = fields.Integer(metadata=d("移送"))
    escalations = fields.Integer(metadata=d("上提"))
    warnings = fields.Integer(metadata=d("预警"))
    open_warnings = fields.Integer(metadata=d("未处置预警"))


class DossierOutsideSchema(Schema):
    calls = fields.Integer(metadata=d("Calls handled outside your scope"))
    cases = fields.Integer(metadata=d("Cases outside your scope"))
    documents = fields.Integer(metadata=d("Documents outside your scope"))
    referrals = fields.Integer(metadata=d("Referrals outside your scope"))
    escalations = fields.Integer(metadata=d("Escalations outside your scope"))
    warnings = fields.Integer(metadata=d("Warnings held outside your scope"))
    note_zh = fields.String(allow_none=True, metadata=d("例如：另有 3 件在其他单位办理"))


class EmployerDossierSchema(Schema):
    id = fields.Integer(required=True, metadata=d("Employer id"))
    name = fields.String(required=True, metadata=d("用人单位名称"))
    credit_code = fields.String(allow_none=True, metadata=d("统一社会信用代码"))
    has_union = fields.Boolean(metadata=d("Whether it has its own union (建会)"))
    org_unit = fields.Nested(
        UnitKeySchema,
        required=True,
        metadata=d("所属工会: the union body it is placed under; calls about it route from here"),
    )
    moves = fields.List(
        fields.Nested(EmployerMoveSchema), metadata=d("Its moves between units, oldest first")
    )
    org_unit_ref = fields.Nested(UnitRefSchema, metadata=d("所属工会 with its level in Chinese"))
    in_scope = fields.Boolean(
        metadata=d("Whether it is placed in your part of the tree (else seen through a case)")
    )
    industry = fields.String(allow_none=True, metadata=d("门类 of GB/T 4754-2017"))
    industry_label_zh = fields.String(allow_none=True, metadata=d("行业"))
    staff_count = fields.Integer(allow_none=True, metadata=d("职工人数"))
    union_members = fields.Integer(allow_none=True, metadata=d("工会会员人数"))
    union_status_zh = fields.String(metadata=d("已建会 / 未建会"))
    projects = fields.List(
        fields.Nested(DossierProjectSchema), metadata=d("工程项目: 建设单位 / 总承包 / 分包")
    )
    calls = fields.List(fields.Nested(DossierCaseSchema), metadata=d("12351 work orders"))
    cases = fields.List(fields.Nested(DossierCaseSchema), metadata=d("Cases of every process"))
    documents = fields.List(fields.Nested(DossierDocumentSchema), metadata=d("Documents issued"))
    referrals = fields.List(
        fields.Nested(DossierReferralSchema), metadata=d("Referrals to and from agencies")
    )
    escalations = fields.List(
        fields.Nested(DossierEscalationSchema), metadata=d("Escalations of its cases")
    )
    warnings = fields.List(fields.Nested(WarningSchema), metadata=d("Early warnings"))
    counts = fields.Nested(DossierCountsSchema, metadata=d("Totals, in your scope or not"))
    outside_scope = fields.Nested(
        DossierOutsideSchema, metadata=d("What lies outside your scope: counted, not shown")
    )


class EmployerReportResultSchema(Schema):
    employer_id = fields.Integer(required=True, metadata=d("Employer id"))
    event_seq = fields.Integer(required=True, metadata=d("The event's number in its history"))
    warnings = fields.List(fields.Nested(WarningSchema), metadata=d("Warnings it raised"))


class WarningRuleSchema(Schema):
    code = fields.String(required=True, metadata=d("Rule code"))
    label_zh = fields.String(metadata=d("预警规则"))
    source_zh = fields.String(metadata=d("依据"))
    enabled = fields.Boolean(metadata=d("启用"))
    level = fields.String(metadata=d(f"Level it raises: {LEVELS_TEXT}"))
    level_label_zh = fields.String(metadata=d("预警等级"))
    params = fields.Dict(metadata=d("Thresholds and window (days)"))
    param_kinds = fields.Dict(metadata=d("Each parameter: int (1–3650) or amount (yuan)"))
    default = fields.Dict(metadata=d("The settings file's setting (enabled, level, params)"))
    changed = fields.Boolean(metadata=d("An administrator's setting overrides the file"))
    updated_by = fields.String(allow_none=True, metadata=d("Who changed it last"))
    updated_at = fields.String(allow_none=True, metadata=d("When, ISO 8601 UTC"))


class WarningRuleList(Schema):
    items = fields.List(fields.Nested(WarningRuleSchema), metadata=d("Every rule"))


class WarningRulePatchSchema(Schema):
    enabled = Bool(metadata=d("启用或停用"))
    level = fields.String(validate=validate.OneOf(WARNING_LEVELS), metadata=d(LEVELS_TEXT))
    params = fields.Dict(
        keys=fields.String(validate=validate.Length(min=1, max=32)),
        metadata=d("Thresholds and window: only the rule's own parameters (see param_kinds)"),
    )

    @validates_schema
    def _something(self, data, **kwargs):  # type: ignore[no-untyped-def]
        if not data:
            raise ValidationError("name at least one of enabled, level, params", "_schema")


class EmployerSearchArgs(PaginationArgs):
    q = Text(
        required=True,
        validate=validate.Length(min=1, max=100),
        metadata=d("Name contains, or the unified social credit code"),
    )


class EmployerItemSchema(Schema):
    id = fields.Integer(required=True, metadata=d("Employer id"))
    name = fields.String(required=True, metadata=d("用人单位名称"))
    credit_code = fields.String(allow_none=True, metadata=d("统一社会信用代码"))
    has_union = fields.Boolean(metadata=d("建会"))
    org_unit = fields.Nested(UnitKeySchema, metadata=d("所属工会"))


class EmployerSearchPage(page_of(EmployerItemSchema, "EmployerItemPage")):  # type: ignore[misc]
    outside_scope = fields.Integer(
        required=True, metadata=d("Employers matching outside your scope (not shown)")
    )
    note_zh = fields.String(allow_none=True, metadata=d("例如：另有 3 件在其他单位办理"))


class RecordArgs(Schema):
    years = fields.Integer(
        load_default=3, validate=validate.Range(min=1, max=20), metadata=d("Years to look back")
    )


class RecordEmployerSchema(Schema):
    id = fields.Integer(required=True, metadata=d("Employer id"))
    name = fields.String(required=True, metadata=d("用人单位名称"))
    credit_code = fields.String(allow_none=True, metadata=d("统一社会信用代码"))


class RecordCountsSchema(Schema):
    cases = fields.Integer(metadata=d("案件 (all, in scope or not)"))
    open_cases = fields.Integer(metadata=d("在办案件"))
    letters = fields.Integer(metadata=d("监督文书（提示函、意见书、建议书）"))
    warnings = fields.Integer(metadata=d("预警"))
    open_warnings = fields.Integer(metadata=d("未处置预警"))


class RecordOutsideSchema(Schema):
    cases = fields.Integer(metadata=d("Cases outside your scope"))
    letters = fields.Integer(metadata=d("Letters outside your scope"))
    warnings = fields.Integer(metadata=d("Warnings outside your scope"))
    note_zh = fields.String(allow_none=True, metadata=d("例如：另有 3 件在其他单位办理"))


class EmployerRecordSchema(Schema):
    employer = fields.Nested(RecordEmployerSchema, required=True, metadata=d("The employer"))
    years = fields.Integer(metadata=d("Years looked back"))
    from_ = fields.String(
        data_key="from", attribute="from", metadata=d("From date (Asia/Shanghai)")
    )
    to = fields.String(metadata=d("To date (Asia/Shanghai)"))
    cases = fields.List(fields.Nested(DossierCaseSchema), metadata=d("Cases in the period"))
    letters = fields.List(fields.Nested(DossierDocumentSchema), metadata=d("Supervision letters"))
    warnings = fields.List(fields.Nested(WarningSchema), metadata=d("Warnings in the period"))
    counts = fields.Nested(RecordCountsSchema, metadata=d("Totals, in scope or not"))
    outside_scope = fields.Nested(RecordOutsideSchema, metadata=d("Counted, not shown"))
    any_open = fields.Boolean(metadata=d("A case or warning is still open"))
    any_upheld = fields.Boolean(
        metadata=d("A supervision letter was issued, or a warning disposed of by an act")
    )
    clean = fields.Boolean(metadata=d("记录良好: nothing open and nothing upheld"))


# -- the report --------------------------------------------------------------------------------


class WarningCountsSchema(Schema):
    raised = fields.Integer(metadata=d("新发预警"))
    disposed_on_time = fields.Integer(metadata=d("按时处置"))
    overdue = fields.Integer(metadata=d("逾期（曾升级或现已超期）"))
    open = fields.Integer(metadata=d("在办（未处置）"))


class WarningRuleCountsSchema(WarningCountsSchema):
    rule = fields.String(metadata=d("Rule code"))
    rule_label_zh = fields.String(metadata=d("预警规则"))


class WarningUnitReportSchema(Schema):
    org_unit = fields.Nested(UnitRefSchema, metadata=d("The unit"))
    totals = fields.Nested(WarningCountsSchema, metadata=d("合计"))
    by_rule = fields.List(fields.Nested(WarningRuleCountsSchema), metadata=d("By rule"))


class WarningReportSchema(Schema):
    org_unit = fields.Nested(UnitRefSchema, metadata=d("Root of the report"))
    from_ = fields.String(
        data_key="from", attribute="from", allow_none=True, metadata=d("From date")
    )
    to = fields.String(allow_none=True, metadata=d("To date"))
    units = fields.List(fields.Nested(WarningUnitReportSchema), metadata=d("One entry per unit"))


class WarningReportArgs(Schema):
    org_unit_id = fields.Integer(
        validate=validate.Range(min=1, max=INT32_MAX),
        metadata=d("Root of the report (default: your unit)"),
    )
    from_ = fields.Date(
        data_key="from", validate=CALENDAR_DATES, metadata=d("Raised from (Asia/Shanghai)")
    )
    to = fields.Date(validate=CALENDAR_DATES, metadata=d("Raised to (Asia/Shanghai), inclusive"))
    format = fields.String(
        load_default="json",
        validate=validate.OneOf(["json", "csv"]),
        metadata=d("json or csv (UTF-8 with BOM)"),
    )

    @validates_schema
    def _range(self, data, **kwargs):  # type: ignore[no-untyped-def]
        if data.get("from_") and data.get("to") and data["from_"] > data["to"]:
            raise ValidationError("must not be before 'from'", "to")
