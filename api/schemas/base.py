"""What every schema shares: strict scalar fields, problem details, pages, unit and user refs."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from casework.core.vocab import (
    LEVELS,
    MAX_PER_PAGE,
    TOTAL_CAP,
)


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
        validate=validate.Range(min=1, max=MAX_PER_PAGE),
        metadata=d("Items per page (at most 100)"),
    )


class PageSchema(Schema):
    page = fields.Integer(required=True, metadata=d("This page's number"))
    per_page = fields.Integer(required=True, metadata=d("Items per page"))
    total = fields.Integer(required=True, metadata=d("Number of items over all pages"))


class CursorArgs(PaginationArgs):
    cursor = fields.String(
        validate=validate.Length(min=1, max=200),
        metadata=d(
            "next_cursor of the previous page: the page after it (page is then ignored). "
            "Costs the same however deep the list"
        ),
    )


class KeysetPageSchema(PageSchema):
    total_exact = fields.Boolean(
        required=True,
        metadata=d(
            f"false when there are more than {TOTAL_CAP:,} items: total is then {TOTAL_CAP}"
        ),
    )
    next_cursor = fields.String(
        required=True,
        allow_none=True,
        metadata=d("Pass as cursor for the next page; null on the last page"),
    )


def page_of(item: type[Schema], name: str, base: type[Schema] = PageSchema) -> type[Schema]:
    return type(
        name,
        (base,),
        {
            "items": fields.List(
                fields.Nested(item), required=True, metadata=d("The items of this page")
            )
        },
    )


class UnitKeySchema(Schema):
    """The four fields that name a unit (intake answers, reports)."""

    id = fields.Integer(required=True, metadata=d("Org unit id"))
    code = fields.String(required=True, metadata=d("Org unit code (e.g. TH-SP)"))
    name = fields.String(required=True, metadata=d("工会名称"))
    level = fields.String(required=True, metadata=d("Level: " + ", ".join(LEVELS)))


class UnitRefSchema(UnitKeySchema):
    level_label_zh = fields.String(metadata=d("层级（中文）"))


class UserRefSchema(Schema):
    id = fields.Integer(required=True, metadata=d("User id"))
    username = fields.String(required=True, metadata=d("Login name"))
    display_name = fields.String(required=True, metadata=d("显示名称"))
