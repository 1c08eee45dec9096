"""热线受理 /hotline: the keyboard-first intake of a 12351 call, the repeat-caller hint and the
routing preview before anything is filed, and the call-back queue with one-click outcomes.

The caller's phone or ID number reaches the lookup in a POST body (htmx), never in a URL. Each
rendered form carries its own idempotency key: a double click or a resent form files once."""

from __future__ import annotations

import re
import uuid
from typing import Any

from flask import flash, redirect, render_template, request, url_for

from api.web.core import actor, bp, rt
from api.web.forms import clean
from casework import desks
from casework.core.errors import DomainError, InvalidInput, VersionConflict
from casework.intake import queries as intake_queries
from casework.intake import service as intake

FIELDS = (
    "caller_name",
    "caller_phone",
    "caller_id_number",
    "category",
    "complexity",
    "worker_count",
    "amount_claimed",
    "employer_name",
    "employer_credit_code",
    "employer_org_unit_code",
    "description",
    "answer",
    "complained_unit_code",
    "mass_incident",
    "idempotency_key",
)
# The service names fields as the JSON API does; the form's names differ.
FORM_FIELD = {
    "caller.name": "caller_name",
    "caller.phone": "caller_phone",
    "caller.id_number": "caller_id_number",
    "employer": "employer_name",
    "employer.name": "employer_name",
    "employer.credit_code": "employer_credit_code",
    "employer.org_unit_code": "employer_org_unit_code",
}
_KEY = re.compile(r"[A-Za-z0-9-]{8,64}")
_DIGITS = re.compile(r"[0-9]{1,6}")


def _console(
    values: dict[str, str] | None = None, errors: dict[str, str] | None = None, status: int = 200
) -> Any:
    view = desks.hotline_console(rt().reader(), actor=actor())
    values = dict(values or {})
    values.setdefault("complexity", "normal")
    values.setdefault("worker_count", "1")
    if not _KEY.fullmatch(values.get("idempotency_key", "")):
        values["idempotency_key"] = str(uuid.uuid4())
    return (
        render_template("hotline.html", view=view, values=values, errors=errors or {}),
        status,
    )


@bp.get("/hotline")
def hotline() -> Any:
    return _console()


@bp.post("/hotline/intakes")
def hotline_file() -> Any:
    values, errors = clean(request.form, FIELDS)
    count = values["worker_count"] or "1"
    if not errors and not _DIGITS.fullmatch(count):
        errors["worker_count"] = "涉及人数必须是1到100000之间的整数"
    if errors:
        return _console(values, errors, 422)
    employer = None
    if values["employer_name"] or values["employer_credit_code"]:
        employer = intake.EmployerInput(
            values["employer_name"],
            values["employer_credit_code"] or None,
            values["employer_org_unit_code"] or None,
        )
    try:
        result = intake.file_intake(
            rt().uow(),
            actor=actor(),
            caller=intake.CallerInput(
                values["caller_name"], values["caller_phone"], values["caller_id_number"] or None
            ),
            employer=employer,
            category=values["category"],
            complexity=values["complexity"] or "normal",
            worker_count=int(count),
            amount_claimed=values["amount_claimed"] or None,
            description=values["description"],
            answer=values["answer"] or None,
            complained_unit_code=values["complained_unit_code"] or None,
            mass_incident=values["mass_incident"] in ("true", "on"),
            idempotency_key=values["idempotency_key"]
            if _KEY.fullmatch(values["idempotency_key"])
            else None,
        )
    except InvalidInput as exc:
        errors[FORM_FIELD.get(exc.field, exc.field)] = exc.reason_zh
        return _console(values, errors, 422)
    except DomainError as exc:
        errors["_form"] = exc.message_zh
        return _console(values, errors, 422)
    body = result.body
    order = body["work_order"]
    routed = body["routed_to"]
    if body.get("repeat_call"):
        text = f"重复来电，已并入在办工单 {order['ref']}"
    elif routed.get("manual_dispatch"):
        text = f"工单 {order['ref']} 已登记，待人工派单"
    elif order["state"] in ("answered", "closed"):
        text = f"工单 {order['ref']} 已登记并答复"
    else:
        text = f"工单 {order['ref']} 已登记，已派至 {routed['name']}"
    flash(text)
    return redirect(url_for("web.hotline"))


@bp.post("/hotline/lookup")
def hotline_lookup() -> Any:
    """The caller's open work within scope, as the number is typed (htmx fragment)."""
    values, _ = clean(request.form, ("caller_phone", "caller_id_number"))
    phone = re.sub(r"[\s-]", "", values["caller_phone"])
    id_number = values["caller_id_number"].replace(" ", "")
    given = {}
    if re.fullmatch(r"(\+?86)?1[3-9][0-9]{9}", phone):
        given["phone"] = phone
    elif re.fullmatch(r"[0-9]{17}[0-9Xx]", id_number):
        given["id_number"] = id_number
    if not given:
        return render_template("_caller.html", matters=None)
    try:
        matters = intake_queries.caller_matters(rt().reader(), actor=actor(), **given)
    except InvalidInput:
        matters = None
    return render_template("_caller.html", matters=matters)


@bp.post("/hotline/route")
def hotline_route() -> Any:
    """The routing preview (htmx fragment): 将派至 …"""
    values, _ = clean(
        request.form,
        (
            "category",
            "employer_name",
            "employer_credit_code",
            "employer_org_unit_code",
            "worker_count",
        ),
    )
    count = values["worker_count"]
    preview = intake_queries.routing_preview(
        rt().reader(),
        actor=actor(),
        category=values["category"],
        employer_name=values["employer_name"][:200],
        credit_code=values["employer_credit_code"][:18],
        org_unit_code=values["employer_org_unit_code"][:64],
        worker_count=int(count) if _DIGITS.fullmatch(count) else 1,
    )
    return render_template("_route.html", preview=preview)


@bp.post("/hotline/callbacks/<id:order_id>")
def hotline_callback(order_id: int) -> Any:
    values, errors = clean(request.form, ("outcome", "note", "version"))
    version = int(values["version"]) if _DIGITS.fullmatch(values["version"]) else None
    try:
        if errors:
            raise InvalidInput("note", next(iter(errors.values())), "bad character")
        intake.record_callback(
            rt().uow(),
            order_id=order_id,
            outcome=values["outcome"],
            note=values["note"],
            actor=actor(),
            expected_version=version,
        )
    except VersionConflict:
        flash("工单已被他人修改，请刷新后重试", "error")
    except DomainError as exc:
        flash(f"未能登记回访：{exc.message_zh}", "error")
    else:
        flash("回访结果已登记")
    return redirect(url_for("web.hotline") + "#callbacks-h")
