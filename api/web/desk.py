"""办案台 /desk: my cases, my unit's queue, and the work orders waiting to be signed for."""

from __future__ import annotations

import re
from typing import Any

from flask import flash, redirect, render_template, request, url_for

import workflows
from api.web.core import actor, bp, rt
from api.web.forms import clean
from casework.cases import queries as cases
from casework.cases import service as case_service
from casework.cases.rules import DESK_SCOPES
from casework.core.errors import InvalidInput
from casework.core.vocab import MAX_PAGE

SCOPES = (("mine", "我的案件"), ("unit", "本单位"), ("all", "我可见的全部"))


def _filters() -> tuple[dict[str, str], dict[str, str]]:
    values, errors = clean(request.args, ("scope", "workflow", "overdue", "q", "page"))
    if values["scope"] not in DESK_SCOPES:
        values["scope"] = "mine"
    if values["workflow"] not in workflows.names():
        values["workflow"] = ""
    if values["overdue"] not in ("", "yes"):
        values["overdue"] = ""
    page = values["page"]
    values["page"] = (
        page if re.fullmatch(r"[0-9]{1,7}", page) and 1 <= int(page) <= MAX_PAGE else "1"
    )
    values["q"] = values["q"][:100]
    return values, errors


@bp.get("/desk")
def desk() -> Any:
    values, errors = _filters()
    view = cases.desk(
        rt().reader(),
        actor=actor(),
        scope=values["scope"],
        workflow=values["workflow"] or None,
        overdue=True if values["overdue"] else None,
        q=values["q"] or None,
        page=int(values["page"]),
    )
    return _render(view, values, errors)


def _render(
    view: dict[str, Any], values: dict[str, str], errors: dict[str, str], status: int = 200
) -> Any:
    choices = [(w, workflows.get(w).label_zh) for w in workflows.names()]
    current = {k: v for k, v in values.items() if k in ("scope", "workflow", "overdue", "q") and v}
    return (
        render_template(
            "desk.html",
            view=view,
            values=values,
            errors=errors,
            scopes=SCOPES,
            workflows=choices,
            current=current,
        ),
        status,
    )


@bp.post("/desk/filters")
def desk_save_filter() -> Any:
    """Save the filter the desk shows now under a name (the same name replaces it)."""
    values, errors = clean(request.form, ("name", "scope", "workflow", "overdue", "q"))
    params = {k: values[k] for k in ("scope", "workflow", "overdue", "q")}
    if not errors:
        try:
            case_service.save_filter(rt().uow(), actor=actor(), name=values["name"], params=params)
        except InvalidInput as exc:
            errors[exc.field if exc.field == "name" else "name"] = exc.reason_zh
    if errors:
        view = cases.desk(rt().reader(), actor=actor(), scope=params["scope"] or "mine")
        return _render(view, {**params, "name": values["name"], "page": "1"}, errors, 422)
    flash(f"已保存筛选：{values['name']}")
    return redirect(url_for("web.desk", **{k: v for k, v in params.items() if v}))


@bp.post("/desk/filters/<id:filter_id>/delete")
def desk_delete_filter(filter_id: int) -> Any:
    case_service.delete_filter(rt().uow(), actor=actor(), filter_id=filter_id)
    flash("已删除筛选")
    return redirect(url_for("web.desk"))
