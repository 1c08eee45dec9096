"""The one place domain errors and HTTP errors become responses: RFC 9457 problem details.

``{"type", "title", "status", "detail", ...}`` with ``Content-Type: application/problem+json``.
``detail`` is Chinese (users read Chinese), ``detail_en`` English, ``code`` a stable snake_case
code. Messages come from the domain and never carry personal data; validation messages name the
field and the rule, never echo the value. A field name the client made up (an unknown field, a
key of a free-form object) is named only when it looks like a field name; anything else, such as
an ID number or a phone sent as a key, becomes ``<unknown field 1>`` (or ``<field 1>``).
"""

from __future__ import annotations

import logging
import re
from typing import Any

from flask import Flask, Response, current_app, g, json, request
from werkzeug.exceptions import BadRequest, HTTPException

from casework.core import errors as E

log = logging.getLogger("casework.api")

PROBLEM = "application/problem+json"

# status, title (zh), by domain error class (most specific first)
DOMAIN_STATUS: list[tuple[type[E.DomainError], int, str]] = [
    (E.NotAuthenticated, 401, "未认证"),
    (E.TooManyAttempts, 429, "请求过于频繁"),
    (E.NotFound, 404, "资源不存在"),
    (E.InvalidInput, 422, "输入有误"),
    (E.UnknownTrigger, 422, "未知操作"),
    (E.IdempotencyKeyReused, 422, "幂等键已用于其他请求"),
    (E.GuardRefused, 422, "业务规则不允许"),
    (E.LevelTooLow, 422, "层级不够"),
    (E.TemplateBroken, 422, "文书模板有误"),
    (E.DocumentIssued, 409, "文书已发出，不可修改"),
    (E.TransitionNotAllowed, 409, "当前状态不允许此操作"),
    (E.VersionConflict, 409, "版本冲突"),
    (E.Conflict, 409, "冲突"),
    (E.NotPermitted, 403, "无权操作"),
]

HTTP_TITLES = {
    400: "请求格式错误",
    401: "未认证",
    403: "无权操作",
    404: "资源不存在",
    405: "不支持的请求方法",
    406: "不支持的响应格式",
    409: "冲突",
    412: "前提条件不满足",
    413: "请求体过大",
    415: "不支持的内容类型",
    422: "输入有误",
    428: "缺少前提条件",
    429: "请求过于频繁",
    500: "服务器内部错误",
}


class MalformedBody(BadRequest):
    """400: the request body is not JSON (or not UTF-8, or nested too deep), with the reason."""

    def __init__(self, detail_zh: str, detail_en: str) -> None:
        super().__init__(detail_en)
        self.detail_zh = detail_zh
        self.detail_en = detail_en


def problem(
    status: int,
    code: str,
    title: str,
    detail: str,
    detail_en: str | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> Response:
    body: dict[str, Any] = {
        "type": f"/problems/{code}",
        "title": title,
        "status": status,
        "detail": detail,
        "code": code,
        "instance": request.path,
    }
    if detail_en:
        body["detail_en"] = detail_en
    rid = getattr(g, "request_id", None)
    if rid:
        body["request_id"] = rid
    body.update({k: v for k, v in extra.items() if v is not None})
    resp = Response(json.dumps(body, ensure_ascii=False), status=status, mimetype=PROBLEM)
    for k, v in (headers or {}).items():
        resp.headers[k] = v
    if status == 401:
        resp.headers["WWW-Authenticate"] = 'Bearer realm="casework"'
    return resp


def from_domain(exc: E.DomainError) -> Response:
    status, title = 500, "服务器内部错误"
    for cls, st, t in DOMAIN_STATUS:
        if isinstance(exc, cls):
            status, title = st, t
            break
    extra: dict[str, Any] = {}
    headers: dict[str, str] = {}
    det = exc.details
    if isinstance(exc, E.InvalidInput):
        extra["errors"] = {exc.field: [exc.reason_zh]}
    if isinstance(exc, E.UnknownTrigger | E.TransitionNotAllowed):
        extra["allowed_triggers"] = det.get("allowed", [])
        extra["state"] = det.get("state")
    if isinstance(exc, E.GuardRefused):
        extra["guard"] = det.get("guard")
        extra["reason"] = exc.message_zh
    if isinstance(exc, E.LevelTooLow):
        extra["guard"] = "min_level"
        extra["reason"] = exc.message_zh
    if isinstance(exc, E.VersionConflict):
        extra["current_version"] = det.get("current_version")
        if request.headers.get("If-Match"):
            status, title = 412, "版本已变化（If-Match 不符）"
    if isinstance(exc, E.TooManyAttempts):
        retry = int(det.get("retry_after", 60))
        extra["retry_after"] = retry
        headers["Retry-After"] = str(retry)
    return problem(status, exc.code, title, exc.message_zh, exc.message_en, headers, **extra)


LOCATIONS = ("json", "query", "headers", "files", "form", "view_args", "path")
UNKNOWN_FIELD = "Unknown field."
# A path segment shown as sent: a field name (letters, digits, underscores, at most 64, no run of
# five digits or more) or a list index.
_SHOWN = re.compile(r"^(?:[A-Za-z_][A-Za-z0-9_]{0,63}|[0-9]{1,4})$")
_DIGIT_RUN = re.compile(r"[0-9]{5}")


def _paths(messages: Any, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], list[str]]]:
    """webargs/marshmallow messages → [(("employer", "name"), ["..."])] (locations dropped)."""
    out: list[tuple[tuple[str, ...], list[str]]] = []
    if isinstance(messages, dict):
        for key, value in messages.items():
            name = str(key)
            if not path and name in LOCATIONS:
                out += _paths(value, ())
            else:
                out += _paths(value, (*path, name))
    elif isinstance(messages, list) and all(isinstance(m, str) for m in messages):
        out.append((path or ("_schema",), list(messages)))
    elif isinstance(messages, list):
        for i, m in enumerate(messages):
            out += _paths(m, (*path, str(i)))
    else:
        out.append((path or ("_schema",), [str(messages)]))
    return out


def _flatten(messages: Any) -> dict[str, list[str]]:
    """{"employer.name": ["..."]}: dotted paths whose client-made segments are shown only when
    they look like field names; others are numbered placeholders, the same segment the same
    placeholder (never an ID number, a phone or a name someone sent as a key)."""
    placeholders: dict[tuple[str, str], str] = {}

    def shown(segment: str, unknown: bool) -> str:
        if segment == "_schema" or (_SHOWN.match(segment) and not _DIGIT_RUN.search(segment)):
            return segment
        kind = "unknown field" if unknown else "field"
        key = (kind, segment)
        if key not in placeholders:
            n = sum(1 for k in placeholders if k[0] == kind) + 1
            placeholders[key] = f"<{kind} {n}>"
        return placeholders[key]

    out: dict[str, list[str]] = {}
    for path, msgs in _paths(messages):
        unknown = msgs == [UNKNOWN_FIELD]
        names = [shown(seg, unknown and i == len(path) - 1) for i, seg in enumerate(path)]
        out.setdefault(".".join(names), []).extend(msgs)
    return out


def from_http(exc: HTTPException) -> Response:
    if isinstance(exc, MalformedBody):
        return problem(400, "malformed_request", HTTP_TITLES[400], exc.detail_zh, exc.detail_en)
    status = exc.code or 500
    data = getattr(exc, "data", None) or {}
    messages = data.get("messages") or data.get("errors")
    if status == 422 or (status == 400 and messages):
        errors = _flatten(messages or {})
        if status == 400 or any(m == "Invalid JSON body." for ms in errors.values() for m in ms):
            return problem(
                400,
                "malformed_request",
                HTTP_TITLES[400],
                "请求体不是有效的 JSON",
                "the request body is not valid JSON",
            )
        fields_ = ", ".join(sorted(errors))
        return problem(
            422,
            "invalid_input",
            HTTP_TITLES[422],
            f"输入有误：{fields_}",
            f"invalid input: {fields_}",
            errors=errors,
        )
    title = HTTP_TITLES.get(status, exc.name)
    code = exc.name.lower().replace(" ", "_").replace("'", "")
    detail_en = exc.description or exc.name
    headers: dict[str, str] = {}
    if status == 405 and getattr(exc, "valid_methods", None):
        headers["Allow"] = ", ".join(exc.valid_methods)  # type: ignore[attr-defined]
    if status == 404:
        detail = "请求的资源不存在"
    elif status == 405:
        detail = "该地址不支持此请求方法"
    elif status == 400:
        detail = "请求格式错误"
    elif status == 413:
        limit = current_app.config.get("MAX_CONTENT_LENGTH") or 0
        detail = f"请求体不得超过 {limit // 1024} KiB"
        detail_en = f"the request body must not be larger than {limit} bytes"
    elif status == 415:
        detail = "请求体须为 application/json"
        detail_en = "the request body must be JSON (Content-Type: application/json)"
    else:
        detail = title
    return problem(status, code, title, detail, detail_en, headers)


def unexpected(exc: Exception) -> Response:
    # The JSON log formatter masks anything shaped like an ID number or a phone in the traceback.
    log.error(
        "unhandled %s on %s %s",
        type(exc).__name__,
        request.method,
        request.url_rule or request.path,
        exc_info=exc,
    )
    return problem(
        500, "internal_error", HTTP_TITLES[500], "服务器内部错误，请稍后重试", "internal error"
    )


def register(app: Flask) -> None:
    app.register_error_handler(E.DomainError, from_domain)
    app.register_error_handler(HTTPException, from_http)
    app.register_error_handler(Exception, unexpected)
