"""What reaches a view: hostile input stops here with a clear problem, before any service.

One ``before_request`` hook (after authentication) checks every request:

- the query string: no NUL character and no unpaired surrogate in a name or a value (422);
- the body: at most ``MAX_CONTENT_LENGTH`` bytes, chunked or not (413) — werkzeug cuts a chunked
  stream at the limit without a word, so the hook reads one byte more itself;
- on POST, PUT and PATCH: a body must be JSON (``application/json`` or ``application/*+json``,
  else 415) and is parsed once, strictly (:func:`loads_strict`); the web pages outside
  ``/api/`` post HTML forms, which their views check field by field (:mod:`api.web.forms`).

:func:`loads_strict` is the only JSON loader of request bodies: the arguments parser of the views
(:class:`api.http.StrictParser`) reads the body it parsed, and ``request.get_json`` uses it
through the app's JSON provider. It refuses what ``json.loads`` would take and a database or a
later response would choke on:

- not JSON by RFC 8259 (``NaN``, ``Infinity``, ``-Infinity``), not UTF-8, or nested deeper than
  :data:`MAX_DEPTH` (a 100,000-deep body made the parser's RecursionError a 500): 400;
- a string or a key with a NUL character (PostgreSQL text cannot hold one) or an unpaired
  surrogate (not encodable as UTF-8), an integer beyond int64 or a number too large for a float
  (``1e999``): 422 naming the field.
"""

from __future__ import annotations

import io
import json
import math
import re
from typing import Any

from flask import Flask, current_app, g, request
from flask.json.provider import DefaultJSONProvider
from werkzeug.exceptions import RequestEntityTooLarge, UnprocessableEntity, UnsupportedMediaType

from api.errors import MalformedBody

MAX_DEPTH = 64
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})

_BAD_CHARS = re.compile("[\x00\ud800-\udfff]")
# How a NUL or a surrogate gets into a decoded string: as an escape (raw ones are not JSON).
_SUSPECT_ESCAPES = re.compile(r"\\u(?:0000|[dD][89a-fA-F])")
# For measuring the depth of a body that parsed: its strings, what is not a bracket, and the
# brackets as parentheses.
_STRING = re.compile(r'"(?:[^"\\]++|\\.)*+"', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_PARENS = str.maketrans("[{]}", "(())")

NUL_MESSAGE = "不得包含空字符 NUL (must not contain NUL characters)"
SURROGATE_MESSAGE = "不得包含不成对的代理字符 (must not contain unpaired surrogates)"
KEY_NUL_MESSAGE = "字段名不得包含空字符 NUL (a field name must not contain NUL characters)"
KEY_SURROGATE_MESSAGE = (
    "字段名不得包含不成对的代理字符 (a field name must not contain unpaired surrogates)"
)
INTEGER_MESSAGE = "整数超出范围 (an integer beyond the 64-bit range)"
NUMBER_MESSAGE = "数值超出范围 (a number too large to represent)"


class _OutOfRange:
    """Stands in for a number the loader refuses, so the walk can name the field."""

    __slots__ = ("message",)

    def __init__(self, message: str) -> None:
        self.message = message


_BAD_INTEGER = _OutOfRange(INTEGER_MESSAGE)
_BAD_NUMBER = _OutOfRange(NUMBER_MESSAGE)


def _parse_int(text: str) -> int | _OutOfRange:
    if len(text) > 20:  # int64 has at most 19 digits (and a sign); never build a huge int
        return _BAD_INTEGER
    value = int(text)
    return value if INT64_MIN <= value <= INT64_MAX else _BAD_INTEGER


def _parse_float(text: str) -> float | _OutOfRange:
    value = float(text)
    return value if math.isfinite(value) else _BAD_NUMBER


def _parse_constant(name: str) -> Any:
    raise MalformedBody(
        f"请求体不是有效的 JSON：不允许 {name}",
        f"the request body is not valid JSON: {name} is not a JSON number",
    )


def _too_deep() -> MalformedBody:
    return MalformedBody(
        f"请求体嵌套超过{MAX_DEPTH}层",
        f"the request body is nested deeper than {MAX_DEPTH} levels",
    )


def _too_deep_text(text: str) -> bool:
    """Whether the arrays and objects of ``text`` (valid JSON) nest deeper than
    :data:`MAX_DEPTH`. Without a loop over the body: the brackets outside strings, written as
    parentheses, lose their innermost level with each ``replace("()", "")``; nothing is left
    after MAX_DEPTH rounds unless the body is deeper."""
    if text.count("[") + text.count("{") <= MAX_DEPTH:
        return False
    nesting = _NOT_BRACKET.sub("", _STRING.sub("", text)).translate(_PARENS)
    for _ in range(MAX_DEPTH):
        nesting = nesting.replace("()", "")
        if not nesting:
            return False
    return True


def _string_problem(text: str, *, name: bool = False) -> str | None:
    """What is wrong with a string (``name``: a field or parameter name), or None."""
    bad = _BAD_CHARS.search(text)
    if bad is None:
        return None
    if bad.group() == "\x00":
        return KEY_NUL_MESSAGE if name else NUL_MESSAGE
    return KEY_SURROGATE_MESSAGE if name else SURROGATE_MESSAGE


def _nest(errors: dict[Any, Any], path: tuple[Any, ...], message: str) -> None:
    """Put ``message`` at ``path`` in webargs' nested form ({"workers": {1: {"name": [...]}}})."""
    node = errors
    for part in path[:-1]:
        node = node.setdefault(part, {})
    node.setdefault(path[-1] if path else "_schema", []).append(message)


def _walk(value: Any) -> dict[Any, Any]:
    """The field-level complaints about a parsed body (strings and keys with a NUL or an unpaired
    surrogate, refused numbers), nested by path, without recursion."""
    errors: dict[Any, Any] = {}
    stack: list[tuple[Any, tuple[Any, ...]]] = [(value, ())]
    while stack:
        item, path = stack.pop()
        if isinstance(item, str):
            problem = _string_problem(item)
            if problem:
                _nest(errors, path, problem)
        elif isinstance(item, _OutOfRange):
            _nest(errors, path, item.message)
        elif isinstance(item, dict):
            for key, child in item.items():
                problem = _string_problem(key, name=True)
                if problem:
                    # The key itself cannot be shown: the error names where it stands.
                    _nest(errors, (*path, "_schema"), problem)
                else:
                    stack.append((child, (*path, key)))
        elif isinstance(item, list):
            stack.extend((child, (*path, i)) for i, child in enumerate(item))
    return errors


def loads_strict(data: bytes | str) -> Any:
    """A request body as JSON, or a 400 (not JSON, too deep) or 422 (a field no service could
    store) problem. See the module docstring for what is refused."""
    if isinstance(data, bytes):
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise MalformedBody(
                "请求体不是有效的 UTF-8 编码", "the request body is not valid UTF-8"
            ) from None
    else:
        text = data
    refused: list[_OutOfRange] = []

    def parse_int(digits: str) -> int | _OutOfRange:
        out = _parse_int(digits)
        if isinstance(out, _OutOfRange):
            refused.append(out)
        return out

    def parse_float(number: str) -> float | _OutOfRange:
        out = _parse_float(number)
        if isinstance(out, _OutOfRange):
            refused.append(out)
        return out

    try:
        value = json.loads(
            text, parse_constant=_parse_constant, parse_int=parse_int, parse_float=parse_float
        )
    except json.JSONDecodeError:
        raise MalformedBody("请求体不是有效的 JSON", "the request body is not valid JSON") from None
    except RecursionError:
        # The parser recurses once per level and stops at the interpreter's recursion limit (a
        # 100,000-deep body): too deep, like anything past MAX_DEPTH.
        raise _too_deep() from None
    if _too_deep_text(text):
        raise _too_deep()
    # Only a body that may hold a refused string or number is walked.
    if refused or _SUSPECT_ESCAPES.search(text) or _BAD_CHARS.search(text):
        errors = _walk(value)
        if errors:
            raise _invalid(errors)
    return value


def _invalid(messages: dict[Any, Any]) -> UnprocessableEntity:
    exc = UnprocessableEntity()
    exc.data = {"messages": messages}  # type: ignore[attr-defined]
    return exc


class StrictJSONProvider(DefaultJSONProvider):
    """``request.get_json`` parses with :func:`loads_strict`; answers never contain a bare
    ``NaN`` or ``Infinity`` (which is not JSON): dumping one is an error, not a broken reply."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        return loads_strict(s)

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        kwargs.setdefault("allow_nan", False)
        return super().dumps(obj, **kwargs)


# -- the hook --------------------------------------------------------------------------------


def _check_query() -> None:
    errors: dict[Any, Any] = {}
    for key, values in request.args.lists():
        problem = _string_problem(key, name=True)
        if problem:
            _nest(errors, ("_schema",), problem)
            continue
        for value in values:
            problem = _string_problem(value)
            if problem:
                _nest(errors, (key,), problem)
                break
    if errors:
        raise _invalid(errors)


def _read_at_most(stream: Any, size: int) -> bytes:
    out = bytearray()
    while len(out) < size:
        chunk = stream.read(min(64 * 1024, size - len(out)))
        if not chunk:
            break
        out += chunk
    return bytes(out)


def _body() -> bytes:
    """The body, 413 when it is over ``MAX_CONTENT_LENGTH``. With a Content-Length werkzeug
    refuses it before reading; a chunked body (no Content-Length) werkzeug would silently cut at
    the limit, so one byte more than the limit is read here and the body handed back."""
    limit = current_app.config["MAX_CONTENT_LENGTH"]
    env = request.environ
    if limit is not None and request.content_length is None and env.get("wsgi.input_terminated"):
        data = _read_at_most(env["wsgi.input"], limit + 1)
        if len(data) > limit:
            raise RequestEntityTooLarge()
        env["wsgi.input"] = io.BytesIO(data)
    return request.get_data(cache=True)


def check_request() -> None:
    _check_query()
    body = _body()
    if not body or request.method not in BODY_METHODS or request.url_rule is None:
        return
    if not request.path.startswith("/api/") and request.mimetype in FORM_TYPES:
        # The web pages post HTML forms; their views hold each value to its field (api.web).
        return
    if not request.is_json:
        raise UnsupportedMediaType()
    g.json_body = loads_strict(body)


def json_body() -> Any:
    """The body :func:`check_request` parsed (parsing it now if the hook did not run)."""
    if "json_body" not in g:
        g.json_body = loads_strict(request.get_data(cache=True))
    return g.json_body


def install(app: Flask) -> None:
    app.json = StrictJSONProvider(app)
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.before_request(check_request)
