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
from casework.core.vocab import DOCUMENT_STATUSES, MAX_DOCUMENT_BODY

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
    body = Text(
        validate=[validate.Length(min=1, max=MAX_DOCUMENT_BODY), NOT_BLANK],
        metadata=d("正文, one paragraph a line (default: the kind's template filled in)"),
    )


class DraftCreateSchema(DocumentCreateSchema):
    """A draft: as an issue, but nothing is numbered or fired; ``data`` fills the template and
    is used when the draft is issued."""


class DraftEditSchema(Schema):
    addressee = Text(validate=[validate.Length(min=1, max=200), NOT_BLANK], metadata=d("收件单位"))
    body = Text(
        validate=[validate.Length(min=1, max=MAX_DOCUMENT_BODY), NOT_BLANK],
        metadata=d("正文, one paragraph a line"),
    )
    reply_due = fields.Date(
        allow_none=True, metadata=d("Reply deadline, YYYY-MM-DD; null: the rule's date")
    )


class DocumentIssueSchema(Schema):
    data = fields.Dict(
        keys=fields.String(validate=validate.Length(max=64)),
        load_default=dict,
        metadata=d("Data for the workflow step (default: the draft's)"),
    )


class DocumentSchema(Schema):
    id = fields.Integer(required=True, metadata=d("Document id"))
    case_id = fields.Integer(metadata=d("Case"))
    kind = fields.String(required=True, metadata=d("Document kind"))
    kind_label_zh = fields.String(metadata=d("文书种类"))
    status = fields.String(
        required=True,
        validate=validate.OneOf(DOCUMENT_STATUSES),
        metadata=d("draft (editable, no number) or issued (numbered, immutable)"),
    )
    number = fields.String(
        required=True,
        allow_none=True,
        metadata=d("发文字号 (GB/T 9704), unique per issuing unit; null while a draft"),
    )
    issuer = fields.Nested(UnitRefSchema, allow_none=True, metadata=d("Issuing unit"))
    addressee = fields.String(metadata=d("收件单位"))
    title = fields.String(metadata=d("标题"))
    body = fields.String(
        allow_none=True,
        metadata=d("正文, one paragraph a line (null: issued before bodies were kept)"),
    )
    citation = fields.String(required=True, metadata=d("法律依据"))
    created_at = fields.String(allow_none=True, metadata=d("Drafted or issued, ISO 8601 UTC"))
    issued_at = fields.String(allow_none=True, metadata=d("Issued, ISO 8601 UTC; null: a draft"))
    content_hash = fields.String(
        allow_none=True,
        metadata=d("SHA-256 of the issued content (also in the document_issued event)"),
    )
    reply_due = fields.String(allow_none=True, metadata=d("Reply deadline"))
    outcome = fields.String(allow_none=True, metadata=d("Outcome"))


DocumentPage = page_of(DocumentSchema, "DocumentPage")
