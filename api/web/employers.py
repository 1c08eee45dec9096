"""用人单位与劳动关系预警: the employer search (/employers?q=), the dossier (/employers/<id>), the
warnings board of the supervisor desk (a fragment /supervise/warnings that /supervise loads)
and the disposition forms, which post to the same service as the REST API's disposition.

Reads go to :mod:`casework.warnings.queries` (the dossier and the board the API answers with);
writes make one service call each and come back to the page they were posted from, with the
result or the 中文 reason it was refused.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import flash, redirect, render_template, request, url_for

from api.web.core import actor, bp, rt, safe_next
from api.web.forms import clean, parse_id
from casework.core.errors import DomainError, InvalidInput
from casework.core.vocab import DISPOSITIONS, EMPLOYER_REPORTS, WARNING_LEVEL_LABELS_ZH
from casework.people import service as people_service
from casework.warnings import queries as warning_queries
from casework.warnings import service as warnings_service

# How many warnings the board shows (most urgent first); the rest are counted.
BOARD_SIZE = 50
DISPOSE_FIELDS = ("action", "note", "investigators", "addressee", "version", "next")


@bp.get("/employers")
def employers() -> Any:
    values, errors = clean(request.args, ("q",))
    found = None
    if values["q"] and not errors:
        try:
            found = warning_queries.employer_search(
                rt().reader(), actor=actor(), q=values["q"], per_page=50
            )
        except DomainError as exc:
            errors["q"] = exc.message_zh
    return render_template("employers.html", values=values, errors=errors, found=found)


@bp.get("/employers/<id:employer_id>")
def employer_page(employer_id: int) -> Any:
    view = warning_queries.dossier(rt().reader(), actor=actor(), employer_id=employer_id)
    return render_template(
        "employer.html",
        view=view,
        dispositions=DISPOSITIONS,
        reports=EMPLOYER_REPORTS,
        here=url_for("web.employer_page", employer_id=employer_id),
    )


@bp.get("/supervise/warnings")
def warnings_board() -> Any:
    """The warnings board: open warnings of the caller's part of the tree, red first."""
    board = warning_queries.warnings(
        rt().reader(), actor=actor(), status="open", per_page=BOARD_SIZE
    ).as_dict()
    return render_template(
        "_warnings.html",
        board=board,
        dispositions=DISPOSITIONS,
        levels=WARNING_LEVEL_LABELS_ZH,
        here=url_for("web.supervise"),
    )


@bp.post("/warnings/<id:warning_id>/dispose")
def warning_dispose(warning_id: int) -> Any:
    values, errors = clean(request.form, DISPOSE_FIELDS)
    back = safe_next(values["next"]) or url_for("web.supervise")
    if errors:
        flash(f"未能处置预警：{next(iter(errors.values()))}", "error")
        return redirect(back)
    version = parse_id(values["version"]) if values["version"] else None
    try:
        done = warnings_service.dispose(
            rt().uow(),
            actor=actor(),
            warning_id=warning_id,
            action=values["action"],
            note=values["note"] or None,
            investigators=[n for n in values["investigators"].splitlines() if n.strip()],
            addressee=values["addressee"] or None,
            expected_version=version,
        )
    except DomainError as exc:
        flash(f"未能处置预警：{exc.message_zh}", "error")
    else:
        flash(f"预警已处置：{DISPOSITIONS[done.disposition or '']}")
    return redirect(back)


@bp.post("/employers/<id:employer_id>/events")
def employer_report(employer_id: int) -> Any:
    """登记工会干部被解除劳动合同: the event that feeds its early-warning rule."""
    values, errors = clean(request.form, ("kind", "occurred_on", "note"))
    back = url_for("web.employer_page", employer_id=employer_id)
    if errors:
        flash(f"未能登记：{next(iter(errors.values()))}", "error")
        return redirect(back)
    try:
        occurred = _date(values["occurred_on"])
        people_service.report_employer_event(
            rt().uow(),
            actor=actor(),
            employer_id=employer_id,
            kind=values["kind"],
            occurred_on=occurred,
            note=values["note"] or None,
        )
    except DomainError as exc:
        flash(f"未能登记：{exc.message_zh}", "error")
    else:
        flash(f"已登记：{EMPLOYER_REPORTS.get(values['kind'], values['kind'])}")
    return redirect(back)


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(
            "occurred_on", "请填写发生日期（年-月-日）", "a date is required"
        ) from None
