"""Escalations and notifications."""

from __future__ import annotations

from marshmallow import Schema, fields

from api.schemas.base import (
    KeysetPageSchema,
    PaginationArgs,
    UnitRefSchema,
    d,
    page_of,
)


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


EscalationPage = page_of(EscalationSchema, "EscalationPage", KeysetPageSchema)


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
