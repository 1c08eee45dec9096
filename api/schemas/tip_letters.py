"""Area-wide 提示函 (one letter to many employers) and the catalogue of document kinds."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from api.schemas.base import (
    NOT_BLANK,
    Bool,
    Int,
    PaginationArgs,
    Text,
    UnitRefSchema,
    d,
    page_of,
)
from casework.core.vocab import (
    CALENDAR_YEARS,
    INT32_MAX,
    MAX_DOCUMENT_BODY,
    MAX_DOCUMENT_TITLE,
    MAX_TIP_RECIPIENTS,
    MAX_TIP_REPLY,
    MAX_TIP_SCOPE,
    TIP_REPLY_VIEWS,
)

ID = validate.Range(min=1, max=INT32_MAX)


class TipLetterCreateSchema(Schema):
    scope = Text(
        required=True,
        validate=[validate.Length(min=1, max=MAX_TIP_SCOPE), NOT_BLANK],
        metadata=d("发送范围 in words: whom the letter is for, e.g. 天河区建筑施工企业"),
    )
    employer_ids = fields.List(
        Int(validate=ID),
        validate=validate.Length(max=MAX_TIP_RECIPIENTS),
        metadata=d(
            "Employers it goes to (each under the issuing unit); an id given twice, or also "
            "matched by org_unit_id, receives the letter once"
        ),
    )
    org_unit_id = Int(
        validate=ID,
        metadata=d("Also every employer under this unit and the units below it (a unit of yours)"),
    )
    has_union = Bool(
        allow_none=True,
        metadata=d("With org_unit_id: only employers with (true) or without (false) a union"),
    )
    matter = Text(
        validate=[validate.Length(min=1, max=2000), NOT_BLANK],
        metadata=d("提示事项: what was found (the template writes the 正文 from it)"),
    )
    body = Text(
        validate=[validate.Length(min=1, max=MAX_DOCUMENT_BODY), NOT_BLANK],
        metadata=d("正文, one paragraph a line (default: the template with scope and matter)"),
    )
    title = Text(
        validate=[validate.Length(min=1, max=MAX_DOCUMENT_TITLE), NOT_BLANK],
        metadata=d("标题 (default: 工会劳动法律监督提示函)"),
    )
    basis = Text(
        validate=[validate.Length(min=1, max=255), NOT_BLANK],
        metadata=d("法律依据 (default: the 提示函's, as the jurisdiction states it)"),
    )
    reply_due = fields.Date(
        allow_none=True,
        metadata=d("Reply date, YYYY-MM-DD (default: 15 working days, the 提示函's rule)"),
    )


class TipReplyCreateSchema(Schema):
    employer_id = Int(required=True, validate=ID, metadata=d("The recipient that replied"))
    replied_on = fields.Date(required=True, metadata=d("答复日期, YYYY-MM-DD"))
    summary = Text(
        required=True,
        validate=[validate.Length(min=1, max=MAX_TIP_REPLY), NOT_BLANK],
        metadata=d("答复内容摘要"),
    )


class TipLetterListArgs(PaginationArgs):
    org_unit_id = fields.Integer(
        validate=ID,
        metadata=d("Only letters issued by this unit and the units below it (default: yours)"),
    )
    year = fields.Integer(
        validate=validate.Range(min=CALENDAR_YEARS[0], max=CALENDAR_YEARS[1]),
        metadata=d("Only letters numbered in this year"),
    )
    format = fields.String(
        load_default="json",
        validate=validate.OneOf(["json", "csv"]),
        metadata=d("json, or csv: every matching letter (at most 5000), UTF-8 with BOM"),
    )


class TipCountsSchema(Schema):
    recipients = fields.Integer(required=True, metadata=d("主送单位数"))
    answered = fields.Integer(required=True, metadata=d("已答复"))
    awaiting = fields.Integer(required=True, metadata=d("待答复 (the reply date not passed)"))
    overdue = fields.Integer(required=True, metadata=d("逾期未答复"))


class TipLetterSchema(Schema):
    id = fields.Integer(required=True, metadata=d("Letter id"))
    number = fields.String(required=True, metadata=d("发文字号, in the unit's 提示函 sequence"))
    year = fields.Integer(required=True, metadata=d("Year of the number"))
    title = fields.String(required=True, metadata=d("标题"))
    scope = fields.String(required=True, metadata=d("发送范围"))
    addressee = fields.String(
        required=True, metadata=d("主送 as printed: up to three names, else 各有关用人单位")
    )
    issuer = fields.Nested(UnitRefSchema, required=True, metadata=d("Issuing unit (now)"))
    issuer_name = fields.String(required=True, metadata=d("The issuing unit's name at issue"))
    issued_at = fields.String(required=True, metadata=d("Issued, ISO 8601 UTC"))
    issued_by = fields.String(required=True, metadata=d("Login name of who issued it"))
    reply_due = fields.String(required=True, metadata=d("答复期限 (YYYY-MM-DD)"))
    reply_period = fields.String(
        allow_none=True, metadata=d("Its counting rule, e.g. 15个工作日 (null: set by hand)")
    )
    overdue = fields.Boolean(
        required=True, metadata=d("The reply date has passed with a reply still awaited")
    )
    counts = fields.Nested(TipCountsSchema, required=True, metadata=d("Replies"))


TipLetterPage = page_of(TipLetterSchema, "TipLetterPage")


class TipRecipientSchema(Schema):
    employer_id = fields.Integer(required=True, metadata=d("Employer"))
    employer_name = fields.String(required=True, metadata=d("Its name when the letter went out"))
    reply_status = fields.String(
        required=True,
        validate=validate.OneOf(TIP_REPLY_VIEWS),
        metadata=d("awaiting 待答复 / answered 已答复 / overdue 逾期未答复"),
    )
    reply_status_label_zh = fields.String(required=True, metadata=d("答复状态"))
    replied_on = fields.String(allow_none=True, metadata=d("答复日期"))
    on_time = fields.Boolean(allow_none=True, metadata=d("Replied by the reply date"))
    reply_summary = fields.String(allow_none=True, metadata=d("答复内容摘要"))
    recorded_by = fields.String(allow_none=True, metadata=d("Who recorded the reply"))
    recorded_at = fields.String(allow_none=True, metadata=d("When, ISO 8601 UTC"))


class TipLetterDetailSchema(TipLetterSchema):
    body = fields.String(required=True, metadata=d("正文, one paragraph a line"))
    citation = fields.String(required=True, metadata=d("法律依据"))
    content_hash = fields.String(
        required=True, metadata=d("SHA-256 of what it says (recipients included), at issue")
    )
    recipients = fields.List(
        fields.Nested(TipRecipientSchema), required=True, metadata=d("主送单位 and their replies")
    )


class DocumentKindSchema(Schema):
    name = fields.String(required=True, metadata=d("Kind code"))
    label_zh = fields.String(required=True, metadata=d("文书种类"))
    label_en = fields.String(required=True, metadata=d("Kind in English"))
    abbr_zh = fields.String(required=True, metadata=d("Kind marker in numbers (天工提〔2026〕1号)"))
    citation = fields.String(required=True, metadata=d("法律依据 (national text)"))
    min_level = fields.String(allow_none=True, metadata=d("Lowest level that may issue it"))
    workflows = fields.List(fields.String(), required=True, metadata=d("Processes it belongs to"))
    trigger = fields.String(allow_none=True, metadata=d("The step issuing it takes"))
    reply_rule = fields.String(allow_none=True, metadata=d("The clock giving its reply date"))


DocumentKindPage = page_of(DocumentKindSchema, "DocumentKindPage")


class DocumentKindArgs(Schema):
    workflow = fields.String(
        validate=validate.Length(min=1, max=64), metadata=d("Only the kinds of this process")
    )
