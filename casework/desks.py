"""The reads behind the web desks: each page's data in one read-only unit of work, composed from
the slices' own queries (the same views the REST API answers with), plus the words a page shows
for a clock's arithmetic. Reads only; the pages write through the services."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable, Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy import func, select

import workflows
from casework import reports
from casework.cases import queries as cases
from casework.clocks.calendar import load_calendar, year_listing
from casework.clocks.queries import active_clocks, badge, badges
from casework.core.time import local_date
from casework.core.uow import UnitOfWork
from casework.core.vocab import (
    ANSWERED_ON_CALL,
    CALLBACK_BUTTON_LABELS,
    CATEGORY_LABELS_ZH,
    EMPLOYER_OPTIONAL,
    ESCALATION_REASONS,
    EXTENSION_BASES,
    LEVEL_LABELS_ZH,
    MANUAL_ESCALATION_REASONS,
    MAX_PER_PAGE,
    ROLES,
    SYSTEM,
    TIER_LABELS_ZH,
)
from casework.documents import queries as documents
from casework.escalation import queries as escalations
from casework.intake import queries as intake_queries
from casework.models import Case, Notification, OrgUnit
from casework.notices.queries import addressed_to
from casework.people import queries as people
from casework.people.access import Actor, may, require, visible_cases
from workflows.base import WORKING
from workflows.documents import DOCUMENT_KINDS
from workflows.hotline import CALLBACK_OUTCOMES

ASSIGNABLE_LIMIT = 100
EVENT_LIMIT = 200

ROLE_LABELS_ZH = {
    "admin": "管理员",
    "operator": "热线话务员",
    "caseworker": "办案人员",
    "supervisor": "主管",
    "auditor": "审计员",
}

# What each kind of history entry is called on the timeline.
EVENT_LABELS_ZH: dict[str, str] = {
    "created": "立案",
    "case_opened": "开启案件",
    "assigned": "分派",
    "comment": "备注",
    "callback_attempt": "回访未接通",
    "deadline_set": "期限开始",
    "deadline_expired": "期限届满",
    "deadline_extended": "期限延长",
    "deadline_paused": "计时暂停",
    "deadline_resumed": "计时恢复",
    "document_issued": "发出文书",
    "escalated": "上提一级",
    "escalation_at_ceiling": "已至上提上限",
    "extension_requested": "申请延期",
    "extension_decided": "延期审批",
    "mass_incident_reported": "群体性事件报告",
    "mass_incident_report_made": "已向党委政府报告",
    "merged": "并案",
    "pii_revealed": "查看个人信息（留痕）",
    "repeat_call": "重复来电",
    "routed_up": "转上级办理",
    "taken_over": "提级办理（上代下）",
    "urged": "催办",
}


def _labels(workflow: str) -> dict[str, dict[str, str]]:
    """The 中文 names of a workflow's steps, states and recorded fields (for the timeline)."""
    wf = workflows.get(workflow)
    fields = {f.name: f.label_zh for t in wf.transitions for f in t.fields}
    return {
        "triggers": {t.trigger: t.label_zh for t in wf.transitions},
        "states": {name: st.label_zh for name, st in wf.states.items()},
        "fields": fields,
    }


def explain_zh(clock: dict[str, Any], days_left: int | None = None) -> str:
    """A clock's arithmetic in words (the CLI's ``casework explain``, in 中文)."""
    unit = "个工作日" if clock["unit"] == WORKING else "日（自然日）"
    parts = [f"{clock['days']} {unit}，自 {clock['started_on']} 起算（当日不计）"]
    if clock["paused_days"]:
        parts.append(f"暂停 {clock['paused_days']} 天")
    if clock["extended_days"]:
        parts.append(f"延长 {clock['extended_days']} 天")
    text = " + ".join(parts) + f"，计至 {clock['period_end']}"
    if clock["period_end"] != clock["due"]:
        text += "（末日为休息日，顺延）"
    text += f" → {clock['due']} 届满（北京时间当日24时）"
    if not clock["calendar_verified"]:
        text += "；该年度官方日历尚未核实"
    if clock["paused"]:
        text += f"。自 {clock['paused_since']} 暂停：{clock['pause_reason'] or ''}"
        if days_left is not None:
            text += f"，恢复后还剩 {days_left} {unit}"
    return text


def case_page(
    uow: UnitOfWork, *, actor: Actor, case_id: int, now: dt.datetime | None = None
) -> dict[str, Any]:
    """The case page: the case as the API shows it, its clocks in words, the timeline, the
    documents, the caseworkers it may be assigned to, and which side acts the actor may take."""
    now = now or dt.datetime.now(dt.UTC)
    with uow:
        s = uow.session
        detail = cases.case_detail(uow, actor=actor, case_id=case_id, now=now)
        case = cases.visible_case(s, actor, case_id)
        calendar = load_calendar(s)
        clock_badges = {d.rule: badge(d, calendar, now) for d in active_clocks(s, case.id)}
        for clock in detail["deadlines"]:
            left = None
            if clock["paused"] and clock["paused_since"]:
                since = dt.date.fromisoformat(clock["paused_since"])
                end = dt.date.fromisoformat(clock["period_end"])
                left = calendar.elapsed(since, end, clock["unit"])
            clock["explain_zh"] = explain_zh(clock, left)
        total_events = case.event_seq
        first = max(total_events - EVENT_LIMIT, 0) // EVENT_LIMIT + 1
        timeline = cases.events(uow, actor=actor, case_id=case_id, page=first, per_page=EVENT_LIMIT)
        docs = documents.documents(uow, actor=actor, case_id=case_id, per_page=100)
        assignable: list[dict[str, Any]] = []
        if may(actor, "assign", case):
            assignable = [
                u
                for u in people.users(
                    uow, actor=actor, org_unit_id=case.org_unit_id, per_page=ASSIGNABLE_LIMIT
                ).items
                if "caseworker" in u["roles"] and u["is_active"]
            ]
        open_case = case.closed_at is None
        kinds = _draftable_kinds(actor, case) if open_case else []
        acts = {
            "draft": bool(kinds),
            "comment": may(actor, "comment", case),
            "assign": open_case and bool(assignable),
            "reveal": may(actor, "reveal_pii", case),
            "request_escalation": open_case and may(actor, "request_escalation", case),
            "take_over": open_case
            and may(actor, "take_over", case)
            and case.org_unit_id != actor.org_unit_id,
            "manage_clock": open_case and may(actor, "manage_clock", case),
        }
    return {
        "case": detail,
        "badges": clock_badges,
        "labels": _labels(case.workflow),
        "event_labels": EVENT_LABELS_ZH,
        "worker_options": [(str(w["id"]), w["name"]) for w in detail["workers"]],
        "assignee_options": [(str(u["id"]), u["display_name"]) for u in assignable],
        "events": timeline.items,
        "events_total": total_events,
        "documents": docs.items,
        "document_kinds": kinds,
        "default_addressee": detail["employer"]["name"] if detail.get("employer") else "",
        "assignable": assignable,
        "acts": acts,
        "escalation_reasons": [(r, ESCALATION_REASONS[r]) for r in MANUAL_ESCALATION_REASONS],
        "extension_bases": list(EXTENSION_BASES.items()),
        "today": local_date(now).isoformat(),
    }


def _draftable_kinds(actor: Actor, case: Case) -> list[tuple[str, str]]:
    """The kinds of document the case's workflow has that the actor may draft on it: the
    holder's kinds for whoever may issue documents on the case; a 督办函 (from above) only for a
    supervisor of a unit above the one holding it. Whether the case's state allows one now is
    the service's answer, given in 中文 when a draft is refused."""
    mine = may(actor, "issue_document", case)
    above = may(actor, "oversee", case) and actor.org_unit_id not in (None, case.org_unit_id)
    return [
        (k["name"], k["label_zh"])
        for k in documents.document_kinds(case.workflow)
        if (above if DOCUMENT_KINDS[k["name"]].from_above else mine)
    ]


def document_page(
    uow: UnitOfWork, *, actor: Actor, case_id: int, document_id: int
) -> dict[str, Any]:
    """One document of a case: its view, what it says (the GB/T 9704 parts the PDF and DOCX
    print, for an HTML preview), the case it belongs to (with its version, which every form
    carries) and, for a draft, the step issuing it takes with that step's typed fields."""
    with uow:
        s = uow.session
        detail = cases.case_detail(uow, actor=actor, case_id=case_id)
        doc = documents.case_document(s, actor, case_id, document_id)
        case = s.get(Case, doc.case_id)
        issuer = s.get(OrgUnit, doc.issuer_unit_id)
        content = documents.content_of(uow, doc, case, issuer)
        view = documents.document_view(doc, issuer)
        kind = DOCUMENT_KINDS[doc.kind]
        draft = doc.status == "draft"
        step = None
        if draft and kind.trigger:
            step = next(
                (t for t in detail["allowed_triggers"] if t["trigger"] == kind.trigger), None
            )
        may_edit = draft and (
            may(actor, "oversee", case) if kind.from_above else may(actor, "issue_document", case)
        )
    return {
        "case": detail,
        "document": view,
        "draft": draft,
        "content": {
            "issuer_name": content.issuer_name,
            "number_text": content.number_text,
            "title": content.title,
            "addressee": content.addressee,
            "paragraphs": list(content.body_with_reply),
            "citation": content.citation,
            "date_text": content.date_text,
        },
        "step": step,
        "acts": {"edit": may_edit, "issue": may_edit},
        "reply_due": doc.reply_due.isoformat() if doc.reply_due else "",
    }


def unread_escalations(uow: UnitOfWork, *, actor: Actor) -> int:
    """How many escalation notices to the actor (or their unit) are unread: the inbox count."""
    with uow:
        return (
            uow.session.scalar(
                select(func.count(Notification.id)).where(
                    Notification.kind == "escalation",
                    addressed_to(actor),
                    Notification.read_at.is_(None),
                )
            )
            or 0
        )


def supervise(uow: UnitOfWork, *, actor: Actor, now: dt.datetime | None = None) -> dict[str, Any]:
    """The supervisor's desk: the escalation inbox with its unread count, the overdue and
    due-soon open cases of the whole subtree (each with its badge), and the figures of the
    case summary and the 12351 work-order report for the subtree."""
    now = now or dt.datetime.now(dt.UTC)
    with uow:
        inbox = escalations.inbox(uow, actor=actor, per_page=50)
        summary = reports.summary(uow, actor=actor, now=now)
        hotline = reports.hotline(uow, actor=actor, now=now)
        return {
            "unread": unread_escalations(uow, actor=actor),
            "inbox": inbox.as_dict(),
            **supervise_deadlines(uow, actor=actor, now=now),
            "summary": summary,
            "hotline": hotline,
        }


def supervise_deadlines(
    uow: UnitOfWork, *, actor: Actor, now: dt.datetime | None = None
) -> dict[str, Any]:
    """The overdue open cases of the subtree, most overdue first (the first
    :data:`MAX_PER_PAGE`, with the total), and the due-soon ones, each with its badge."""
    now = now or dt.datetime.now(dt.UTC)
    with uow:
        overdue = cases.cases(
            uow,
            actor=actor,
            overdue=True,
            open_only=True,
            with_badges=True,
            per_page=MAX_PER_PAGE,
            now=now,
        )
        return {"overdue": overdue.as_dict(), "due_soon": _due_soon(uow, actor, now)}


def _due_soon(uow: UnitOfWork, actor: Actor, now: dt.datetime) -> list[dict[str, Any]]:
    """Open cases not yet overdue whose nearest clock has reached its reminder (即将到期)."""
    s = uow.session
    horizon = now + dt.timedelta(days=7)
    rows = s.scalars(
        select(Case)
        .where(
            visible_cases(actor),
            Case.closed_at.is_(None),
            Case.next_due_at >= now,
            Case.next_due_at < horizon,
        )
        .order_by(Case.next_due_at, Case.id)
        .limit(100)
    ).all()
    found = badges(s, [c.id for c in rows], now)
    out = []
    for c in rows:
        b = found.get(c.id)
        if b is not None and b["tone"] == "amber":
            out.append({**cases.case_summary(c, now=now), "badge": b})
    return out


def hotline_console(uow: UnitOfWork, *, actor: Actor) -> dict[str, Any]:
    """The hotline console: the call-back queue, and the units of the operator's subtree an
    unregistered employer may be placed under."""
    require(actor, "file_intake")
    with uow:
        callbacks = intake_queries.callback_queue(uow, actor=actor)
        units = people.org_units(uow, actor=actor, per_page=MAX_PER_PAGE).items
    return {
        "callbacks": callbacks,
        "units": [(u["code"], u["name"]) for u in units],
        "categories": list(CATEGORY_LABELS_ZH.items()),
        "tiers": list(TIER_LABELS_ZH.items()),
        "outcomes": [(c, CALLBACK_BUTTON_LABELS.get(c, label)) for c, label in CALLBACK_OUTCOMES],
        "answered_on_call": list(ANSWERED_ON_CALL),
        "employer_optional": list(EMPLOYER_OPTIONAL),
    }


def supervise_inbox(uow: UnitOfWork, *, actor: Actor) -> dict[str, Any]:
    """Just the inbox and its unread count (what the supervisor's page polls)."""
    with uow:
        return {
            "unread": unread_escalations(uow, actor=actor),
            "inbox": escalations.inbox(uow, actor=actor, per_page=50).as_dict(),
        }


ADMIN_LIST_LIMIT = 100


def admin_page(
    uow: UnitOfWork, *, actor: Actor, year: int, employer_q: str | None = None
) -> dict[str, Any]:
    """The administrator's page: the org units (with their 发文机关代字) and users of the
    actor's subtree, one year of the working-day calendar (the days that differ from
    Monday–Friday, and who set them), and the employers of the subtree (by name) with the unit
    each is placed under."""
    require(actor, "change_user")
    with uow:
        units = people.org_units(uow, actor=actor, per_page=ADMIN_LIST_LIMIT)
        users = people.users(uow, actor=actor, per_page=ADMIN_LIST_LIMIT)
        employers = people.employers(uow, actor=actor, q=employer_q, per_page=ADMIN_LIST_LIMIT)
        calendar = year_listing(uow.session, year)
    return {
        "units": units.as_dict(),
        "unit_options": [(str(u["id"]), u["name"]) for u in units.items],
        "users": users.as_dict(),
        "employers": employers.as_dict(),
        "calendar": calendar,
        "roles": [(r, ROLE_LABELS_ZH.get(r, r)) for r in ROLES if r != SYSTEM],
        "levels": list(LEVEL_LABELS_ZH.items()),
    }


# -- spreadsheets (the supervisor desk's XLSX exports) -----------------------------------------

DEADLINE_HEADERS = (
    "单位",
    "案号",
    "流程",
    "状态",
    "用人单位",
    "承办人",
    "期限状态",
    "说明",
    "届满日期",
    "立案日期",
)
DATE_FORMAT = "yyyy-mm-dd"


def _date(value: str | None) -> dt.date | None:
    """An ISO date or timestamp as the Beijing date a spreadsheet shows in a date cell."""
    if not value:
        return None
    if len(value) == 10:
        return dt.date.fromisoformat(value)
    return local_date(dt.datetime.fromisoformat(value.replace("Z", "+00:00")))


def _sheet(ws: Worksheet, headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """Headers in bold, frozen; text always text (a name starting with ``=`` is not a formula),
    dates as date cells, numbers as numbers."""
    ws.append(list(headers))
    for cell in ws[1]:
        cell.font = Font(bold=True)
    ws.freeze_panes = "A2"
    for r, row in enumerate(rows, start=2):
        for c, value in enumerate(row, start=1):
            cell = ws.cell(row=r, column=c)
            cell.value = value
            if isinstance(value, str):
                cell.data_type = "s"
            elif isinstance(value, dt.date):
                cell.number_format = DATE_FORMAT
    for c, header in enumerate(headers, start=1):
        width = max([len(str(header)) * 2, *(len(str(v or "")) * 2 for v in _column(ws, c))])
        ws.column_dimensions[ws.cell(row=1, column=c).column_letter].width = min(width + 2, 40)


def _column(ws: Worksheet, c: int) -> list[Any]:
    return [ws.cell(row=r, column=c).value for r in range(2, ws.max_row + 1)]


def _workbook_bytes(wb: Workbook) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _deadline_row(c: dict[str, Any]) -> list[Any]:
    b = c.get("badge") or {}
    return [
        c["org_unit"]["name"],
        c["ref"],
        c["workflow_label_zh"],
        c["state_label_zh"],
        c.get("employer_name") or "",
        (c.get("assignee") or {}).get("display_name") or "未分派",
        b.get("label_zh", ""),
        b.get("text_zh", ""),
        _date(b.get("due")),
        _date(c.get("created_at")),
    ]


def deadlines_xlsx(view: dict[str, Any]) -> bytes:
    """The overdue and due-soon cases (:func:`supervise_deadlines`) as a workbook: one sheet
    each, by unit, zh-CN headers, the due date and the opening date as date cells."""
    wb = Workbook()
    overdue = wb.active
    overdue.title = "已超期"
    items = sorted(view["overdue"]["items"], key=lambda c: (c["org_unit"]["name"], c["id"]))
    rows = [_deadline_row(c) for c in items]
    total = view["overdue"].get("total") or len(items)
    if total > len(items):
        rows.append([f"仅列出前 {len(items)} 件，共 {total} 件"])
    _sheet(overdue, DEADLINE_HEADERS, rows)
    soon = wb.create_sheet("即将到期")
    items = sorted(view["due_soon"], key=lambda c: (c["org_unit"]["name"], c["id"]))
    _sheet(soon, DEADLINE_HEADERS, [_deadline_row(c) for c in items])
    return _workbook_bytes(wb)


def summary_xlsx(report: dict[str, Any]) -> bytes:
    """The per-unit case summary (:func:`casework.reports.summary`) as a workbook: the CSV's
    rows and zh-CN headers, counts and the median as numbers; a report over a period adds a
    sheet with its dates as date cells."""
    wb = Workbook()
    ws = wb.active
    ws.title = "案件统计"
    _sheet(ws, reports.CSV_HEADERS, reports.summary_rows(report))
    if report.get("from") or report.get("to"):
        period = wb.create_sheet("统计期间")
        _sheet(period, ("起始日期", "截止日期"), [[_date(report["from"]), _date(report["to"])]])
    return _workbook_bytes(wb)
