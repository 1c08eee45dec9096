"""Case statistics per union body (GET /api/v1/reports/summary and its CSV).

Every figure counts cases by the unit that owns them now (``cases.org_unit_id``): a case lifted
from a township to its county counts at the county, and shows in the township's
``escalated_out`` and the county's ``escalated_in``.

- ``open``: open now (``closed_at`` is NULL) — a snapshot at ``now``, whatever the date range;
- ``overdue``: open now with a running clock already past due (``next_due_at < now``; this
  includes clocks of other bodies the union tracks, such as an arbitration award period);
- ``opened``: cases opened (``created_at``) within the range;
- ``closed``: cases closed (``closed_at``) within the range;
- ``median_days_to_close``: median of ``closed_at - created_at`` in days (1 decimal, half up)
  over the cases counted in ``closed``; None when there are none;
- ``escalated_in`` / ``escalated_out``: rises one level (``escalations`` rows that are not a
  stop at the ceiling) into / out of the unit, recorded within the range; a supervisor's
  take-over (``take_over``) is not an escalation row and is not counted.

The range is ``[date_from, date_to]`` in Asia/Shanghai dates, both inclusive and each optional;
without either bound the flows count all time.

The number of SQL statements is fixed (the unit, the subtree, one grouped count of cases, one
grouped count of escalations and one list of (unit, workflow, days) for the median),
whatever the number of units and cases.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import statistics
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import and_, case, func, literal_column, or_, select, true, union_all
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.elements import ColumnElement

import workflows
from casework.core.errors import InvalidInput
from casework.core.time import start_of_day
from casework.core.uow import UnitOfWork
from casework.core.vocab import LEVEL_LABELS_ZH, TIER_LABELS_ZH, TIERS
from casework.models import Case, CaseEvent, Deadline, Escalation, OrgUnit
from casework.people.access import Actor
from casework.people.queries import unit_key, visible_unit

COUNTS = ("open", "overdue", "opened", "closed", "escalated_in", "escalated_out")
TOTAL_LABEL_ZH = "合计"

CSV_HEADERS = (
    "单位代码",
    "单位名称",
    "层级",
    "流程",
    "在办",
    "逾期",
    "新收",
    "已结",
    "上提转入",
    "上提转出",
    "结案天数中位数",
)


def _root(session: Session, actor: Actor, org_unit_id: int | None) -> OrgUnit:
    unit_id = org_unit_id if org_unit_id is not None else actor.org_unit_id
    if unit_id is None:
        raise InvalidInput("org_unit_id", "必须指定统计单位", "an org unit is required")
    # Outside the actor's subtree looks the same as not existing.
    return visible_unit(session, actor, unit_id)


def _in_range(
    column: Any, start: dt.datetime | None, end: dt.datetime | None
) -> ColumnElement[bool]:
    conds: list[ColumnElement[bool]] = []
    if start is not None:
        conds.append(column >= start)
    if end is not None:
        conds.append(column < end)
    return and_(*conds) if conds else true()


def _count_if(condition: ColumnElement[bool]) -> Any:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _median_days(seconds: list[float]) -> float | None:
    if not seconds:
        return None
    days = Decimal(str(statistics.median(seconds) / 86400))
    return float(days.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def summary(
    uow: UnitOfWork,
    *,
    actor: Actor,
    org_unit_id: int | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    """Counts per unit of the subtree of ``org_unit_id`` (default: the actor's unit) and, in each
    unit, per workflow. See the module docstring for what each figure means.

    Raises NotFound for an unknown unit or one outside the actor's subtree, InvalidInput when
    ``date_from`` is after ``date_to``.
    """
    _check_range(date_from, date_to)
    now = now or dt.datetime.now(dt.UTC)
    with uow:
        return _summary(uow.session, actor, org_unit_id, date_from, date_to, now)


def _check_range(date_from: dt.date | None, date_to: dt.date | None) -> None:
    if date_from is not None and date_to is not None and date_from > date_to:
        raise InvalidInput("date_to", "结束日期不能早于开始日期", "must not be before date_from")


def _scope(
    session: Session,
    actor: Actor,
    org_unit_id: int | None,
    date_from: dt.date | None,
    date_to: dt.date | None,
) -> tuple[dt.datetime | None, dt.datetime | None, OrgUnit, list[OrgUnit], Any]:
    """What a report covers: the Shanghai days from and to (inclusive) as UTC bounds, the root
    unit, the units of its subtree in tree order, and the SQL condition "in the subtree"."""
    start = start_of_day(date_from) if date_from is not None else None
    end = start_of_day(date_to + dt.timedelta(days=1)) if date_to is not None else None
    root = _root(session, actor, org_unit_id)
    # Tree order: parents before children, siblings by id. Sorted here rather than by the path
    # string, whose order under a PostgreSQL locale collation may ignore the slashes.
    units = sorted(
        session.scalars(select(OrgUnit).where(OrgUnit.path.startswith(root.path))),
        key=lambda u: u.ancestor_ids(),
    )
    return start, end, root, units, OrgUnit.path.startswith(root.path)


def _summary(
    session: Session,
    actor: Actor,
    org_unit_id: int | None,
    date_from: dt.date | None,
    date_to: dt.date | None,
    now: dt.datetime,
) -> dict[str, Any]:
    start, end, root, units, in_tree = _scope(session, actor, org_unit_id, date_from, date_to)
    names = workflows.names()
    counts: dict[tuple[int, str], dict[str, int]] = defaultdict(lambda: dict.fromkeys(COUNTS, 0))

    # 1. cases by owning unit and workflow: open, overdue, opened and closed in one pass.
    closed_in_range = and_(Case.closed_at.is_not(None), _in_range(Case.closed_at, start, end))
    opened_in_range = _in_range(Case.created_at, start, end)
    case_rows = session.execute(
        select(
            Case.org_unit_id,
            Case.workflow,
            _count_if(Case.closed_at.is_(None)),
            _count_if(and_(Case.closed_at.is_(None), Case.next_due_at < now)),
            _count_if(opened_in_range),
            _count_if(closed_in_range),
        )
        .join(OrgUnit, OrgUnit.id == Case.org_unit_id)
        .where(in_tree, or_(Case.closed_at.is_(None), closed_in_range, opened_in_range))
        .group_by(Case.org_unit_id, Case.workflow)
    )
    for unit_id, wf, n_open, n_overdue, n_opened, n_closed in case_rows:
        c = counts[(unit_id, wf)]
        c["open"], c["overdue"] = int(n_open), int(n_overdue)
        c["opened"], c["closed"] = int(n_opened), int(n_closed)

    # 2. escalations into (dir 0) and out of (dir 1) each unit, by the case's workflow.
    esc_when = and_(Escalation.at_ceiling.is_(False), _in_range(Escalation.created_at, start, end))

    def flow(unit_col: Any, direction: int) -> Any:
        return (
            select(
                unit_col.label("unit_id"),
                Case.workflow.label("wf"),
                literal_column(str(direction)).label("dir"),
                func.count().label("n"),
            )
            .join(Case, Case.id == Escalation.case_id)
            .join(OrgUnit, OrgUnit.id == unit_col)
            .where(esc_when, in_tree)
            .group_by(unit_col, Case.workflow)
        )

    into, out_of = flow(Escalation.to_unit_id, 0), flow(Escalation.from_unit_id, 1)
    for unit_id, wf, direction, n in session.execute(union_all(into, out_of)):
        counts[(unit_id, wf)]["escalated_out" if direction else "escalated_in"] = int(n)

    # 3. time to close of the cases closed in range (the median is taken in Python: neither
    #    dialect-neutral SQL nor SQLite has one).
    durations: dict[tuple[int, str], list[float]] = defaultdict(list)
    for unit_id, wf, created, closed in session.execute(
        select(Case.org_unit_id, Case.workflow, Case.created_at, Case.closed_at)
        .join(OrgUnit, OrgUnit.id == Case.org_unit_id)
        .where(in_tree, closed_in_range)
    ):
        durations[(unit_id, wf)].append((closed - created).total_seconds())

    out_units = []
    for unit in units:
        per_wf = []
        totals = dict.fromkeys(COUNTS, 0)
        unit_durations: list[float] = []
        for name in names:
            c = counts.get((unit.id, name), dict.fromkeys(COUNTS, 0))
            secs = durations.get((unit.id, name), [])
            unit_durations.extend(secs)
            for k in COUNTS:
                totals[k] += c[k]
            per_wf.append(
                {
                    "workflow": name,
                    "label_zh": workflows.get(name).label_zh,
                    **c,
                    "median_days_to_close": _median_days(secs),
                }
            )
        out_units.append(
            {
                "org_unit": unit_key(unit),
                "totals": {**totals, "median_days_to_close": _median_days(unit_durations)},
                "workflows": per_wf,
            }
        )
    return {
        "org_unit": unit_key(root),
        "from": date_from.isoformat() if date_from else None,
        "to": date_to.isoformat() if date_to else None,
        "generated_at": now.astimezone(dt.UTC).isoformat(),
        "units": out_units,
    }


def _text_cell(value: str) -> str:
    """Keep a spreadsheet from reading a unit's code or name as a formula."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def summary_rows(report: dict[str, Any]) -> list[list[Any]]:
    """The report's rows under :data:`CSV_HEADERS`, one per unit for its totals (流程 = 合计), then
    one per workflow; levels and workflows by their Chinese labels, the median as a number (None
    when nothing was closed). The CSV and the XLSX export both write these."""
    rows: list[list[Any]] = []

    def row(unit: dict[str, Any], label: str, c: dict[str, Any]) -> list[Any]:
        return [
            unit["code"],
            unit["name"],
            LEVEL_LABELS_ZH.get(unit["level"], unit["level"]),
            label,
            c["open"],
            c["overdue"],
            c["opened"],
            c["closed"],
            c["escalated_in"],
            c["escalated_out"],
            c.get("median_days_to_close"),
        ]

    for entry in report["units"]:
        unit = entry["org_unit"]
        rows.append(row(unit, TOTAL_LABEL_ZH, entry["totals"]))
        for c in entry["workflows"]:
            rows.append(row(unit, c["label_zh"], c))
    return rows


def summary_csv(report: dict[str, Any]) -> str:
    """The report as CSV text (:func:`summary_rows` under zh-CN headers), the median with one
    decimal (empty when nothing was closed).

    Returned WITHOUT a byte-order mark: the caller encodes it as ``utf-8-sig`` so spreadsheet
    programs detect UTF-8 (``text.encode("utf-8-sig")``).
    """
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(CSV_HEADERS)
    for code, name, *rest, median in summary_rows(report):
        w.writerow(
            [_text_cell(code), _text_cell(name), *rest, "" if median is None else f"{median:.1f}"]
        )
    return buf.getvalue()


# -- 12351 work-order figures (GET /api/v1/reports/hotline) -----------------------------------
#
# Work orders are the cases of the ``hotline`` workflow; every figure but 督办 is read from their
# history (``case_events``) and clocks (``deadlines``), per unit and tier (``complexity``). Each
# act is counted at the unit it belongs to:
#
# - at the receiving unit (``origin_org_unit_id``, where the call was filed):
#   ``received`` (orders filed in the range), ``answered`` (answered on the call, ``answer``) and
#   ``dispatched`` (派单 steps);
# - at the unit the order was sent to (the unit its acceptance clock ran for; the holder when it
#   had none): ``signed`` (签收, ``accept``), ``signed_on_time`` (signed before its acceptance
#   clock fell due) and ``returned`` (退单, ``return_order``);
# - at the unit holding the order now (the handling unit): ``closed``, ``closed_on_time`` (closed
#   with no handling clock expired or met after its due time: an order answered on the call is on
#   time), ``called_back`` (call-backs that reached the caller and got a rating: 满意, 基本满意 or
#   不满意; 无法联系 and 拒绝回访 are not rated), ``satisfied`` (满意 + 基本满意),
#   ``satisfaction_rate`` (satisfied / called_back, None when nobody was called back) and
#   ``reopened`` (发回重办, ``reopen``);
# - at the unit that let a clock run out (``escalations.from_unit_id``): ``supervised`` (督办,
#   an order's handling clock expired: it rose one level, or was flagged at the ceiling).
#
# A clock is on time when it ended before its ``due_at`` (the end of its due day, when the sweep
# expires it). The number of SQL statements is fixed, whatever the number of units and orders.

HOTLINE = "hotline"
HOTLINE_COUNTS = (
    "received",
    "answered",
    "dispatched",
    "signed",
    "signed_on_time",
    "returned",
    "closed",
    "closed_on_time",
    "called_back",
    "satisfied",
    "reopened",
    "supervised",
)
RATED = ("satisfied", "basically_satisfied", "dissatisfied")
SATISFIED = ("satisfied", "basically_satisfied")

HOTLINE_CSV_HEADERS = (
    "单位代码",
    "单位名称",
    "层级",
    "工单等级",
    "受理",
    "直接答复",
    "派单",
    "签收",
    "按时签收",
    "退单",
    "办结",
    "按时办结",
    "回访",
    "满意及基本满意",
    "满意率（%）",
    "发回重办",
    "督办",
)


def _rate(satisfied: int, called_back: int) -> float | None:
    if not called_back:
        return None
    ratio = Decimal(satisfied) / Decimal(called_back)
    return float(ratio.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP))


def hotline(
    uow: UnitOfWork,
    *,
    actor: Actor,
    org_unit_id: int | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    """The 12351 work-order figures per unit of the subtree of ``org_unit_id`` (default: the
    actor's unit) and, in each unit, per tier. See the comment above for what each counts.

    Raises NotFound for an unknown unit or one outside the actor's subtree, InvalidInput when
    ``date_from`` is after ``date_to``.
    """
    _check_range(date_from, date_to)
    now = now or dt.datetime.now(dt.UTC)
    with uow:
        return _hotline(uow.session, actor, org_unit_id, date_from, date_to, now)


def _hotline(
    session: Session,
    actor: Actor,
    org_unit_id: int | None,
    date_from: dt.date | None,
    date_to: dt.date | None,
    now: dt.datetime,
) -> dict[str, Any]:
    start, end, root, units, in_tree = _scope(session, actor, org_unit_id, date_from, date_to)
    counts: dict[tuple[int, str], dict[str, int]] = defaultdict(
        lambda: dict.fromkeys(HOTLINE_COUNTS, 0)
    )

    def add(rows: Any, names: tuple[str, ...]) -> None:
        for unit_id, tier, *values in rows:
            c = counts[(unit_id, tier)]
            for name, value in zip(names, values, strict=True):
                c[name] += int(value)

    orders = Case.workflow == HOTLINE

    # 1. orders filed in the range, at the receiving unit.
    add(
        session.execute(
            select(Case.origin_org_unit_id, Case.complexity, func.count())
            .join(OrgUnit, OrgUnit.id == Case.origin_org_unit_id)
            .where(orders, in_tree, _in_range(Case.created_at, start, end))
            .group_by(Case.origin_org_unit_id, Case.complexity)
        ),
        ("received",),
    )

    # 2. orders closed in the range, at the holding unit; on time unless a handling clock of the
    #    order expired or ended after its due time.
    late = (
        select(Deadline.id)
        .where(
            Deadline.case_id == Case.id,
            Deadline.rule == "handling",
            or_(Deadline.status == "expired", Deadline.handled_at >= Deadline.due_at),
        )
        .exists()
    )
    add(
        session.execute(
            select(Case.org_unit_id, Case.complexity, func.count(), _count_if(~late))
            .join(OrgUnit, OrgUnit.id == Case.org_unit_id)
            .where(orders, in_tree, Case.closed_at.is_not(None))
            .where(_in_range(Case.closed_at, start, end))
            .group_by(Case.org_unit_id, Case.complexity)
        ),
        ("closed", "closed_on_time"),
    )

    # 3. the steps of the loop recorded in the range. 签收 and 退单 end the acceptance clock of
    #    the unit the order was sent to, at the step's own time: that clock names the unit and
    #    says whether it was on time.
    trigger = CaseEvent.trigger
    clock = aliased(Deadline)
    sent_to = (
        trigger.in_(("accept", "return_order")),
        func.coalesce(clock.org_unit_id, Case.org_unit_id),
    )
    unit_col = case(
        sent_to,
        (trigger.in_(("answer", "dispatch")), Case.origin_org_unit_id),
        else_=Case.org_unit_id,
    )
    outcome = CaseEvent.data[("data", "satisfaction")].as_string()
    callback = trigger == "complete_callback"
    add(
        session.execute(
            select(
                unit_col,
                Case.complexity,
                _count_if(trigger == "answer"),
                _count_if(trigger == "dispatch"),
                _count_if(trigger == "accept"),
                _count_if(and_(trigger == "accept", clock.handled_at < clock.due_at)),
                _count_if(trigger == "return_order"),
                _count_if(or_(trigger == "reopen", and_(callback, outcome.in_(RATED)))),
                _count_if(and_(callback, outcome.in_(SATISFIED))),
                _count_if(trigger == "reopen"),
            )
            .select_from(CaseEvent)
            .join(Case, Case.id == CaseEvent.case_id)
            .outerjoin(
                clock,
                and_(
                    trigger.in_(("accept", "return_order")),
                    clock.case_id == CaseEvent.case_id,
                    clock.rule == "acceptance",
                    clock.handled_at == CaseEvent.at,
                ),
            )
            .join(OrgUnit, OrgUnit.id == unit_col)
            .where(
                orders,
                in_tree,
                CaseEvent.kind == "transition",
                trigger.in_(
                    ("answer", "dispatch", "accept", "return_order", "complete_callback", "reopen")
                ),
                _in_range(CaseEvent.at, start, end),
            )
            .group_by(unit_col, Case.complexity)
        ),
        (
            "answered",
            "dispatched",
            "signed",
            "signed_on_time",
            "returned",
            "called_back",
            "satisfied",
            "reopened",
        ),
    )

    # 4. 督办: an order's handling clock ran out (lifted one level, or flagged at the ceiling).
    add(
        session.execute(
            select(Escalation.from_unit_id, Case.complexity, func.count())
            .join(Case, Case.id == Escalation.case_id)
            .join(OrgUnit, OrgUnit.id == Escalation.from_unit_id)
            .where(
                orders,
                in_tree,
                Escalation.reason == "deadline_expired",
                _in_range(Escalation.created_at, start, end),
            )
            .group_by(Escalation.from_unit_id, Case.complexity)
        ),
        ("supervised",),
    )

    out_units = []
    for unit in units:
        totals = dict.fromkeys(HOTLINE_COUNTS, 0)
        per_tier = []
        for tier in TIERS:
            c = counts.get((unit.id, tier), dict.fromkeys(HOTLINE_COUNTS, 0))
            for k in HOTLINE_COUNTS:
                totals[k] += c[k]
            per_tier.append(
                {
                    "tier": tier,
                    "label_zh": TIER_LABELS_ZH[tier],
                    **c,
                    "satisfaction_rate": _rate(c["satisfied"], c["called_back"]),
                }
            )
        out_units.append(
            {
                "org_unit": unit_key(unit),
                "totals": {
                    **totals,
                    "satisfaction_rate": _rate(totals["satisfied"], totals["called_back"]),
                },
                "tiers": per_tier,
            }
        )
    return {
        "org_unit": unit_key(root),
        "from": date_from.isoformat() if date_from else None,
        "to": date_to.isoformat() if date_to else None,
        "generated_at": now.astimezone(dt.UTC).isoformat(),
        "units": out_units,
    }


def hotline_csv(report: dict[str, Any]) -> str:
    """The work-order figures as CSV text: one row per unit for its totals (工单等级 = 合计), then
    one per tier; zh-CN headers, 满意率 as a percentage with one decimal (empty when nobody was
    called back). Returned without a byte-order mark, like :func:`summary_csv`."""
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(HOTLINE_CSV_HEADERS)

    def row(unit: dict[str, Any], label: str, c: dict[str, Any]) -> list[Any]:
        rate = c.get("satisfaction_rate")
        percent = (
            ""
            if rate is None
            else str((Decimal(str(rate)) * 100).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))
        )
        return [
            _text_cell(unit["code"]),
            _text_cell(unit["name"]),
            LEVEL_LABELS_ZH.get(unit["level"], unit["level"]),
            label,
            *(c[k] for k in HOTLINE_COUNTS[:10]),
            percent,
            c["reopened"],
            c["supervised"],
        ]

    for entry in report["units"]:
        unit = entry["org_unit"]
        w.writerow(row(unit, TOTAL_LABEL_ZH, entry["totals"]))
        for c in entry["tiers"]:
            w.writerow(row(unit, c["label_zh"], c))
    return buf.getvalue()
