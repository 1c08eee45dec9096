"""Org units, users and logging in."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from api.schemas.base import (
    NOT_BLANK,
    Bool,
    Int,
    PaginationArgs,
    Text,
    UnitKeySchema,
    UnitRefSchema,
    UserRefSchema,
    d,
)
from casework.core.vocab import (
    CODE_PATTERN,
    EMPLOYER_REPORTS,
    INDUSTRIES,
    INT32_MAX,
    LEVELS,
    MAX_DISPLAY_NAME,
    MAX_MOVE_REASON,
    MAX_ORG_CODE,
    MAX_ORG_NAME,
    MAX_PASSWORD,
    MAX_PROJECT_NAME,
    MAX_REPORT_NOTE,
    MAX_STAFF,
    MAX_USERNAME,
    PROJECT_ROLES,
    ROLES,
)

DOC_ABBR_DOC = "发文机关代字 (GB/T 9704), e.g. 穗工: 1–16 Chinese characters"
DOC_MARKER_DOC = (
    "Whether document numbers carry the kind (天工提〔2026〕1号): one sequence per kind"
)


class OrgUnitSchema(UnitRefSchema):
    parent_id = fields.Integer(allow_none=True, metadata=d("Parent unit id (null for the root)"))
    depth = fields.Integer(metadata=d("Depth in the tree (root = 0)"))
    doc_abbr = fields.String(allow_none=True, metadata=d(DOC_ABBR_DOC + "; null: its name"))
    doc_kind_marker = fields.Boolean(metadata=d(DOC_MARKER_DOC))
    created_at = fields.String(metadata=d("Creation time, ISO 8601 UTC"))


class OrgUnitCreateSchema(Schema):
    code = Text(
        required=True,
        validate=[validate.Length(min=1, max=MAX_ORG_CODE), validate.Regexp(CODE_PATTERN)],
        metadata=d("Unique code: letters, digits, '-', '_', '.'"),
    )
    name = Text(
        required=True,
        validate=[validate.Length(min=1, max=MAX_ORG_NAME), NOT_BLANK],
        metadata=d("工会名称"),
    )
    level = fields.String(
        required=True,
        validate=validate.OneOf(list(LEVELS)),
        metadata=d("Level, below the parent's"),
    )
    parent_id = Int(
        required=True,
        validate=validate.Range(min=1, max=INT32_MAX),
        metadata=d("Parent unit id (in the admin's subtree)"),
    )
    doc_abbr = Text(validate=validate.Length(min=1, max=16), metadata=d(DOC_ABBR_DOC))
    doc_kind_marker = fields.Boolean(load_default=False, metadata=d(DOC_MARKER_DOC))


class OrgUnitPatchSchema(Schema):
    name = Text(
        validate=[validate.Length(min=1, max=MAX_ORG_NAME), NOT_BLANK], metadata=d("New name")
    )
    level = fields.String(
        validate=validate.OneOf(list(LEVELS)),
        metadata=d("New level (below the parent, above the children)"),
    )
    doc_abbr = Text(validate=validate.Length(min=1, max=16), metadata=d(DOC_ABBR_DOC))
    doc_kind_marker = fields.Boolean(metadata=d(DOC_MARKER_DOC))


class UserSchema(UserRefSchema):
    roles = fields.List(
        fields.String(),
        required=True,
        metadata=d("Roles: operator, caseworker, supervisor, admin, auditor"),
    )
    org_unit = fields.Nested(UnitRefSchema, required=True, metadata=d("The user's own unit"))
    is_active = fields.Boolean(metadata=d("Whether the user may log in"))


ROLE_CHOICES = list(ROLES)


class UserCreateSchema(Schema):
    username = fields.String(
        required=True,
        validate=[validate.Length(min=1, max=MAX_USERNAME), validate.Regexp(CODE_PATTERN)],
        metadata=d("Login name: letters, digits, '.', '_', '-'"),
    )
    display_name = Text(
        required=True,
        validate=[validate.Length(min=1, max=MAX_DISPLAY_NAME), NOT_BLANK],
        metadata=d("显示名称"),
    )
    org_unit_id = Int(
        required=True,
        validate=validate.Range(min=1, max=INT32_MAX),
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
        validate=validate.Length(min=8, max=MAX_PASSWORD),
        metadata=d("Initial password (8+ characters)"),
    )


class UserPatchSchema(Schema):
    display_name = Text(
        validate=[validate.Length(min=1, max=MAX_DISPLAY_NAME), NOT_BLANK], metadata=d("显示名称")
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
        validate=validate.Length(min=8, max=MAX_PASSWORD),
        metadata=d("A new password (revokes their tokens)"),
    )


class UserListArgs(PaginationArgs):
    org_unit_id = fields.Integer(
        validate=validate.Range(min=1, max=INT32_MAX), metadata=d("Only users of this unit")
    )


# -- employers -------------------------------------------------------------------------------


class EmployerMoveSchema(Schema):
    from_unit = fields.Nested(UnitKeySchema, required=True, metadata=d("The unit it was under"))
    to_unit = fields.Nested(UnitKeySchema, required=True, metadata=d("The unit it was moved to"))
    by = fields.String(required=True, metadata=d("Login name of who moved it"))
    reason = fields.String(allow_none=True, metadata=d("调整理由 (optional)"))
    at = fields.String(required=True, metadata=d("When, ISO 8601 UTC"))


class EmployerDetailSchema(Schema):
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


class EmployerPatchSchema(Schema):
    org_unit_id = Int(
        validate=validate.Range(min=1, max=INT32_MAX),
        metadata=d(
            "The union body to place it under: a unit of your subtree (the employer must be "
            "under your subtree too). Admins and supervisors"
        ),
    )
    reason = Text(
        allow_none=True,
        validate=validate.Length(max=MAX_MOVE_REASON),
        metadata=d("调整理由 (optional; no ID numbers or phone numbers)"),
    )
    industry = fields.String(
        allow_none=True,
        validate=validate.OneOf(list(INDUSTRIES)),
        metadata=d("行业: 门类 of GB/T 4754-2017, A–T (admins)"),
    )
    staff_count = Int(
        allow_none=True,
        validate=validate.Range(min=0, max=MAX_STAFF),
        metadata=d("职工人数 (admins)"),
    )
    union_members = Int(
        allow_none=True,
        validate=validate.Range(min=0, max=MAX_STAFF),
        metadata=d("工会会员人数 (admins)"),
    )
    has_union = Bool(metadata=d("是否已建会 (admins)"))

    @validates_schema
    def _something(self, data, **kwargs):  # type: ignore[no-untyped-def]
        if not data:
            raise ValidationError("name at least one field to change", "_schema")
        if "reason" in data and "org_unit_id" not in data:
            raise ValidationError("a reason goes with org_unit_id", "reason")


class ProjectLinkSchema(Schema):
    role = fields.String(
        required=True,
        validate=validate.OneOf(list(PROJECT_ROLES)),
        metadata=d("; ".join(f"{k} {v}" for k, v in PROJECT_ROLES.items())),
    )
    project_id = Int(
        validate=validate.Range(min=1, max=INT32_MAX), metadata=d("An existing project, or …")
    )
    name = Text(
        validate=validate.Length(min=1, max=MAX_PROJECT_NAME),
        metadata=d("… the name of a new project (工程项目名称)"),
    )
    location = Text(validate=validate.Length(max=200), metadata=d("项目地点 (new project)"))
    contractor_id = Int(
        validate=validate.Range(min=1, max=INT32_MAX),
        metadata=d("分包: the employer it works for, a party of the same project"),
    )


class EmployerReportSchema(Schema):
    kind = fields.String(
        required=True,
        validate=validate.OneOf(list(EMPLOYER_REPORTS)),
        metadata=d("; ".join(f"{k} {v}" for k, v in EMPLOYER_REPORTS.items())),
    )
    occurred_on = fields.Date(required=True, metadata=d("发生日期 (Asia/Shanghai)"))
    note = Text(
        allow_none=True,
        validate=validate.Length(max=MAX_REPORT_NOTE),
        metadata=d("说明: the post (工会主席) and circumstances; no ID or phone numbers"),
    )


# -- auth ------------------------------------------------------------------------------------


class LoginSchema(Schema):
    username = fields.String(
        required=True, validate=validate.Length(min=1, max=MAX_USERNAME), metadata=d("Login name")
    )
    password = fields.String(
        required=True,
        validate=validate.Length(min=1, max=MAX_PASSWORD),
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
