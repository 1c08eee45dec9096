"""Numbered documents."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from api.schemas.base import (
    NOT_BLANK,
    Text,
    UnitRefSchema,
    d,
    page_of,
)

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
