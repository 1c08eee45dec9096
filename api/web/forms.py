"""Reading HTML forms: each value held to what a service can take, with the reason in 中文 next to
the field when it cannot (never a 500, nothing the user typed lost).

A form posts strings. Typed step data (``allowed_triggers[].fields`` of the case view, built from
``workflows/fields.py``) is turned back into what the JSON API would receive: an integer or an
org unit id as a number, a checkbox as true/false, a "many" field as a list (one item a line, or
every ticked choice); dates, amounts and choices stay strings, which the engine's own fields parse
and check exactly as they do for the API.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from werkzeug.datastructures import MultiDict

from casework.core.vocab import INT32_MAX

_BAD = re.compile("[\x00\ud800-\udfff]")
BAD_CHARACTER = "含有不可见的控制字符，请删除后重试"
MAX_FIELD = 20_000  # characters in one form value (the longest text a service takes is 10,000)
TOO_LONG = "内容过长"


def _check(value: str) -> str | None:
    if _BAD.search(value):
        return BAD_CHARACTER
    if len(value) > MAX_FIELD:
        return TOO_LONG
    return None


def clean(form: MultiDict[str, str], names: Iterable[str]) -> tuple[dict[str, str], dict[str, str]]:
    """The named values, stripped (missing ones blank), and the complaints about any of them."""
    values: dict[str, str] = {}
    errors: dict[str, str] = {}
    for name in names:
        raw = form.get(name, "")
        problem = _check(raw)
        if problem:
            errors[name] = problem
            values[name] = ""
        else:
            values[name] = raw.strip()
    return values, errors


def step_data(
    form: MultiDict[str, str], fields: list[Mapping[str, Any]]
) -> tuple[dict[str, Any], dict[str, str], dict[str, Any]]:
    """The step's data as the API would receive it, the complaints, and what to show again."""
    data: dict[str, Any] = {}
    errors: dict[str, str] = {}
    shown: dict[str, Any] = {}
    for f in fields:
        name, kind = f["name"], f["type"]
        key = f"f_{name}"
        raws = form.getlist(key)
        bad = next((p for p in map(_check, raws) if p), None)
        if bad:
            errors[name] = bad
            continue
        if kind == "boolean":
            data[name] = bool(raws) and raws[-1] in ("true", "on", "1")
            shown[name] = data[name]
            continue
        if f["many"]:
            items = [line.strip() for raw in raws for line in raw.splitlines() if line.strip()]
            shown[name] = items if kind == "enum" else "\n".join(items)
            if items:
                data[name] = items
            elif f["required"]:
                errors[name] = "必填"
            continue
        value = (raws[-1] if raws else "").strip()
        shown[name] = value
        if not value:
            if f["required"]:
                errors[name] = "必填"
            continue
        if kind in ("integer", "org_unit"):
            if not re.fullmatch(r"-?[0-9]{1,12}", value):
                errors[name] = "应为整数"
                continue
            data[name] = int(value)
        else:
            data[name] = value
    return data, errors, shown


def field_of(error_field: str) -> str:
    """The form field an engine complaint names: ``data.order_amount`` → ``order_amount``."""
    return error_field.removeprefix("data.").split(".", 1)[0]


def parse_id(raw: str) -> int | None:
    """A row id from a form (a chosen worker, user or unit): 1 to 2³¹−1, else None."""
    if not re.fullmatch(r"[0-9]{1,10}", raw):
        return None
    value = int(raw)
    return value if 1 <= value <= INT32_MAX else None
