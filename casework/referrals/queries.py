"""Reading the referral ledger: one referral, a case's referrals, the 待反馈移送 list across the
caller's part of the tree (JSON or CSV) and the pack for the yearly 政府与工会联席会议.

A referral's ``status`` at ``now``: ``answered`` once its answer is recorded; ``overdue`` while
unanswered past the end of its clock's due day; ``awaiting`` otherwise (an inbound entry has no
clock and is ``awaiting`` until answered). Every read is a fixed number of statements.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.elements import ColumnElement

import workflows
from casework.cases.queries import visible_case
from casework.core.errors import InvalidInput, NotFound
from casework.core.queries import Page, page_of
from casework.core.time import iso, local_date
from casework.core.uow import UnitOfWork
from casework.core.vocab import (
    AGENCY_KINDS,
    CALENDAR_YEARS,
    OUTBOUND_REFUSED_AGENCIES,
    REFERRAL_OUTCOMES,
)
from casework.models import Case, Document, OrgUnit, Referral
from casework.people.access import Actor, visible_cases
from casework.people.queries import unit_key, unit_ref, visible_unit
from workflows.referrals import profile_for

MAX_CSV_ROWS = 5000
DIRECTION_LABELS_ZH = {"outbound": "移出", "inbound": "移入"}
STATUS_LABELS_ZH = {"awaiting": "待反馈", "answered": "已反馈", "overdue": "逾期未反馈"}


def status_of(r: Referral, now: dt.datetime) -> str:
    if r.answered_on is not None:
        return "answered"
    if r.due_at is not None and r.due_at <= now:
        return "overdue"
    return "awaiting"


def _status_condition(status: str, now: dt.datetime) -> ColumnElement[bool]:
    if status == "answered":
        return Referral.answered_on.is_not(None)
    if status == "overdue":
        return and_(Referral.answered_on.is_(None), Referral.due_at <= now)
    if status == "awaiting":
        return and_(
            Referral.answered_on.is_(None), or_(Referral.due_at.is_(None), Referral.due_at > now)
        )
    raise InvalidInput(
        "status",
        "状态必须是 awaiting、answered 或 overdue",
        "must be awaiting, answered or overdue",
    )


def stage_label(r: Referral) -> str | None:
    profile = profile_for(r.agency_kind, r.procedure)
    if profile is None or r.stage is None:
        return None
    return profile.stage(r.stage).label_zh


def referral_view(
    r: Referral,
    case: Case,
    unit: OrgUnit,
    document_number: str | None,
    now: dt.datetime,
) -> dict[str, Any]:
    wf = workflows.get(case.workflow)
    status = status_of(r, now)
    return {
        "id": r.id,
        "case": {
            "id": case.id,
            "ref": case.ref,
            "workflow": case.workflow,
            "state": case.state,
            "state_label_zh": wf.state(case.state).label_zh,
        },
        "direction": r.direction,
        "org_unit": unit_ref(unit),
        "agency_kind": r.agency_kind,
        "agency_kind_label_zh": AGENCY_KINDS[r.agency_kind],
        "agency_name": r.agency_name,
        "procedure": r.procedure,
        "basis": r.basis,
        "matter": r.matter,
        "document": (
            {"id": r.document_id, "number": document_number} if r.document_id is not None else None
        ),
        "agency_ref": r.agency_ref,
        "sent_on": iso(r.sent_on),
        "received_on": iso(r.received_on),
        "filed_on": iso(r.filed_on),
        "answered_on": iso(r.answered_on),
        "outcome": r.outcome,
        "outcome_label_zh": REFERRAL_OUTCOMES.get(r.outcome) if r.outcome else None,
        "transferred_to": r.transferred_to,
        "answer": r.answer,
        "status": status,
        "status_label_zh": STATUS_LABELS_ZH[status],
        "clock": (
            {
                "stage": r.stage,
                "label_zh": stage_label(r),
                "due_on": iso(r.due_on),
                "citation": r.citation,
                "calendar_verified": r.calendar_verified,
                "extended_days": r.extended_days,
                "extension_note": r.extension_note,
            }
            if r.stage is not None
            else None
        ),
        "missed": r.missed,
        "overdue_at": iso(r.overdue_at),
        "created_at": iso(r.created_at),
    }


def _rows(stmt: Any) -> Any:
    """``stmt`` over referrals, with each one's case, unit and document number."""
    unit = aliased(OrgUnit)
    return (
        stmt.add_columns(Case, unit, Document.number)
        .join(Case, Case.id == Referral.case_id)
        .join(unit, unit.id == Referral.org_unit_id)
        .outerjoin(Document, Document.id == Referral.document_id)
    ), unit


def _present(now: dt.datetime) -> Any:
    return lambda rows: [referral_view(r, c, u, n, now) for (r, c, u, n) in rows]


def case_referrals(
    uow: UnitOfWork,
    *,
    actor: Actor,
    case_id: int,
    page: int = 1,
    per_page: int = 20,
    now: dt.datetime | None = None,
) -> Page:
    """The ledger entries of one case the caller sees, oldest first."""
    now = now or dt.datetime.now(dt.UTC)
    with uow:
        s = uow.session
        case = visible_case(s, actor, case_id)
        where = Referral.case_id == case.id
        stmt, _unit = _rows(select(Referral))
        return page_of(
            s,
            stmt.where(where).order_by(Referral.sent_on, Referral.id),
            select(func.count(Referral.id)).where(where),
            page,
            per_page,
            _present(now),
        )


def referral(
    uow: UnitOfWork,
    *,
    actor: Actor,
    case_id: int,
    referral_id: int,
    now: dt.datetime | None = None,
) -> tuple[dict[str, Any], int]:
    """One ledger entry of a case the caller sees, and the case's version now (its ETag)."""
    now = now or dt.datetime.now(dt.UTC)
    with uow:
        s = uow.session
        case = visible_case(s, actor, case_id)
        stmt, _unit = _rows(select(Referral))
        row = s.execute(stmt.where(Referral.id == referral_id, Referral.case_id == case.id)).first()
        if row is None:
            raise NotFound("移送记录不存在", f"no referral {referral_id} on this case")
        r, c, u, n = row
        return referral_view(r, c, u, n, now), case.version


def _filters(
    s: Session,
    actor: Actor,
    agency_kind: str | None,
    status: str | None,
    org_unit_id: int | None,
    direction: str | None,
    now: dt.datetime,
) -> list[ColumnElement[bool]]:
    conds: list[ColumnElement[bool]] = [visible_cases(actor)]
    if org_unit_id is not None:
        root = visible_unit(s, actor, org_unit_id)
        conds.append(
            Referral.org_unit_id.in_(select(OrgUnit.id).where(OrgUnit.path.startswith(root.path)))
        )
    if agency_kind is not None:
        conds.append(Referral.agency_kind == agency_kind)
    if direction is not None:
        conds.append(Referral.direction == direction)
    if status is not None:
        conds.append(_status_condition(status, now))
    return conds


def referrals(
    uow: UnitOfWork,
    *,
    actor: Actor,
    agency_kind: str | None = None,
    status: str | None = None,
    org_unit_id: int | None = None,
    direction: str | None = None,
    page: int = 1,
    per_page: int = 20,
    now: dt.datetime | None = None,
) -> Page:
    """待反馈移送: the ledger entries of the cases the caller sees, made by the units of
    ``org_unit_id``'s subtree (default: all the caller sees), newest first."""
    now = now or dt.datetime.now(dt.UTC)
    with uow:
        s = uow.session
        conds = _filters(s, actor, agency_kind, status, org_unit_id, direction, now)
        stmt, _unit = _rows(select(Referral))
        return page_of(
            s,
            stmt.where(*conds).order_by(Referral.sent_on.desc(), Referral.id.desc()),
            select(func.count(Referral.id)).join(Case, Case.id == Referral.case_id).where(*conds),
            page,
            per_page,
            _present(now),
        )


def referrals_for_export(
    uow: UnitOfWork,
    *,
    actor: Actor,
    agency_kind: str | None = None,
    status: str | None = None,
    org_unit_id: int | None = None,
    direction: str | None = None,
    now: dt.datetime | None = None,
) -> list[dict[str, Any]]:
    """Every entry the list would show (at most MAX_CSV_ROWS), for the CSV export."""
    now = now or dt.datetime.now(dt.UTC)
    with uow:
        s = uow.session
        conds = _filters(s, actor, agency_kind, status, org_unit_id, direction, now)
        stmt, _unit = _rows(select(Referral))
        rows = s.execute(
            stmt.where(*conds)
            .order_by(Referral.sent_on.desc(), Referral.id.desc())
            .limit(MAX_CSV_ROWS)
        ).all()
        return _present(now)(rows)


def _cell(value: Any) -> Any:
    """Keep a spreadsheet from reading text as a formula."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return "" if value is None else value


LIST_CSV_HEADERS = (
    "案件编号",
    "方向",
    "移送（接收）单位",
    "机关类别",
    "机关名称",
    "移送事项",
    "移送依据",
    "移送日期",
    "机关收到日期",
    "机关案号",
    "立案日期",
    "当前期限",
    "期限届满日",
    "期限依据",
    "状态",
    "答复日期",
    "处理结果",
    "答复内容",
)


def referrals_csv(items: list[dict[str, Any]]) -> str:
    """The list as CSV text with zh-CN headers (the caller adds the BOM: ``utf-8-sig``)."""
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(LIST_CSV_HEADERS)
    for i in items:
        clock = i["clock"] or {}
        w.writerow(
            [
                _cell(v)
                for v in (
                    i["case"]["ref"],
                    DIRECTION_LABELS_ZH[i["direction"]],
                    i["org_unit"]["name"],
                    i["agency_kind_label_zh"],
                    i["agency_name"],
                    i["matter"],
                    i["basis"],
                    i["sent_on"],
                    i["received_on"],
                    i["agency_ref"],
                    i["filed_on"],
                    clock.get("label_zh"),
                    clock.get("due_on"),
                    clock.get("citation"),
                    i["status_label_zh"],
                    i["answered_on"],
                    i["outcome_label_zh"],
                    i["answer"],
                )
            ]
        )
    return buf.getvalue()


# -- the joint-meeting pack (政府与工会联席会议) ----------------------------------------------

COUNTS = ("sent", "answered_on_time", "answered_late", "open", "overdue")
OUTBOUND_KINDS = tuple(k for k in AGENCY_KINDS if k not in OUTBOUND_REFUSED_AGENCIES)


def check_year(year: int) -> None:
    lo, hi = CALENDAR_YEARS
    if isinstance(year, bool) or not isinstance(year, int) or not lo <= year <= hi:
        raise InvalidInput("year", f"年份必须在{lo}至{hi}之间", f"must be from {lo} to {hi}")


def _brief(r: Referral, case: Case, unit: OrgUnit, now: dt.datetime) -> dict[str, Any]:
    status = status_of(r, now)
    return {
        "referral_id": r.id,
        "case_id": case.id,
        "case_ref": case.ref,
        "org_unit": unit_key(unit),
        "agency_kind": r.agency_kind,
        "agency_kind_label_zh": AGENCY_KINDS[r.agency_kind],
        "agency_name": r.agency_name,
        "agency_ref": r.agency_ref,
        "matter": r.matter,
        "sent_on": iso(r.sent_on),
        "stage_label_zh": stage_label(r),
        "due_on": iso(r.due_on),
        "overdue_at": iso(r.overdue_at),
        "status": status,
        "status_label_zh": STATUS_LABELS_ZH[status],
        "answered_on": iso(r.answered_on),
        "outcome_label_zh": REFERRAL_OUTCOMES.get(r.outcome) if r.outcome else None,
        "answer": r.answer,
        "on_time": (not r.missed) if r.answered_on is not None else None,
    }


def joint_meeting(
    uow: UnitOfWork,
    *,
    actor: Actor,
    org_unit_id: int | None = None,
    year: int | None = None,
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    """The pack for the yearly 政府与工会联席会议 of the units of ``org_unit_id``'s subtree
    (default: the caller's unit), for ``year`` (default: this year, Asia/Shanghai):

    - ``agencies``: per agency, the referrals sent in the year: ``sent``, ``answered_on_time``
      (answered with no clock of it run out), ``answered_late``, ``open`` (unanswered now) and
      ``overdue`` (unanswered, chased by the sweep or past its clock now); and their ``totals``;
    - ``agenda``: the referrals the sweep found overdue (a line each): those sent in the year, and
      those sent before it that are still unanswered;
    - ``answers``: the answers the agencies gave to the referrals sent in the year;
    - ``inbound``: the matters agencies referred to the union in the year (each opened a case).

    Three statements: the unit, then one over the referrals with their cases and units."""
    now = now or dt.datetime.now(dt.UTC)
    year = local_date(now).year if year is None else year
    check_year(year)
    with uow:
        s = uow.session
        unit_id = org_unit_id if org_unit_id is not None else actor.org_unit_id
        if unit_id is None:
            raise InvalidInput("org_unit_id", "必须指定统计单位", "an org unit is required")
        root = visible_unit(s, actor, unit_id)
        first, after = dt.date(year, 1, 1), dt.date(year + 1, 1, 1)
        unit = aliased(OrgUnit)
        rows = s.execute(
            select(Referral, Case, unit)
            .join(Case, Case.id == Referral.case_id)
            .join(unit, unit.id == Referral.org_unit_id)
            .where(
                unit.path.startswith(root.path),
                or_(
                    and_(Referral.sent_on >= first, Referral.sent_on < after),
                    and_(
                        Referral.direction == "outbound",
                        Referral.sent_on < first,
                        Referral.answered_on.is_(None),
                    ),
                ),
            )
            .order_by(Referral.sent_on, Referral.id)
        ).all()
        # Read the rows while the unit of work is open (a request's shared session expires
        # them when it ends).
        counts = {k: dict.fromkeys(COUNTS, 0) for k in OUTBOUND_KINDS}
        agenda, answers, inbound = [], [], []
        for r, case, u in rows:
            this_year = first <= r.sent_on < after
            if r.direction == "inbound":
                inbound.append(
                    {
                        "case_id": case.id,
                        "case_ref": case.ref,
                        "case_state_label_zh": workflows.get(case.workflow)
                        .state(case.state)
                        .label_zh,
                        "org_unit": unit_key(u),
                        "agency_kind": r.agency_kind,
                        "agency_kind_label_zh": AGENCY_KINDS[r.agency_kind],
                        "agency_name": r.agency_name,
                        "reference": r.agency_ref,
                        "received_on": iso(r.received_on),
                        "matter": r.matter,
                    }
                )
                continue
            brief = _brief(r, case, u, now)
            if r.overdue_at is not None:
                agenda.append(brief)
            if not this_year:
                continue
            c = counts[r.agency_kind]
            c["sent"] += 1
            if r.answered_on is not None:
                c["answered_late" if r.missed else "answered_on_time"] += 1
                answers.append(brief)
            else:
                c["open"] += 1
                if r.overdue_at is not None or brief["status"] == "overdue":
                    c["overdue"] += 1
        totals = {k: sum(c[k] for c in counts.values()) for k in COUNTS}
        return {
            "org_unit": unit_key(root),
            "year": year,
            "title": f"{root.name}{year}年度政府与工会联席会议移送反馈情况",
            "generated_at": now.astimezone(dt.UTC).isoformat(),
            "agencies": [
                {"agency_kind": k, "label_zh": AGENCY_KINDS[k], **counts[k]} for k in OUTBOUND_KINDS
            ],
            "totals": totals,
            "agenda": agenda,
            "answers": answers,
            "inbound": inbound,
        }


JOINT_CSV_HEADERS = ("部分", "机关类别", "机关名称", "案件编号", "日期", "事项", "情况")


def joint_meeting_csv(report: dict[str, Any]) -> str:
    """The pack as one CSV (zh-CN headers; the caller adds the BOM): the counts per agency, then
    the agenda lines, the answers and the matters referred to the union."""
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["机关类别", "移送", "按期答复", "逾期答复", "未答复", "逾期未答复"])
    for a in report["agencies"]:
        w.writerow([a["label_zh"], *(a[k] for k in COUNTS)])
    w.writerow(["合计", *(report["totals"][k] for k in COUNTS)])
    w.writerow([])
    w.writerow(JOINT_CSV_HEADERS)
    for line in report["agenda"]:
        w.writerow(
            [
                _cell(v)
                for v in (
                    "联席会议议程：逾期未反馈",
                    line["agency_kind_label_zh"],
                    line["agency_name"],
                    line["case_ref"],
                    line["due_on"],
                    line["matter"],
                    f"{line['stage_label_zh'] or '答复'}期限{line['due_on'] or ''}届满；"
                    f"{line['status_label_zh']}",
                )
            ]
        )
    for line in report["answers"]:
        w.writerow(
            [
                _cell(v)
                for v in (
                    "有关部门答复",
                    line["agency_kind_label_zh"],
                    line["agency_name"],
                    line["case_ref"],
                    line["answered_on"],
                    line["matter"],
                    f"{line['outcome_label_zh']}：{line['answer']}"
                    + ("" if line["on_time"] else "（逾期答复）"),
                )
            ]
        )
    for line in report["inbound"]:
        w.writerow(
            [
                _cell(v)
                for v in (
                    "移交工会办理",
                    line["agency_kind_label_zh"],
                    line["agency_name"],
                    line["case_ref"],
                    line["received_on"],
                    line["matter"],
                    line["case_state_label_zh"],
                )
            ]
        )
    return buf.getvalue()
