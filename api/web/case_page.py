"""案件页 /cases/<id>: the facts, parties (masked; reveal with a reason), the timeline, every clock
with its arithmetic, the next lawful steps as forms built from the typed step data, documents,
assignment, comments, escalation and the clock acts the law allows.

Every form carries the case version it was drawn from; the service refuses a stale one, and the
page then says 案件已被他人修改，请刷新 with the case as it now is — never a silent overwrite.
After a write the browser is sent back to the page (POST → redirect → GET)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from werkzeug.datastructures import MultiDict

from api.web.core import actor, bp, rt
from api.web.forms import clean, field_of, parse_id, step_data
from casework import desks
from casework.cases import queries as cases
from casework.cases import service as case_service
from casework.clocks import service as clock_service
from casework.core.errors import (
    Conflict,
    DomainError,
    GuardRefused,
    InvalidInput,
    LevelTooLow,
    NotPermitted,
    TransitionNotAllowed,
    UnknownTrigger,
    VersionConflict,
)
from casework.escalation import service as escalation_service

CASE = "/cases/<id:case_id>"
CLOCK = CASE + "/clocks/<string(minlength=1, maxlength=48):rule>"
STALE = "案件已被他人修改，请刷新"
_VERSION = re.compile(r"[0-9]{1,9}")


def _page(
    case_id: int,
    status: int = 200,
    *,
    form: str | None = None,
    errors: dict[str, str] | None = None,
    values: dict[str, Any] | None = None,
    banner: str | None = None,
    revealed: dict[str, Any] | None = None,
) -> Any:
    view = desks.case_page(rt().reader(), actor=actor(), case_id=case_id)
    return (
        render_template(
            "case.html",
            view=view,
            c=view["case"],
            form=form,
            errors=errors or {},
            values=values or {},
            banner=banner,
            revealed=revealed,
        ),
        status,
    )


def _version(form: MultiDict[str, str]) -> int | None:
    raw = form.get("version", "")
    return int(raw) if _VERSION.fullmatch(raw) else None


def _act(
    case_id: int,
    form_name: str,
    values: dict[str, Any],
    errors: dict[str, str],
    call: Callable[[], object],
    done: str,
) -> Any:
    """Run one service call for a form; show the page again with the reason if it is refused."""
    if errors:
        return _page(case_id, 422, form=form_name, errors=errors, values=values)
    try:
        call()
    except VersionConflict:
        return _page(case_id, 409, banner=STALE)
    except InvalidInput as exc:
        errors = {field_of(exc.field): exc.reason_zh}
        return _page(case_id, 422, form=form_name, errors=errors, values=values)
    except (GuardRefused, LevelTooLow, UnknownTrigger, TransitionNotAllowed, Conflict) as exc:
        status = 409 if isinstance(exc, TransitionNotAllowed | Conflict) else 422
        errors = {"_form": exc.message_zh}
        return _page(case_id, status, form=form_name, errors=errors, values=values)
    except NotPermitted as exc:
        return _page(case_id, 403, form=form_name, errors={"_form": exc.message_zh}, values=values)
    flash(done)
    return redirect(url_for("web.case_page", case_id=case_id))


@bp.get(CASE)
def case_page(case_id: int) -> Any:
    return _page(case_id)


@bp.post(CASE + "/steps/<string(minlength=1, maxlength=64):trigger>")
def case_step(case_id: int, trigger: str) -> Any:
    """One of the allowed next steps, its data typed by the step's own fields."""
    detail = cases.case_detail(rt().reader(), actor=actor(), case_id=case_id)
    option = next((o for o in detail["allowed_triggers"] if o["trigger"] == trigger), None)
    fields = option["fields"] if option else []
    data, errors, shown = step_data(request.form, fields)
    note, note_errors = clean(request.form, ("comment",))
    errors.update(note_errors)
    label = option["label_zh"] if option else trigger
    return _act(
        case_id,
        f"step:{trigger}",
        {**shown, "comment": note["comment"]},
        errors,
        lambda: case_service.fire(
            rt().uow(),
            case_id=case_id,
            trigger=trigger,
            actor=actor(),
            data=data,
            comment=note["comment"] or None,
            expected_version=_version(request.form),
        ),
        f"已办理：{label}",
    )


@bp.post(CASE + "/comments")
def case_comment(case_id: int) -> Any:
    values, errors = clean(request.form, ("text",))
    if not errors and not values["text"]:
        errors["text"] = "请填写备注内容"
    return _act(
        case_id,
        "comment",
        values,
        errors,
        lambda: case_service.comment(
            rt().uow(),
            case_id=case_id,
            text=values["text"],
            actor=actor(),
            expected_version=_version(request.form),
        ),
        "备注已添加",
    )


@bp.post(CASE + "/assignment")
def case_assign(case_id: int) -> Any:
    values, errors = clean(request.form, ("user_id",))
    user_id = parse_id(values["user_id"])
    if not errors and user_id is None:
        errors["user_id"] = "请选择承办人"
    return _act(
        case_id,
        "assign",
        values,
        errors,
        lambda: case_service.assign(
            rt().uow(),
            case_id=case_id,
            user_id=user_id,  # type: ignore[arg-type]
            actor=actor(),
            expected_version=_version(request.form),
        ),
        "已分派",
    )


@bp.post(CASE + "/escalation")
def case_escalate(case_id: int) -> Any:
    values, errors = clean(request.form, ("reason", "comment"))
    return _act(
        case_id,
        "escalate",
        values,
        errors,
        lambda: escalation_service.request_escalation(
            rt().uow(),
            case_id=case_id,
            actor=actor(),
            reason=values["reason"],
            comment=values["comment"],
            expected_version=_version(request.form),
        ),
        "已申请上提，上级工会已收到通知",
    )


@bp.post(CASE + "/take-over")
def case_take_over(case_id: int) -> Any:
    values, errors = clean(request.form, ("comment",))
    return _act(
        case_id,
        "take_over",
        values,
        errors,
        lambda: escalation_service.take_over(
            rt().uow(),
            case_id=case_id,
            actor=actor(),
            comment=values["comment"],
            expected_version=_version(request.form),
        ),
        "已提级办理（上代下），案件转入本单位",
    )


@bp.post(CLOCK + "/pause")
def clock_pause(case_id: int, rule: str) -> Any:
    values, errors = clean(request.form, ("reason",))
    return _act(
        case_id,
        f"pause:{rule}",
        values,
        errors,
        lambda: clock_service.pause_clock(
            rt().uow(),
            case_id=case_id,
            rule=rule,
            reason=values["reason"],
            actor=actor(),
            expected_version=_version(request.form),
        ),
        "计时已暂停",
    )


@bp.post(CLOCK + "/resume")
def clock_resume(case_id: int, rule: str) -> Any:
    values, errors = clean(request.form, ("reason",))
    return _act(
        case_id,
        f"resume:{rule}",
        values,
        errors,
        lambda: clock_service.resume_clock(
            rt().uow(),
            case_id=case_id,
            rule=rule,
            reason=values["reason"],
            actor=actor(),
            expected_version=_version(request.form),
        ),
        "计时已恢复",
    )


@bp.post(CLOCK + "/extension")
def clock_extend(case_id: int, rule: str) -> Any:
    values, errors = clean(request.form, ("days", "basis", "approver", "note"))
    if not errors and not re.fullmatch(r"[0-9]{1,4}", values["days"]):
        errors["days"] = "请填写延长的天数（整数）"
    return _act(
        case_id,
        f"extend:{rule}",
        values,
        errors,
        lambda: clock_service.extend_clock(
            rt().uow(),
            case_id=case_id,
            rule=rule,
            days=int(values["days"]),
            basis=values["basis"],
            approver=values["approver"] or None,
            note=values["note"] or None,
            actor=actor(),
            expected_version=_version(request.form),
        ),
        "期限已延长",
    )


@bp.post(CASE + "/reveal")
def case_reveal(case_id: int) -> Any:
    """Show one worker's ID number or phone to a caseworker acting on the case, with a reason
    (recorded in the history). The value is in this one answer only: never in a URL, a cookie or
    a log."""
    values, errors = clean(request.form, ("person_id", "field", "reason"))
    person_id = parse_id(values["person_id"])
    if not errors and person_id is None:
        errors["person_id"] = "请选择职工"
    if errors:
        return _page(case_id, 422, form="reveal", errors=errors, values=values)
    try:
        value = case_service.reveal(
            rt().uow(),
            case_id=case_id,
            person_id=person_id,  # type: ignore[arg-type]
            field=values["field"],
            reason=values["reason"],
            actor=actor(),
        )
    except InvalidInput as exc:
        errors = {field_of(exc.field): exc.reason_zh}
        return _page(case_id, 422, form="reveal", errors=errors, values=values)
    except DomainError as exc:
        return _page(case_id, 422, form="reveal", errors={"_form": exc.message_zh}, values=values)
    revealed = {"person_id": person_id, "field": values["field"], "value": value}
    return _page(case_id, revealed=revealed)
