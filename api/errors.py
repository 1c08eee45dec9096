"""The one place domain errors and HTTP errors become responses: RFC 9457 problem details.

``{"type", "title", "status", "detail", ...}`` with ``Content-Type: application/problem+json``.
``detail`` is Chinese (users read Chinese), ``detail_en`` English, ``code`` a stable snake_case
code. Messages come from the domain and never carry personal data; validation messages name the
field and the rule, never echo the value.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, g, json, request
from werkzeug.exceptions import HTTPException

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


def _flatten(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    """webargs/marshmallow messages → {"employer.name": ["..."]} (locations dropped)."""
    out: dict[str, list[str]] = {}
    if isinstance(messages, dict):
        for key, value in messages.items():
            name = str(key)
            if not prefix and name in (
                "json",
                "query",
                "headers",
                "files",
                "form",
                "view_args",
                "path",
            ):
                out.update(_flatten(value, ""))
                continue
            out.update(_flatten(value, f"{prefix}.{name}" if prefix else name))
    elif isinstance(messages, list) and all(isinstance(m, str) for m in messages):
        out[prefix or "_schema"] = list(messages)
    elif isinstance(messages, list):
        for i, m in enumerate(messages):
            out.update(_flatten(m, f"{prefix}.{i}" if prefix else str(i)))
    else:
        out[prefix or "_schema"] = [str(messages)]
    return out


def from_http(exc: HTTPException) -> Response:
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
    elif status == 415:
        detail = "请求体须为 application/json"
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
