"""Request and response schemas (marshmallow 4). Every field carries a description: the OpenAPI
document at ``/api/v1/openapi.json`` is generated from these, so it is the contract clients read.

Request schemas refuse unknown fields (marshmallow's default ``RAISE``) so a typo is a 422 naming
the field, not silently ignored data.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from workflows.base import LEVELS, TIERS

LEVEL_CHOICES = list(LEVELS)


def d(text: str, **extra: object) -> dict[str, object]:
    return {"description": text, **extra}


NOT_BLANK = validate.Regexp(r"\S", error="must not be blank")


class Bool(fields.Boolean):
    """A JSON boolean only (marshmallow would also take 0, 1, "yes"...)."""

    def _deserialize(self, value, attr, data, **kwargs):  # type: ignore[no-untyped-def]
        if not isinstance(value, bool):
            raise self.make_error("invalid")
        return value


class Int(fields.Integer):
    """A JSON integer only (not "5", not 5.0, not true)."""

    def __init__(self, **kw):  # type: ignore[no-untyped-def]
        super().__init__(strict=True, **kw)

    def _deserialize(self, value, attr, data, **kwargs):  # type: ignore[no-untyped-def]
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.make_error("invalid")
        return super()._deserialize(value, attr, data, **kwargs)


class Text(fields.String):
    """A string that is stripped; with ``min=1`` it must contain a non-space character (the
    spec says so with ``pattern: \\S``)."""

    def _deserialize(self, value, attr, data, **kwargs):  # type: ignore[no-untyped-def]
        out = super()._deserialize(value, attr, data, **kwargs)
        return out.strip()


# -- problems --------------------------------------------------------------------------------


class ProblemSchema(Schema):
    type = fields.String(
        required=True,
        metadata=d(
            "问题类型 URI (a URI reference naming the problem type, "
            "e.g. /problems/version_conflict)"
        ),
    )
    title = fields.String(required=True, metadata=d("问题类型的简短说明（中文）"))
    status = fields.Integer(required=True, metadata=d("HTTP status code"))
    detail = fields.String(
        required=True, metadata=d("本次问题的具体说明（中文）；never contains personal data")
    )
    detail_en = fields.String(metadata=d("The same explanation in English"))
    code = fields.String(metadata=d("Stable machine-readable error code (snake_case)"))
    instance = fields.String(metadata=d("The request path this problem occurred on"))
    request_id = fields.String(
        metadata=d("The request id (also in the X-Request-Id header and the logs)")
    )
    errors = fields.Dict(
        keys=fields.String(),
        values=fields.List(fields.String()),
        metadata=d("Validation errors per field (dotted path → messages)"),
    )
    allowed_triggers = fields.List(
        fields.String(), metadata=d("409: the triggers valid from the case's current state")
    )
    state = fields.String(metadata=d("409: the case's current state"))
    current_version = fields.Integer(metadata=d("412: the case's current version (its ETag)"))
    guard = fields.String(metadata=d("422: the name of the rule that refused"))
    reason = fields.String(metadata=d("422: why the rule refused (中文)"))
    retry_after = fields.Integer(metadata=d("429: seconds to wait before retrying"))


# -- common pieces ---------------------------------------------------------------------------


class PaginationArgs(Schema):
    page = fields.Integer(
        load_default=1,
        validate=validate.Range(min=1, max=1_000_000),
        metadata=d("Page number, from 1"),
    )
    per_page = fields.Integer(
        load_default=20,
        validate=validate.Range(min=1, max=100),
        metadata=d("Items per page (at most 100)"),
    )


class PageSchema(Schema):
    page = fields.Integer(required=True, metadata=d("This page's number"))
    per_page = fields.Integer(required=True, metadata=d("Items per page"))
    total = fields.Integer(required=True, metadata=d("Number of items over all pages"))


def page_of(item: type[Schema], name: str) -> type[Schema]:
    return type(
        name,
        (PageSchema,),
        {
            "items": fields.List(
                fields.Nested(item), required=True, metadata=d("The items of this page")
            )
        },
    )


class UnitRefSchema(Schema):
    id = fields.Integer(required=True, metadata=d("Org unit id"))
    code = fields.String(required=True, metadata=d("Org unit code (e.g. TH-SP)"))
    name = fields.String(required=True, metadata=d("工会名称"))
    level = fields.String(required=True, metadata=d("Level: " + ", ".join(LEVELS)))
    level_label_zh = fields.String(metadata=d("层级（中文）"))


class OrgUnitSchema(UnitRefSchema):
    parent_id = fields.Integer(allow_none=True, metadata=d("Parent unit id (null for the root)"))
    depth = fields.Integer(metadata=d("Depth in the tree (root = 0)"))
    created_at = fields.String(metadata=d("Creation time, ISO 8601 UTC"))


class OrgUnitCreateSchema(Schema):
    code = Text(
        required=True,
        validate=[validate.Length(min=1, max=64), validate.Regexp(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")],
        metadata=d("Unique code: letters, digits, '-', '_', '.'"),
    )
    name = Text(
        required=True, validate=[validate.Length(min=1, max=200), NOT_BLANK], metadata=d("工会名称")
    )
    level = fields.String(
        required=True,
        validate=validate.OneOf(LEVEL_CHOICES),
        metadata=d("Level, below the parent's"),
    )
    parent_id = Int(
        required=True,
        validate=validate.Range(min=1, max=2**31 - 1),
        metadata=d("Parent unit id (in the admin's subtree)"),
    )


class OrgUnitPatchSchema(Schema):
    name = Text(validate=[validate.Length(min=1, max=200), NOT_BLANK], metadata=d("New name"))
    level = fields.String(
        validate=validate.OneOf(LEVEL_CHOICES),
        metadata=d("New level (below the parent, above the children)"),
    )


class UserRefSchema(Schema):
    id = fields.Integer(required=True, metadata=d("User id"))
    username = fields.String(required=True, metadata=d("Login name"))
    display_name = fields.String(required=True, metadata=d("显示名称"))


class UserSchema(UserRefSchema):
    roles = fields.List(
        fields.String(),
        required=True,
        metadata=d("Roles: operator, caseworker, supervisor, admin, auditor"),
    )
    org_unit = fields.Nested(UnitRefSchema, required=True, metadata=d("The user's own unit"))
    is_active = fields.Boolean(metadata=d("Whether the user may log in"))


ROLE_CHOICES = ["operator", "caseworker", "supervisor", "admin", "auditor"]


class UserCreateSchema(Schema):
    username = fields.String(
        required=True,
        validate=[validate.Length(min=1, max=80), validate.Regexp(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")],
        metadata=d("Login name: letters, digits, '.', '_', '-'"),
    )
    display_name = Text(
        required=True, validate=[validate.Length(min=1, max=120), NOT_BLANK], metadata=d("显示名称")
    )
    org_unit_id = Int(
        required=True,
        validate=validate.Range(min=1, max=2**31 - 1),
        metadata=d("The user's unit (in the admin's subtree)"),
    )
    roles = fields.List(
        fields.String(validate=validate.OneOf(ROLE_CHOICES)),
        required=True,
        validate=validate.Length(min=1, max=5),
        metadata=d("Roles: " + ", ".join(ROLE_CHOICES)),
    )
    password = fields.String(
        required=True,
        load_only=True,
        validate=validate.Length(min=8, max=256),
        metadata=d("Initial password (8+ characters)"),
    )


class UserPatchSchema(Schema):
    display_name = Text(
        validate=[validate.Length(min=1, max=120), NOT_BLANK], metadata=d("显示名称")
    )
    roles = fields.List(
        fields.String(validate=validate.OneOf(ROLE_CHOICES)),
        validate=validate.Length(min=1, max=5),
        metadata=d("The full new set of roles"),
    )
    is_active = Bool(
        metadata=d("false: the user can no longer log in and their tokens are revoked")
    )
    password = fields.String(
        load_only=True,
        validate=validate.Length(min=8, max=256),
        metadata=d("A new password (revokes their tokens)"),
    )


class UserListArgs(PaginationArgs):
    org_unit_id = fields.Integer(
        validate=validate.Range(min=1, max=2**31 - 1), metadata=d("Only users of this unit")
    )


# -- auth ------------------------------------------------------------------------------------


class LoginSchema(Schema):
    username = fields.String(
        required=True, validate=validate.Length(min=1, max=80), metadata=d("Login name")
    )
    password = fields.String(
        required=True,
        validate=validate.Length(min=1, max=256),
        load_only=True,
        metadata=d("Password"),
    )


class TokenSchema(Schema):
    token = fields.String(
        required=True,
        metadata=d("Bearer token; send as 'Authorization: Bearer <token>'. Shown once."),
    )
    expires_at = fields.String(required=True, metadata=d("Expiry time, ISO 8601 UTC"))
    user = fields.Nested(UserSchema, required=True, metadata=d("The logged-in user"))


# -- workflows -------------------------------------------------------------------------------


class WfStateSchema(Schema):
    name = fields.String(metadata=d("State code"))
    label_zh = fields.String(metadata=d("状态名称"))
    label_en = fields.String(metadata=d("State label in English"))
    terminal = fields.Boolean(metadata=d("Whether the case is closed in this state"))


class WfGuardSchema(Schema):
    name = fields.String(metadata=d("Guard name"))
    reason_zh = fields.String(metadata=d("拒绝时的说明"))
    reason_en = fields.String(metadata=d("Reason when it refuses, in English"))


class WfTransitionSchema(Schema):
    trigger = fields.String(metadata=d("Trigger name to POST to /cases/{id}/transitions"))
    source = fields.List(fields.String(), metadata=d("States it may be fired from"))
    dest = fields.String(metadata=d("State it leads to"))
    label_zh = fields.String(metadata=d("操作名称"))
    label_en = fields.String(metadata=d("Label in English"))
    roles = fields.List(fields.String(), metadata=d("Roles that may fire it"))
    min_level = fields.String(
        allow_none=True, metadata=d("Lowest level of the owning unit that may fire it")
    )
    guards = fields.List(fields.Nested(WfGuardSchema), metadata=d("Rules checked before it fires"))
    records = fields.List(fields.String(), metadata=d("Data keys it records on the case"))
    requires = fields.List(fields.String(), metadata=d("Data keys that must be given"))


class WfDeadlineSchema(Schema):
    name = fields.String(metadata=d("Rule name"))
    state = fields.String(metadata=d("State whose entry starts the clock"))
    runs_in = fields.List(fields.String(), metadata=d("States the clock keeps running in"))
    pauses_in = fields.List(fields.String(), metadata=d("States the clock is paused in"))
    days = fields.Integer(metadata=d("Length in days"))
    tier_days = fields.Dict(
        keys=fields.String(), values=fields.Integer(), metadata=d("Days per complexity tier")
    )
    unit = fields.String(metadata=d("calendar or working days"))
    kind = fields.String(metadata=d("statutory (set by law) or handling (a unit's time to act)"))
    on_expiry = fields.String(metadata=d("What happens on expiry: a trigger, escalate or notify"))
    citation = fields.String(metadata=d("法律依据"))
    label_zh = fields.String(metadata=d("期限名称"))
    label_en = fields.String(metadata=d("Label in English"))
    configurable = fields.Boolean(metadata=d("Whether a setting may change the days"))
    extendable_days = fields.Integer(allow_none=True, metadata=d("Days a lawful extension may add"))
    extension_unit = fields.String(metadata=d("Unit of the extension"))


class WorkflowSchema(Schema):
    name = fields.String(metadata=d("Workflow name"))
    prefix = fields.String(metadata=d("Reference prefix (MED, WAG, AID, SUP, HOT)"))
    label_zh = fields.String(metadata=d("流程名称"))
    label_en = fields.String(metadata=d("Label in English"))
    initial = fields.String(metadata=d("Initial state"))
    competence = fields.String(metadata=d("Default level competent to handle it"))
    citation = fields.String(metadata=d("法律依据"))
    spawns = fields.List(fields.String(), metadata=d("Workflows a case may spawn as child cases"))
    states = fields.List(fields.Nested(WfStateSchema), metadata=d("States"))
    transitions = fields.List(fields.Nested(WfTransitionSchema), metadata=d("Transitions"))
    deadlines = fields.List(fields.Nested(WfDeadlineSchema), metadata=d("Deadline rules"))


WorkflowPage = page_of(WorkflowSchema, "WorkflowPage")


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


class CaseCreateSchema(Schema):
    workflow = fields.String(
        required=True,
        validate=validate.OneOf(
            ["mediation", "wage_arrears", "legal_aid", "supervision", "hotline"]
        ),
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
        validate=validate.OneOf(["hotline", "walk_in", "online", "referral"]),
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


class EmployerSchema(Schema):
    id = fields.Integer(metadata=d("Employer id"))
    name = fields.String(metadata=d("用人单位名称"))
    credit_code = fields.String(allow_none=True, metadata=d("统一社会信用代码"))
    has_union = fields.Boolean(metadata=d("Whether it has its own union"))
    org_unit_id = fields.Integer(metadata=d("The union it belongs under"))


class WorkerSchema(Schema):
    id = fields.Integer(required=True, metadata=d("Person id (for pii-reveal)"))
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
    status = fields.String(metadata=d("running or paused"))
    on_expiry = fields.String(metadata=d("What happens on expiry"))
    extended_days = fields.Integer(metadata=d("Days added by lawful extensions"))


class TriggerSchema(Schema):
    trigger = fields.String(required=True, metadata=d("Trigger name"))
    label_zh = fields.String(required=True, metadata=d("操作名称"))
    label_en = fields.String(metadata=d("Label in English"))
    dest = fields.String(metadata=d("State it leads to"))
    requires = fields.List(fields.String(), metadata=d("Data keys that must be given"))
    records = fields.List(fields.String(), metadata=d("Data keys it records"))
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
    deadlines = fields.List(
        fields.Nested(DeadlineSchema), required=True, metadata=d("Running and paused clocks")
    )
    allowed_triggers = fields.List(
        fields.Nested(TriggerSchema), required=True, metadata=d("What the caller may do now")
    )


CasePage = page_of(CaseSummarySchema, "CasePage")


class CaseListArgs(PaginationArgs):
    workflow = fields.String(validate=validate.Length(max=32), metadata=d("Only this workflow"))
    state = fields.String(validate=validate.Length(max=48), metadata=d("Only this state"))
    org_unit_id = fields.Integer(
        validate=validate.Range(min=1, max=2**31 - 1), metadata=d("Only cases held by this unit")
    )
    overdue = fields.Boolean(metadata=d("true: only open cases past their nearest deadline"))
    assignee = fields.String(
        validate=validate.Regexp(r"^(me|[1-9][0-9]{0,9})$"), metadata=d("'me' or a user id")
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
        metadata=d("Data the trigger requires or records"),
    )


class EscalationRequestSchema(Schema):
    reason = fields.String(
        required=True,
        validate=validate.OneOf(
            ["no_union", "cannot_perform", "conflict_of_interest", "requires_higher_level", "other"]
        ),
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
        validate=validate.Range(min=1, max=2**31 - 1),
        metadata=d("A caseworker or supervisor of the owning unit"),
    )


class CommentSchema(Schema):
    text = Text(
        required=True,
        validate=[validate.Length(min=1, max=10000), NOT_BLANK],
        metadata=d("备注内容"),
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
    hash = fields.String(required=True, metadata=d("SHA-256 over this event and prev_hash"))


EventPage = page_of(EventSchema, "EventPage")


class EscalationCaseSchema(Schema):
    id = fields.Integer(metadata=d("Case id"))
    ref = fields.String(metadata=d("Case reference"))
    workflow = fields.String(metadata=d("Workflow"))
    state = fields.String(metadata=d("State"))
    state_label_zh = fields.String(metadata=d("当前状态"))
    org_unit = fields.Nested(UnitRefSchema, metadata=d("Unit holding the case now"))


class EscalationSchema(Schema):
    id = fields.Integer(required=True, metadata=d("Escalation id"))
    case = fields.Nested(EscalationCaseSchema, required=True, metadata=d("The case"))
    from_unit = fields.Nested(UnitRefSchema, metadata=d("Unit it rose from"))
    to_unit = fields.Nested(
        UnitRefSchema, metadata=d("Unit it rose to (the same unit at the ceiling)")
    )
    reason = fields.String(metadata=d("Reason code"))
    reason_zh = fields.String(metadata=d("上提原因"))
    comment = fields.String(metadata=d("说明"))
    at_ceiling = fields.Boolean(
        metadata=d("True when the case was already at the highest level and stayed")
    )
    actor = fields.String(metadata=d("Who escalated (system for an expired deadline)"))
    created_at = fields.String(metadata=d("When, ISO 8601 UTC"))
    open = fields.Boolean(metadata=d("Whether the case is still open"))
    notification_id = fields.Integer(
        allow_none=True, metadata=d("The caller's unread notice about it, to ack")
    )


EscalationPage = page_of(EscalationSchema, "EscalationPage")


class NotificationSchema(Schema):
    id = fields.Integer(required=True, metadata=d("Notification id"))
    kind = fields.String(metadata=d("escalation, reminder, mass_incident, ..."))
    title = fields.String(metadata=d("标题"))
    body = fields.String(metadata=d("内容"))
    case_id = fields.Integer(allow_none=True, metadata=d("Case concerned"))
    data = fields.Dict(metadata=d("Details"))
    created_at = fields.String(metadata=d("When, ISO 8601 UTC"))
    read_at = fields.String(allow_none=True, metadata=d("When acknowledged, ISO 8601 UTC"))


NotificationPage = page_of(NotificationSchema, "NotificationPage")


class NotificationArgs(PaginationArgs):
    unread = fields.Boolean(metadata=d("true: only unread; false: only read"))


class RevealSchema(Schema):
    field = fields.String(
        required=True,
        validate=validate.OneOf(["id_number", "phone"]),
        metadata=d("id_number or phone"),
    )
    person_id = Int(
        required=True,
        validate=validate.Range(min=1, max=2**31 - 1),
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
        required=True,
        metadata=d("The employer; org_unit_code routes a new one"),
    )
    category = fields.String(
        required=True,
        validate=validate.OneOf(
            [
                "consultation",
                "wage_arrears",
                "dispute",
                "legal_aid",
                "violation_report",
                "suggestion",
            ]
        ),
        metadata=d(
            "咨询 consultation / 欠薪 wage_arrears "
            "/ 劳动争议 dispute / 法律援助 legal_aid "
            "/ 违法举报 violation_report / 意见建议 suggestion"
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
    org_unit = fields.Nested(UnitRefSchema, metadata=d("Unit holding the case"))


class RoutedToSchema(UnitRefSchema):
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


# -- documents -------------------------------------------------------------------------------


class DocumentCreateSchema(Schema):
    kind = fields.String(
        required=True,
        validate=validate.Length(min=1, max=32),
        metadata=d(
            "tip_letter 提示函, opinion_letter 意见书, suggestion_letter 建议书, "
            "mediation_agreement 调解协议书, ..."
        ),
    )
    addressee = Text(
        required=True, validate=[validate.Length(min=1, max=200), NOT_BLANK], metadata=d("收件单位")
    )
    reply_due = fields.Date(
        allow_none=True,
        metadata=d("Reply deadline, YYYY-MM-DD (default: from the workflow's rule)"),
    )
    data = fields.Dict(
        keys=fields.String(validate=validate.Length(max=64)),
        load_default=dict,
        metadata=d(
            "Data for the workflow step the document advances "
            "(e.g. agreement_claims for a mediation agreement)"
        ),
    )


class DocumentSchema(Schema):
    id = fields.Integer(required=True, metadata=d("Document id"))
    case_id = fields.Integer(metadata=d("Case"))
    kind = fields.String(required=True, metadata=d("Document kind"))
    kind_label_zh = fields.String(metadata=d("文书种类"))
    number = fields.String(required=True, metadata=d("文号, unique per issuing unit and year"))
    issuer = fields.Nested(UnitRefSchema, allow_none=True, metadata=d("Issuing unit"))
    addressee = fields.String(metadata=d("收件单位"))
    citation = fields.String(required=True, metadata=d("法律依据"))
    issued_at = fields.String(metadata=d("Issued, ISO 8601 UTC"))
    reply_due = fields.String(allow_none=True, metadata=d("Reply deadline"))
    outcome = fields.String(allow_none=True, metadata=d("Outcome"))


DocumentPage = page_of(DocumentSchema, "DocumentPage")


# -- calendar and reports --------------------------------------------------------------------


class DeadlineArgs(Schema):
    start = fields.Date(required=True, metadata=d("Start date, YYYY-MM-DD"))
    days = fields.Integer(
        required=True, validate=validate.Range(min=0, max=3650), metadata=d("Length in days")
    )
    unit = fields.String(
        load_default="working",
        validate=validate.OneOf(["working", "calendar"]),
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
        validate=validate.Range(min=1, max=2**31 - 1),
        metadata=d("Root of the report (default: your unit)"),
    )
    from_ = fields.Date(data_key="from", metadata=d("From date (Asia/Shanghai), inclusive"))
    to = fields.Date(metadata=d("To date (Asia/Shanghai), inclusive"))
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
    org_unit = fields.Nested(UnitRefSchema, metadata=d("The unit"))
    totals = fields.Nested(CountsSchema, metadata=d("All workflows"))
    workflows = fields.List(fields.Nested(WorkflowCountsSchema), metadata=d("Per workflow"))


class ReportSchema(Schema):
    org_unit = fields.Nested(UnitRefSchema, metadata=d("Root of the report"))
    from_ = fields.String(data_key="from", allow_none=True, metadata=d("From date"))
    to = fields.String(allow_none=True, metadata=d("To date"))
    generated_at = fields.String(metadata=d("When, ISO 8601 UTC"))
    units = fields.List(
        fields.Nested(UnitReportSchema),
        metadata=d("One entry per unit of the subtree, in tree order"),
    )
