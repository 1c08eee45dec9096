"""Cases: opening, reading, listing, transitions, assignment, comments, history, personal data."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from marshmallow import Schema, ValidationError, fields, validate

import workflows
from api.schemas.base import (
    NOT_BLANK,
    Bool,
    CursorArgs,
    Int,
    KeysetPageSchema,
    Text,
    UnitRefSchema,
    UserRefSchema,
    d,
    page_of,
)
from api.schemas.workflows import STEP_DATA_REFS, StepFieldSchema
from casework.core.vocab import (
    AGENCY_KINDS,
    CHANNELS,
    EXTENSION_BASES,
    FIELDS_REVEALABLE,
    INT32_MAX,
    MANUAL_ESCALATION_REASONS,
    MAX_ADDRESSEE,
    MAX_AGENCY_NAME,
    MAX_AGENCY_REF,
    MAX_DEADLINE_DAYS,
    MAX_PERSON_NAME,
    MAX_TEXT,
    TIERS,
)

# -- cases -----------------------------------------------------------------------------------


class EmployerInputSchema(Schema):
    name = Text(
        required=True,
        validate=[validate.Length(min=1, max=200), NOT_BLANK],
        metadata=d("用人单位名称"),
    )
    credit_code = fields.String(
        allow_none=True,
        validate=validate.Length(min=1, max=40),
        metadata=d("统一社会信用代码 (18 characters, GB 32100 checksum)"),
    )
    org_unit_code = fields.String(
        allow_none=True,
        validate=validate.Length(min=1, max=64),
        metadata=d("Code of the union the employer belongs under (for an employer not yet known)"),
    )


class WorkerInputSchema(Schema):
    name = Text(
        required=True, validate=[validate.Length(min=1, max=120), NOT_BLANK], metadata=d("职工姓名")
    )
    id_number = fields.String(
        allow_none=True,
        validate=validate.Length(min=1, max=40),
        metadata=d("居民身份证号 (18 characters, GB 11643 checksum); stored encrypted"),
    )
    phone = fields.String(
        allow_none=True,
        validate=validate.Length(min=1, max=40),
        metadata=d("手机号; stored encrypted"),
    )


class Amount(fields.Field):
    """Yuan as a JSON number (8600.5) or a decimal string ("8600.50"), read exactly as Decimal.
    Range and decimals are the service's rule (casework.cases: 0 to 10^12, at most two)."""

    default_error_messages = {"invalid": "Not a valid amount: a number or a decimal string."}

    def _deserialize(self, value, attr, data, **kwargs):  # type: ignore[no-untyped-def]
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise self.make_error("invalid")
        if isinstance(value, str) and not re.fullmatch(AMOUNT_PATTERN, value):
            raise self.make_error("invalid")
        try:
            out = Decimal(str(value))
        except InvalidOperation:
            raise self.make_error("invalid") from None
        if not out.is_finite():
            raise self.make_error("invalid")
        return out


AMOUNT_PATTERN = r"^[0-9]{1,12}(\.[0-9]{1,2})?$"
AMOUNT_SPEC = {
    "anyOf": [
        {"type": "number", "minimum": 0, "maximum": 999_999_999_999},
        {"type": "string", "pattern": AMOUNT_PATTERN},
    ]
}


class ReferredByInputSchema(Schema):
    agency_kind = fields.String(
        required=True,
        validate=validate.Length(min=1, max=40),
        metadata=d(
            "Referring agency: "
            + ", ".join(f"{k} {v}" for k, v in AGENCY_KINDS.items())
            + " (the code or the 中文 label)"
        ),
    )
    agency_name = Text(
        required=True,
        validate=[validate.Length(min=1, max=MAX_AGENCY_NAME), NOT_BLANK],
        metadata=d("移送机关名称（如 天河区人民检察院）"),
    )
    reference = Text(
        allow_none=True,
        validate=validate.Length(max=MAX_AGENCY_REF),
        metadata=d("来文编号 (optional)"),
    )
    received_on = fields.Date(
        allow_none=True, metadata=d("收到移送之日, YYYY-MM-DD, not in the future (default today)")
    )


class CaseCreateSchema(Schema):
    workflow = fields.String(
        required=True,
        validate=validate.OneOf(workflows.names()),
        metadata=d("Workflow name (see /workflows)"),
    )
    employer = fields.Nested(
        EmployerInputSchema,
        required=True,
        metadata=d("The employer; found by credit code or name, else registered"),
    )
    workers = fields.List(
        fields.Nested(WorkerInputSchema),
        load_default=list,
        validate=validate.Length(max=200),
        metadata=d("Workers concerned (at most 200 listed)"),
    )
    worker_count = Int(
        load_default=None,
        allow_none=True,
        validate=validate.Range(min=1, max=100000),
        metadata=d("Number of workers concerned (≥ the workers listed)"),
    )
    amount_claimed = Amount(
        allow_none=True,
        metadata=d("Amount claimed in yuan: a number or a decimal string", **AMOUNT_SPEC),
    )
    summary = Text(load_default="", validate=validate.Length(max=10000), metadata=d("案情摘要"))
    channel = fields.String(
        load_default="walk_in",
        validate=validate.OneOf(list(CHANNELS)),
        metadata=d("How the case arrived"),
    )
    complexity = fields.String(
        load_default="normal",
        validate=validate.OneOf(list(TIERS)),
        metadata=d("一般 normal / 难点 difficult / 特别复杂 complex"),
    )
    mass_incident = Bool(
        load_default=False, metadata=d("群体性事件: notify the two levels above at once")
    )
    attributes = fields.Dict(
        keys=fields.String(validate=validate.Length(max=64)),
        load_default=dict,
        metadata=d("Facts the workflow's rules read (e.g. months_unpaid)"),
    )
    referred_by = fields.Nested(
        ReferredByInputSchema,
        metadata=d(
            "The agency that referred the matter to the union (a procuratorate 会商, a 人社 "
            "transfer): required when channel is referral, refused otherwise"
        ),
    )


class EmployerSchema(Schema):
    id = fields.Integer(metadata=d("Employer id"))
    name = fields.String(metadata=d("用人单位名称"))
    credit_code = fields.String(allow_none=True, metadata=d("统一社会信用代码"))
    has_union = fields.Boolean(metadata=d("Whether it has its own union"))
    org_unit_id = fields.Integer(metadata=d("The union it belongs under"))


class WorkerSchema(Schema):
    id = fields.Integer(
        required=True, metadata=d("This case's record of the worker (person_id for pii-reveal)")
    )
    name = fields.String(required=True, metadata=d("职工姓名"))
    id_number = fields.String(allow_none=True, metadata=d("身份证号, masked (440106********1234)"))
    phone = fields.String(allow_none=True, metadata=d("手机号, masked (138****5678)"))


class DeadlineSchema(Schema):
    rule = fields.String(required=True, metadata=d("Deadline rule name"))
    label_zh = fields.String(metadata=d("期限名称"))
    kind = fields.String(metadata=d("statutory or handling"))
    due = fields.String(required=True, metadata=d("Due date (Asia/Shanghai), YYYY-MM-DD"))
    expires_at = fields.String(
        metadata=d("The instant the clock expires (end of the due day), ISO 8601 UTC")
    )
    unit = fields.String(required=True, metadata=d("calendar or working days"))
    days = fields.Integer(metadata=d("Length in days"))
    started_on = fields.String(metadata=d("Start date"))
    citation = fields.String(required=True, metadata=d("法律依据"))
    calendar_verified = fields.Boolean(
        required=True,
        metadata=d("False when the official holiday schedule of a year in range is unknown"),
    )
    paused = fields.Boolean(required=True, metadata=d("Whether the clock is paused"))
    status = fields.String(metadata=d("running or paused (met, expired, stopped once over)"))
    on_expiry = fields.String(metadata=d("What happens on expiry"))
    paused_days = fields.Integer(metadata=d("Days the clock stood still while paused"))
    extended_days = fields.Integer(metadata=d("Days added by lawful extensions"))
    period_end = fields.String(
        metadata=d(
            "The period's last day as counted (start + days + pauses + extensions), before a "
            "rest day moved it to due; pauses and extensions count from it"
        )
    )
    paused_since = fields.String(allow_none=True, metadata=d("Paused since (date), or null"))
    pause_reason = fields.String(
        allow_none=True, metadata=d("Why it is paused (a user's reason, or state:<state>)")
    )
    extension_basis = fields.String(
        allow_none=True,
        metadata=d("The latest extension's basis: parties_consent or officer_approval"),
    )
    extension_basis_label_zh = fields.String(
        allow_none=True, metadata=d("延长依据：双方当事人同意 / 负责人批准")
    )
    extension_approver = fields.String(
        allow_none=True, metadata=d("The officer who approved the latest extension")
    )
    extension_note = fields.String(
        allow_none=True, metadata=d("The latest extension's note (who consented, how)")
    )
    pausable = fields.Boolean(metadata=d("Whether the law lets a user pause this clock"))
    pause_citation = fields.String(metadata=d("中止计算的法律依据, or why the law allows none"))
    extension_bases = fields.List(
        fields.String(), metadata=d("Bases it may be extended on (empty: never)")
    )
    extension_cap = fields.Integer(
        allow_none=True, metadata=d("Most days extensions may add in all; null: no cap")
    )
    extension_citation = fields.String(metadata=d("延长的法律依据, or why the law allows none"))


class TriggerSchema(Schema):
    trigger = fields.String(required=True, metadata=d("Trigger name"))
    label_zh = fields.String(required=True, metadata=d("操作名称"))
    label_en = fields.String(metadata=d("Label in English"))
    dest = fields.String(metadata=d("State it leads to"))
    requires = fields.List(fields.String(), metadata=d("Data keys that must be given"))
    records = fields.List(fields.String(), metadata=d("Data keys it records"))
    step_fields = fields.List(
        fields.Nested(StepFieldSchema),
        data_key="fields",
        attribute="fields",
        metadata=d("The typed data it takes (build a form from it)"),
    )
    available = fields.Boolean(
        metadata=d(
            "False when a rule blocks it on the facts known now "
            "(it may pass with the data it records)"
        )
    )
    blocked_reason_zh = fields.String(allow_none=True, metadata=d("为何暂不可用"))
    blocked_reason_en = fields.String(allow_none=True, metadata=d("Why it is blocked, in English"))


class CaseSummarySchema(Schema):
    id = fields.Integer(required=True, metadata=d("Case id"))
    ref = fields.String(required=True, metadata=d("Reference, e.g. WAG-2026-000001"))
    workflow = fields.String(required=True, metadata=d("Workflow name"))
    workflow_label_zh = fields.String(metadata=d("流程名称"))
    state = fields.String(required=True, metadata=d("Current state"))
    state_label_zh = fields.String(required=True, metadata=d("当前状态"))
    org_unit = fields.Nested(
        UnitRefSchema, required=True, metadata=d("The unit holding the case now")
    )
    origin_org_unit = fields.Nested(
        UnitRefSchema,
        required=True,
        metadata=d("The unit the case started at (closest to the worker)"),
    )
    escalation_level = fields.Integer(required=True, metadata=d("Levels risen so far (上代下)"))
    assignee = fields.Nested(UserRefSchema, allow_none=True, metadata=d("Assigned caseworker"))
    employer_name = fields.String(allow_none=True, metadata=d("用人单位名称"))
    worker_count = fields.Integer(metadata=d("Workers concerned"))
    next_due_at = fields.String(
        allow_none=True, metadata=d("Nearest running deadline, ISO 8601 UTC")
    )
    overdue = fields.Boolean(metadata=d("Open and past its nearest deadline"))
    version = fields.Integer(required=True, metadata=d("Version; the ETag; send it as If-Match"))
    created_at = fields.String(required=True, metadata=d("Created, ISO 8601 UTC"))
    updated_at = fields.String(required=True, metadata=d("Last changed, ISO 8601 UTC"))
    closed_at = fields.String(allow_none=True, metadata=d("Closed, ISO 8601 UTC"))


class ReferredBySchema(Schema):
    referral_id = fields.Integer(required=True, metadata=d("The inbound ledger entry"))
    agency_kind = fields.String(required=True, metadata=d("Kind of the referring agency"))
    agency_kind_label_zh = fields.String(metadata=d("机关类别"))
    agency_name = fields.String(required=True, metadata=d("移送机关"))
    reference = fields.String(allow_none=True, metadata=d("来文编号 (the sender's reference)"))
    received_on = fields.String(allow_none=True, metadata=d("收到移送日期"))


class CaseSchema(CaseSummarySchema):
    state_label_en = fields.String(metadata=d("State in English"))
    terminal = fields.Boolean(metadata=d("Whether the case is closed"))
    employer = fields.Nested(EmployerSchema, allow_none=True, metadata=d("The employer"))
    workers = fields.List(
        fields.Nested(WorkerSchema), required=True, metadata=d("Workers, personal data masked")
    )
    amount_claimed = fields.String(
        allow_none=True, metadata=d("Amount claimed in yuan, decimal string")
    )
    channel = fields.String(metadata=d("How the case arrived"))
    complexity = fields.String(metadata=d("normal, difficult or complex"))
    collective = fields.Boolean(metadata=d("集体争议 (workers ≥ the collective threshold)"))
    mass_incident = fields.Boolean(metadata=d("群体性事件"))
    summary = fields.String(metadata=d("案情摘要"))
    attributes = fields.Dict(metadata=d("Facts recorded on the case"))
    parent_id = fields.Integer(
        allow_none=True, metadata=d("Parent case (e.g. the hotline work order)")
    )
    referred_by = fields.Nested(
        ReferredBySchema,
        allow_none=True,
        metadata=d("Who referred the case to the union (channel referral), else null"),
    )
    deadlines = fields.List(
        fields.Nested(DeadlineSchema), required=True, metadata=d("Running and paused clocks")
    )
    allowed_triggers = fields.List(
        fields.Nested(TriggerSchema), required=True, metadata=d("What the caller may do now")
    )


CasePage = page_of(CaseSummarySchema, "CasePage", KeysetPageSchema)

_USER_ID = re.compile(r"[1-9][0-9]{0,9}")


def _user_id_in_range(value: str) -> None:
    """A user id the id column can hold (the pattern alone lets 9999999999 through)."""
    if _USER_ID.fullmatch(value) and int(value) > INT32_MAX:
        raise ValidationError(f"a user id is at most {INT32_MAX}")


class CaseListArgs(CursorArgs):
    workflow = fields.String(validate=validate.Length(max=32), metadata=d("Only this workflow"))
    state = fields.String(validate=validate.Length(max=48), metadata=d("Only this state"))
    org_unit_id = fields.Integer(
        validate=validate.Range(min=1, max=INT32_MAX), metadata=d("Only cases held by this unit")
    )
    overdue = fields.Boolean(
        metadata=d("true: only open cases past their nearest deadline, most overdue first")
    )
    assignee = fields.String(
        validate=[validate.Regexp(r"^(me|[1-9][0-9]{0,9})$"), _user_id_in_range],
        metadata=d(f"'me' or a user id (1 to {INT32_MAX})"),
    )
    q = fields.String(
        validate=validate.Length(min=1, max=100), metadata=d("Reference or employer name contains")
    )


class TransitionSchema(Schema):
    trigger = fields.String(
        required=True,
        validate=validate.Length(min=1, max=48),
        metadata=d("Trigger name (see allowed_triggers)"),
    )
    comment = fields.String(
        allow_none=True, validate=validate.Length(max=10000), metadata=d("备注")
    )
    data = fields.Dict(
        keys=fields.String(validate=validate.Length(max=64)),
        load_default=dict,
        metadata={
            "description": "The trigger's typed data: one of the StepData_<workflow>_<trigger> "
            "schemas (unknown keys are refused; enumerations take the code or the 中文 label)",
            "anyOf": STEP_DATA_REFS,
        },
    )


class EscalationRequestSchema(Schema):
    reason = fields.String(
        required=True,
        validate=validate.OneOf(list(MANUAL_ESCALATION_REASONS)),
        metadata=d(
            "no_union 未建会, cannot_perform 无力办理, conflict_of_interest 利益冲突, "
            "requires_higher_level 需上级行使职权, other"
        ),
    )
    comment = Text(
        required=True,
        validate=[validate.Length(min=1, max=10000), NOT_BLANK],
        metadata=d("上提说明"),
    )


class AssignmentSchema(Schema):
    user_id = Int(
        required=True,
        validate=validate.Range(min=1, max=INT32_MAX),
        metadata=d("A caseworker or supervisor of the owning unit"),
    )


class ClockExtensionSchema(Schema):
    days = Int(
        required=True,
        validate=validate.Range(min=1, max=MAX_DEADLINE_DAYS),
        metadata=d("Days to add, in the rule's extension unit (within its cap, if it has one)"),
    )
    basis = fields.String(
        required=True,
        validate=validate.OneOf([*EXTENSION_BASES, *EXTENSION_BASES.values()]),
        metadata=d(
            "延长依据: parties_consent 双方当事人同意 or officer_approval 负责人批准 (the code or "
            "the Chinese label); only the bases the rule's law allows"
        ),
    )
    approver = Text(
        allow_none=True,
        validate=[validate.Length(min=1, max=MAX_PERSON_NAME), NOT_BLANK],
        metadata=d("批准人: the officer who approved (name and post); officer_approval only"),
    )
    note = Text(
        allow_none=True,
        validate=validate.Length(max=255),
        metadata=d("备注: for parties_consent who consented and how (required); else optional"),
    )


class ClockActSchema(Schema):
    reason = Text(
        required=True,
        validate=[validate.Length(min=1, max=255), NOT_BLANK],
        metadata=d("理由 (recorded in the case history)"),
    )


class MassIncidentReportSchema(Schema):
    reported_to = Text(
        required=True,
        validate=[validate.Length(min=1, max=MAX_ADDRESSEE), NOT_BLANK],
        metadata=d("报告对象: the Party committee and government reported to (e.g. 中共天河区委)"),
    )
    note = Text(
        allow_none=True,
        validate=validate.Length(max=MAX_TEXT),
        metadata=d("报告情况 (how and by whom; no ID numbers or phone numbers)"),
    )


class LinkCreateSchema(Schema):
    workflow = fields.String(
        required=True,
        validate=validate.OneOf(workflows.names()),
        metadata=d("The process to open, one the parent's workflow spawns (see /workflows)"),
    )
    summary = Text(
        load_default="",
        validate=validate.Length(max=10000),
        metadata=d("案情摘要 (default: the parent's)"),
    )
    org_unit_id = Int(
        allow_none=True,
        load_default=None,
        validate=validate.Range(min=1, max=INT32_MAX),
        metadata=d("The unit to hold it (default: the parent's unit); within your subtree"),
    )


class CommentSchema(Schema):
    text = Text(
        required=True,
        validate=[validate.Length(min=1, max=10000), NOT_BLANK],
        metadata=d("备注内容"),
    )


class ExtensionRequestSchema(Schema):
    days = Int(required=True, validate=validate.Range(min=1, max=365), metadata=d("申请延长的天数"))
    reason = Text(
        required=True,
        validate=[validate.Length(min=1, max=2000), NOT_BLANK],
        metadata=d("延期理由"),
    )


class ExtensionDecisionSchema(Schema):
    approve = fields.Boolean(required=True, metadata=d("true 批准 / false 驳回"))
    note = Text(allow_none=True, validate=validate.Length(max=2000), metadata=d("审批意见"))


class MergeSchema(Schema):
    case_id = Int(
        required=True,
        validate=validate.Range(min=1, max=2147483647),
        metadata=d("The case merged into this one (same process, same employer, open)"),
    )
    representatives = fields.List(
        Text(validate=[validate.Length(min=1, max=120), NOT_BLANK]),
        load_default=list,
        validate=validate.Length(max=20),
        metadata=d("推举的代表 (劳动争议调解仲裁法 第七条), for a collective case"),
    )


class RelatedItemSchema(Schema):
    id = fields.Integer(required=True, metadata=d("Case or work order id"))
    ref = fields.String(required=True, metadata=d("Reference"))
    workflow = fields.String(metadata=d("Workflow (hotline: a work order)"))
    state = fields.String(metadata=d("State"))
    state_label_zh = fields.String(metadata=d("当前状态"))
    org_unit = fields.Nested(UnitRefSchema, metadata=d("Unit holding it"))
    worker_count = fields.Integer(metadata=d("Workers concerned"))
    created_at = fields.String(metadata=d("Filed (UTC, ISO 8601)"))
    mergeable = fields.Boolean(metadata=d("Can be merged into this case (POST …/merges)"))


class RelatedSchema(Schema):
    items = fields.List(fields.Nested(RelatedItemSchema), metadata=d("Newest first, at most 50"))
    total = fields.Integer(metadata=d("Items listed"))


class ReminderSchema(Schema):
    note = Text(
        allow_none=True, validate=validate.Length(max=2000), metadata=d("催办说明 (optional)")
    )


class EventSchema(Schema):
    seq = fields.Integer(required=True, metadata=d("Position in the case history, from 1"))
    at = fields.String(required=True, metadata=d("When, ISO 8601 UTC"))
    actor = fields.String(required=True, metadata=d("Who (username, or system)"))
    kind = fields.String(
        required=True,
        metadata=d("created, transition, escalated, assigned, comment, pii_revealed, ..."),
    )
    from_state = fields.String(allow_none=True, metadata=d("State before"))
    to_state = fields.String(allow_none=True, metadata=d("State after"))
    trigger = fields.String(allow_none=True, metadata=d("Trigger fired"))
    data = fields.Dict(metadata=d("Details"))
    prev_hash = fields.String(required=True, metadata=d("Hash of the previous event"))
    hash = fields.String(required=True, metadata=d("HMAC-SHA256 over prev_hash and this event"))


EventPage = page_of(EventSchema, "EventPage")


class RevealSchema(Schema):
    field = fields.String(
        required=True,
        validate=validate.OneOf(list(FIELDS_REVEALABLE)),
        metadata=d("id_number or phone"),
    )
    person_id = Int(
        required=True,
        validate=validate.Range(min=1, max=INT32_MAX),
        metadata=d("A worker of the case (workers[].id)"),
    )
    reason = Text(
        required=True,
        validate=[validate.Length(min=2, max=500), NOT_BLANK],
        metadata=d("查看原因 (recorded in the case history)"),
    )


class RevealedSchema(Schema):
    person_id = Int(required=True, metadata=d("The worker"))
    field = fields.String(required=True, metadata=d("id_number or phone"))
    value = fields.String(required=True, metadata=d("The clear value (do not store or log it)"))
