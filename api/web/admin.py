"""管理 /admin: org units (name, level, 发文机关代字), users (create, deactivate, reset the
password), the working-day calendar (a year's exceptions; set or unset a day; import the State
Council's schedule for a year) and employers (move one to another union body). Admins only: the
services refuse anyone else, and the page says so."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

from flask import flash, redirect, render_template, request, url_for

from api.web.core import actor, bp, rt
from api.web.forms import clean, parse_id
from casework import desks
from casework.clocks import service as clock_service
from casework.core.errors import Conflict, InvalidInput, NotFound, NotPermitted
from casework.core.time import local_date
from casework.core.vocab import CALENDAR_YEARS
from casework.people import service as people_service

_YEAR = re.compile(r"[0-9]{4}")


def _year(raw: str | None) -> int:
    if raw and _YEAR.fullmatch(raw) and CALENDAR_YEARS[0] <= int(raw) <= CALENDAR_YEARS[1]:
        return int(raw)
    return local_date(dt.datetime.now(dt.UTC)).year


def _q() -> str:
    """The employer search of the page (a name, at most 60 characters)."""
    values, errors = clean(request.args, ("q",))
    return "" if errors else values["q"][:60]


def _page(
    year: int,
    status: int = 200,
    form: str | None = None,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
) -> Any:
    q = _q()
    view = desks.admin_page(rt().reader(), actor=actor(), year=year, employer_q=q)
    return (
        render_template(
            "admin.html",
            view=view,
            year=year,
            q=q,
            form=form,
            values=values or {},
            errors=errors or {},
        ),
        status,
    )


def _act(
    form: str, values: dict[str, Any], errors: dict[str, str], call: Callable[[], object], done: str
) -> Any:
    year = _year(request.args.get("year"))
    if not errors:
        try:
            call()
        except InvalidInput as exc:
            errors = {exc.field.rsplit(".", 1)[-1]: exc.reason_zh}
        except (Conflict, NotFound, NotPermitted) as exc:
            errors = {"_form": exc.message_zh}
    if errors:
        return _page(year, 422, form, values, errors)
    flash(done)
    return redirect(_back(year))


def _back(year: int) -> str:
    return url_for("web.admin", year=year, q=_q() or None)


@bp.get("/admin")
def admin() -> Any:
    return _page(_year(request.args.get("year")))


@bp.post("/admin/units/<id:unit_id>")
def admin_unit(unit_id: int) -> Any:
    values, errors = clean(request.form, ("name", "doc_abbr", "doc_kind_marker"))
    return _act(
        f"unit:{unit_id}",
        values,
        errors,
        lambda: people_service.update_org_unit(
            rt().uow(),
            actor=actor(),
            unit_id=unit_id,
            name=values["name"] or None,
            doc_abbr=values["doc_abbr"],
            doc_kind_marker=values["doc_kind_marker"] == "true",
        ),
        "组织信息已保存",
    )


@bp.post("/admin/users")
def admin_new_user() -> Any:
    values, errors = clean(request.form, ("username", "display_name", "org_unit_id", "password"))
    roles = [r for r in request.form.getlist("roles") if r in dict(desks.ROLE_LABELS_ZH)]
    unit_id = parse_id(values["org_unit_id"])
    if not errors and unit_id is None:
        errors["org_unit_id"] = "请选择所属组织"
    if not errors and not roles:
        errors["roles"] = "请至少选择一个角色"
    return _act(
        "new_user",
        {**values, "password": "", "roles": roles},
        errors,
        lambda: people_service.create_user(
            rt().uow(),
            actor=actor(),
            username=values["username"],
            display_name=values["display_name"],
            roles=roles,
            password=values["password"],
            org_unit_id=unit_id,
        ),
        f"已新建用户 {values['username']}",
    )


@bp.post("/admin/users/<id:user_id>/active")
def admin_user_active(user_id: int) -> Any:
    values, errors = clean(request.form, ("active",))
    active = values["active"] == "true"
    return _act(
        f"user:{user_id}",
        values,
        errors,
        lambda: people_service.update_user(
            rt().uow(), actor=actor(), user_id=user_id, is_active=active
        ),
        "用户已启用" if active else "用户已停用，其登录已失效",
    )


@bp.post("/admin/users/<id:user_id>/password")
def admin_user_password(user_id: int) -> Any:
    values, errors = clean(request.form, ("password",))
    return _act(
        f"password:{user_id}",
        {},
        errors,
        lambda: people_service.update_user(
            rt().uow(), actor=actor(), user_id=user_id, password=values["password"]
        ),
        "密码已重置，该用户原有的登录已失效",
    )


def _day(raw: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(raw) if len(raw) == 10 else None
    except ValueError:
        return None


@bp.post("/admin/calendar")
def admin_calendar_set() -> Any:
    values, errors = clean(request.form, ("day", "kind", "name"))
    day = _day(values["day"])
    if not errors and day is None:
        errors["day"] = "日期格式应为 YYYY-MM-DD"
    if not errors and values["kind"] not in ("workday", "holiday"):
        errors["kind"] = "请选择 工作日 或 休息日"
    return _act(
        "calendar",
        values,
        errors,
        lambda: clock_service.set_calendar_day(
            rt().uow(),
            actor=actor(),
            day=day,  # type: ignore[arg-type]
            is_workday=values["kind"] == "workday",
            name=values["name"] or None,
        ),
        f"{values['day']} 已设为{'工作日' if values['kind'] == 'workday' else '休息日'}",
    )


@bp.post("/admin/calendar/<string(length=10):day>/unset")
def admin_calendar_unset(day: str) -> Any:
    when = _day(day)
    errors = {} if when is not None else {"day": "日期格式应为 YYYY-MM-DD"}
    return _act(
        "calendar",
        {"day": day},
        errors,
        lambda: clock_service.unset_calendar_day(
            rt().uow(),
            actor=actor(),
            day=when,  # type: ignore[arg-type]
        ),
        f"{day} 已恢复为公布的安排",
    )


@bp.post("/admin/calendar/import")
def admin_calendar_import() -> Any:
    """Import a year's published schedule from a file (CSV ``date,is_workday,name`` or JSON,
    the format of ``casework calendar import``); one bad line refuses the whole file, the
    reason (with the line) shown next to the field."""
    year = _year(request.args.get("year"))
    upload = request.files.get("schedule")
    content = upload.read(clock_service.MAX_SCHEDULE_BYTES + 1) if upload else b""
    name = (upload.filename or "") if upload else ""
    try:
        days, years = clock_service.import_calendar_schedule(
            rt().uow(), actor=actor(), content=content, filename=name
        )
    except InvalidInput as exc:
        return _page(year, 422, "calendar_import", {}, {"schedule": exc.reason_zh})
    shown = "、".join(f"{y} 年" for y in years)
    flash(f"已导入 {days} 天的放假安排，{shown}日历已核实")
    return redirect(url_for("web.admin", year=years[0]))


@bp.post("/admin/employers/<id:employer_id>/unit")
def admin_employer_move(employer_id: int) -> Any:
    """Place an employer under another union body (later calls route from there); recorded
    with who, when and why."""
    values, errors = clean(request.form, ("org_unit_id", "reason"))
    unit_id = parse_id(values["org_unit_id"])
    if not errors and unit_id is None:
        errors["org_unit_id"] = "请选择所属工会"
    return _act(
        f"employer:{employer_id}",
        values,
        errors,
        lambda: people_service.move_employer(
            rt().uow(),
            actor=actor(),
            employer_id=employer_id,
            org_unit_id=unit_id,  # type: ignore[arg-type]
            reason=values["reason"] or None,
        ),
        "用人单位已调整所属工会，此后的来电按新单位派单",
    )
