"""督办台 /supervise: the escalation inbox with an unread count that updates by itself (htmx
polling), the overdue and due-soon cases of the whole subtree by unit, take over (上代下) and
催办, and the figures of the two reports with charts, CSV and XLSX downloads."""

from __future__ import annotations

from itertools import groupby
from typing import Any

from flask import Response, flash, redirect, render_template, request, url_for

from api.http import csv_download
from api.web.core import actor, bp, rt
from api.web.forms import clean
from casework import desks, reports
from casework.core.errors import DomainError
from casework.escalation import service as escalation_service
from casework.notices import service as notice_service

# How often the inbox asks for news (seconds).
POLL_SECONDS = 5


def _by_unit(rows: list[dict[str, Any]]) -> list[tuple[str, list[dict[str, Any]]]]:
    ordered = sorted(rows, key=lambda r: (r["org_unit"]["name"], r["id"]))
    return [
        (name, list(group)) for name, group in groupby(ordered, lambda r: r["org_unit"]["name"])
    ]


@bp.get("/supervise")
def supervise() -> Any:
    view = desks.supervise(rt().reader(), actor=actor())
    return render_template(
        "supervise.html",
        view=view,
        overdue_by_unit=_by_unit(view["overdue"]["items"]),
        soon_by_unit=_by_unit(view["due_soon"]),
        poll=POLL_SECONDS,
    )


@bp.get("/supervise/inbox")
def supervise_inbox() -> Any:
    """The inbox fragment the page polls: the unread count and the escalations."""
    view = desks.supervise_inbox(rt().reader(), actor=actor())
    return render_template("_inbox.html", view=view, poll=POLL_SECONDS)


@bp.post("/supervise/notices/<id:notification_id>/read")
def supervise_ack(notification_id: int) -> Any:
    notice_service.acknowledge(rt().uow(), actor=actor(), notification_id=notification_id)
    if request.headers.get("HX-Request"):
        return supervise_inbox()
    return redirect(url_for("web.supervise"))


@bp.post("/supervise/cases/<id:case_id>/urge")
def supervise_urge(case_id: int) -> Any:
    values, errors = clean(request.form, ("note",))
    try:
        escalation_service.urge(rt().uow(), case_id=case_id, actor=actor(), note=values["note"])
    except DomainError as exc:
        flash(f"未能催办：{exc.message_zh}", "error")
    else:
        flash("已催办，承办单位已收到通知")
    return redirect(url_for("web.supervise"))


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _xlsx(data: bytes, filename: str) -> Response:
    return Response(
        data,
        mimetype=XLSX,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@bp.get("/supervise/deadlines.xlsx")
def supervise_deadlines_xlsx() -> Any:
    """The overdue and due-soon cases of the subtree as a workbook (one sheet each)."""
    view = desks.supervise_deadlines(rt().reader(), actor=actor())
    return _xlsx(desks.deadlines_xlsx(view), "casework-deadlines.xlsx")


@bp.get("/supervise/summary.xlsx")
def supervise_summary_xlsx() -> Any:
    report = reports.summary(rt().reader(), actor=actor())
    return _xlsx(desks.summary_xlsx(report), "casework-summary.xlsx")


@bp.get("/supervise/summary.csv")
def supervise_summary_csv() -> Any:
    return csv_download(
        reports.summary_csv(reports.summary(rt().reader(), actor=actor())), "casework-summary.csv"
    )


@bp.get("/supervise/hotline.csv")
def supervise_hotline_csv() -> Any:
    return csv_download(
        reports.hotline_csv(reports.hotline(rt().reader(), actor=actor())), "casework-hotline.csv"
    )
