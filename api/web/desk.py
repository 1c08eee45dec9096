"""办案台 /desk: my cases, my unit's queue, and the work orders waiting to be signed for."""

from __future__ import annotations

from typing import Any

from flask import render_template, request

import workflows
from api.web.core import actor, bp, rt
from api.web.forms import clean
from casework.cases import queries as cases
from casework.core.vocab import MAX_PAGE

SCOPES = (("mine", "我的案件"), ("unit", "本单位"), ("all", "我可见的全部"))


def _filters() -> tuple[dict[str, str], dict[str, str]]:
    values, errors = clean(request.args, ("scope", "workflow", "overdue", "q", "page"))
    if values["scope"] not in cases.DESK_SCOPES:
        values["scope"] = "mine"
    if values["workflow"] not in workflows.names():
        values["workflow"] = ""
    if values["overdue"] not in ("", "yes"):
        values["overdue"] = ""
    page = values["page"]
    values["page"] = page if page.isdigit() and 1 <= int(page) <= MAX_PAGE else "1"
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
    choices = [(w, workflows.get(w).label_zh) for w in workflows.names()]
    return render_template(
        "desk.html", view=view, values=values, errors=errors, scopes=SCOPES, workflows=choices
    )
