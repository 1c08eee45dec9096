"""Small HTTP helpers shared by the resources: who is calling, If-Match, ETag, error docs."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, TypeVar

import flask_smorest
from flask import Response, abort, current_app, g, request
from marshmallow import RAISE
from webargs import core
from webargs.flaskparser import FlaskParser
from werkzeug.routing import IntegerConverter

from api.guard import json_body
from api.schemas import ProblemSchema
from casework.people.access import Actor
from casework.runtime import Runtime

F = TypeVar("F", bound=Callable[..., Any])


class StrictParser(FlaskParser):
    """Query strings are held to their schema like bodies are: an unknown parameter is a 422
    naming it, not ignored (a typo such as ?overdu=true must not quietly list every case)."""

    DEFAULT_UNKNOWN_BY_LOCATION = {**FlaskParser.DEFAULT_UNKNOWN_BY_LOCATION, "query": RAISE}

    def _raw_load_json(self, req):  # type: ignore[no-untyped-def]
        """The body as the request guard parsed it (strictly: see :mod:`api.guard`)."""
        if not req.is_json or not req.get_data(cache=True):
            return core.missing
        return json_body()


class IdConverter(IntegerConverter):
    """``<id:case_id>``: a row id in a URL, 1 to 2,147,483,647 (the database's integer key). A
    larger number, zero or a sign is a 404 from the router, never an overflow in a query; the
    OpenAPI document shows the bounds (flask-smorest maps it as the integer converter it is)."""

    def __init__(self, map: Any) -> None:  # noqa: A002 - werkzeug's parameter name
        super().__init__(map, min=1, max=2**31 - 1)


class Blueprint(flask_smorest.Blueprint):
    ARGUMENTS_PARSER = StrictParser()


_IF_MATCH = re.compile(r'^\s*(?:W/)?"?([0-9]{1,12})"?\s*$')

IF_MATCH_PARAM = {
    "in": "header",
    "name": "If-Match",
    "required": False,
    "schema": {"type": "string"},
    "description": 'The case version you last read, as its ETag ("3"). A stale version gets 412.',
}
IDEMPOTENCY_PARAM = {
    "in": "header",
    "name": "Idempotency-Key",
    "required": False,
    "schema": {"type": "string", "minLength": 1, "maxLength": 255},
    "description": "Any unique string per call; a retry with the same key returns the same body.",
}
ETAG_HEADER = {
    "ETag": {"description": 'The case version, quoted ("3")', "schema": {"type": "string"}}
}

PROBLEM_TEXT = {
    400: "Malformed request: the body is not JSON (not UTF-8, NaN/Infinity, nested deeper than 64 "
    "levels), or a bad header",
    401: "Missing, invalid, expired or revoked token",
    403: "The caller's role may not do this here",
    404: "Not found, or outside the caller's part of the tree",
    409: "Not valid from the current state (lists allowed_triggers), or a concurrent change",
    412: "If-Match names a version that is no longer current",
    413: "The request body is larger than 1 MiB (with a Content-Length or chunked)",
    415: "The request body must be JSON (application/json)",
    422: "Invalid input (errors per field; also NUL characters, unpaired surrogates, numbers out "
    "of range), or a business rule refused (with the reason)",
    429: "Too many failed logins from this client (Retry-After)",
}


def rt() -> Runtime:
    return current_app.extensions["casework"]


def actor() -> Actor:
    return g.actor


def public(view: F) -> F:
    """Mark a view as needing no token."""
    view._casework_public = True  # type: ignore[attr-defined]
    return view


def problems(blp: Any, *codes: int) -> Callable[[F], F]:
    """Document the problem responses an operation may give (401 always, unless public). An
    operation that takes a body (415) may also answer 413."""
    if 415 in codes and 413 not in codes:
        codes = (*codes, 413)

    def deco(view: F) -> F:
        for code in codes:
            view = blp.alt_response(
                code,
                schema=ProblemSchema,
                description=PROBLEM_TEXT[code],
                content_type="application/problem+json",
            )(view)
        return view

    return deco


def expected_version() -> int | None:
    raw = request.headers.get("If-Match")
    if raw is None or raw.strip() == "*":
        return None
    m = _IF_MATCH.match(raw)
    if not m:
        abort(400, description='If-Match must be a case ETag such as "3"')
    return int(m.group(1))


def etag(version: int) -> dict[str, str]:
    return {"ETag": f'"{version}"'}


def page_args(args: dict[str, Any]) -> dict[str, int]:
    return {"page": args.get("page", 1), "per_page": args.get("per_page", 20)}


def csv_download(text: str, filename: str) -> Response:
    """A CSV download: UTF-8 with a byte-order mark, so spreadsheet programs read the Chinese
    headers."""
    return Response(
        text.encode("utf-8-sig"),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


# The OpenAPI alternative answer of a list or report that also comes as CSV (``format=csv``).
CSV_ALT = {
    "schema": {"type": "string"},
    "content_type": "text/csv",
    "description": "JSON, or with format=csv a CSV file (UTF-8 with BOM, Chinese headers)",
    "success": True,
}
