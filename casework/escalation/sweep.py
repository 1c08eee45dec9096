"""The escalation sweep: every clock due at ``now`` gets its expiry action exactly once.

Claiming: short batches of due clock ids, ``FOR UPDATE SKIP LOCKED`` on PostgreSQL (other
sweepers skip rows this one holds); on SQLite writers are serialised by ``BEGIN IMMEDIATE``.
Each clock is handled in its own savepoint: its status must still be ``running`` (the row's
version is compare-and-set on update) and a ``deadline_actions`` row with a unique
(clock, action) key is written, so a duplicate can never be stored. A process killed mid-batch
commits nothing of that batch; the next pass finds the same clocks still due and finishes them.

Expiry actions:
- statutory clock with a trigger (e.g. mediation ``expire`` → failed): fire it as the system;
- statutory clock the union only tracks (``notify``): tell the supervisors and the assignee (a
  missed same-day mass-incident report: the supervisors of the level above as well);
- handling clock (``escalate``): lift the case one level, or straight to the lowest level
  competent for the act it waits for (e.g. a county federation for a 建议书).
Reminders ("due soon", one per clock) go out in the same pass.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased, lazyload
from sqlalchemy.orm.exc import StaleDataError

import workflows
from casework.cases.service import fire
from casework.clocks.queries import active_clocks
from casework.clocks.service import refresh_next_due
from casework.core.db import skip_locked
from casework.core.errors import Conflict, DomainError
from casework.core.uow import UnitOfWork
from casework.escalation.service import Lift, competent_level, lift_batch, lift_one_level
from casework.history import record
from casework.models import Case, Deadline, DeadlineAction, OrgUnit
from casework.notices.outbox import enqueue_webhook
from casework.notices.service import notify, notify_unit_supervisors
from casework.people.access import SYSTEM_ACTOR
from casework.runtime import Runtime
from workflows.base import MASS_INCIDENT_REPORT

log = logging.getLogger("casework.sweep")

# What the union may do next when another body's period has run out (told, never lifted).
FOLLOW_UP_ZH: dict[tuple[str, str], str] = {
    ("supervision", "tip_letter_reply"): "用人单位逾期未就提示函整改或答复，"
    "不属于本级工会办理不力，案件不上提；本级工会可以发出《工会劳动法律监督意见书》。",
    ("supervision", "department_feedback"): "行政部门尚未反馈建议书处理结果，请督促反馈。",
}


@dataclass
class SweepReport:
    now: dt.datetime
    dry_run: bool = False
    expired: int = 0
    escalated: int = 0
    at_ceiling: int = 0
    fired: int = 0
    notified: int = 0
    reminders: int = 0
    skipped: int = 0
    failed: int = 0
    planned: list[dict[str, object]] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        d = {k: v for k, v in self.__dict__.items() if k != "planned"}
        d["now"] = self.now.isoformat()
        if self.dry_run:
            d["planned"] = self.planned
        return d


def _claim(session: Session, column, now: dt.datetime, batch: int) -> list[int]:
    q = (
        select(Deadline.id)
        .where(Deadline.status == "running", column <= now)
        .order_by(column, Deadline.id)
        .limit(batch)
    )
    return list(session.scalars(skip_locked(q, session)))


def _preload(session: Session, ids: list[int]) -> list[object]:
    """Load the batch's clocks, their cases and the units above those cases in three queries.
    The caller holds the returned objects for the batch: the session's identity map only keeps
    objects something refers to, and then serves every per-clock ``get`` and parent unit."""
    clocks = session.scalars(select(Deadline).where(Deadline.id.in_(ids))).all()
    case_ids = {d.case_id for d in clocks}
    cases = session.scalars(select(Case).where(Case.id.in_(case_ids))).all()
    unit_ids = {u for c in cases for u in c.org_unit.ancestor_ids()}
    units = session.scalars(select(OrgUnit).where(OrgUnit.id.in_(unit_ids))).all()
    return [*clocks, *cases, *units]


def _expire_handling(
    uow: UnitOfWork, ids: list[int], now: dt.datetime, report: SweepReport
) -> list[int]:
    """The set-based path for the batch's due handling clocks: a few queries load
    the clocks, the cases (rows locked) and the units above them; then one statement each
    writes the actions, ends the clocks and (:func:`lift_batch`) the escalations, events,
    notices, new clocks and cases — all in one savepoint. Returns the clocks left to the
    per-clock path: the other kinds, the clocks of a case with more than one in the batch, and
    the whole batch if the savepoint failed (a unique key already taken, a case that moved on
    meanwhile)."""
    s = uow.session
    clocks = s.scalars(select(Deadline).where(Deadline.id.in_(ids))).all()
    # A case with more than one clock in the batch goes the per-clock way, in the claim's
    # order: what the first clock does (a step fired by law) decides what the next one does.
    per_case: dict[int, list[Deadline]] = {}
    for d in clocks:
        per_case.setdefault(d.case_id, []).append(d)
    first = {
        case_id: d
        for case_id, (d, *more) in per_case.items()
        if not more and d.kind == "handling" and d.status == "running" and d.due_at <= now
    }
    if not first:
        return ids
    cases = s.scalars(
        select(Case)
        .options(lazyload("*"))
        .where(Case.id.in_(first))
        .with_for_update(of=Case.__table__)
    ).all()
    if len(cases) != len(first):  # a case deleted meanwhile: the slow path says which
        return ids
    Unit = aliased(OrgUnit)
    units = s.scalars(
        select(OrgUnit).where(
            select(Case.id)
            .join(Unit, Unit.id == Case.org_unit_id)
            .where(Case.id.in_(first), Unit.path.startswith(OrgUnit.path))
            .exists()
        )
    ).all()
    held = [*clocks, *cases, *units]  # the identity map keeps only what is referenced
    lifts = [
        Lift(
            case=case,
            entry_seq=first[case.id].entry_seq,
            comment=_expiry_comment(first[case.id], case.workflow),
            to_level=competent_level(case),
        )
        for case in cases
    ]
    done = {d.id for d in first.values()}
    try:
        with s.begin_nested():
            s.execute(
                insert(DeadlineAction.__table__),
                [
                    {
                        "deadline_id": d.id,
                        "action": "expire",
                        "case_id": d.case_id,
                        "result": d.on_expiry,
                        "at": now,
                    }
                    for d in first.values()
                ],
            )
            ended = s.execute(
                update(Deadline.__table__)
                .where(Deadline.id.in_(done), Deadline.status == "running")
                .values(status="expired", handled_at=now, version=Deadline.version + 1)
            ).rowcount
            if ended != len(done):
                raise StaleDataError("a clock of the batch changed meanwhile")
            outcome = lift_batch(
                uow,
                lifts,
                reason="deadline_expired",
                actor=SYSTEM_ACTOR,
                now=now,
                handled_clocks=done,
            )
    except (IntegrityError, StaleDataError) as exc:
        log.info("sweep: batch left to the per-clock path: %s", type(exc).__name__)
        s.expire_all()
        return ids
    s.expire_all()  # the rows changed behind the ORM's back
    del held
    report.expired += len(done)
    report.escalated += sum(1 for v in outcome.values() if v is False)
    report.at_ceiling += sum(1 for v in outcome.values() if v is True)
    return [i for i in ids if i not in done]


def _expiry_comment(d: Deadline, workflow: str) -> str:
    """What the supervisors read: the clock by its Chinese name, never its code."""
    try:
        name = workflows.get(workflow).rule(d.rule).label_zh
    except KeyError:  # a rule since removed from the definition
        name = "办理期限"
    return f"{name}于 {d.due_on.isoformat()} 届满（{d.citation}）"


def plan(rt: Runtime, now: dt.datetime, limit: int = 1000) -> list[dict[str, object]]:
    """What a sweep at ``now`` would do, changing nothing."""
    with rt.reader() as uow:
        rows = uow.session.execute(
            select(Deadline, Case.ref, Case.state, Case.workflow)
            .join(Case, Case.id == Deadline.case_id)
            .where(Deadline.status == "running", Deadline.due_at <= now)
            .order_by(Deadline.due_at, Deadline.id)
            .limit(limit)
        ).all()
    out = []
    for d, ref, state, wf in rows:
        action = (
            "escalate"
            if d.on_expiry == "escalate"
            else ("notify" if d.on_expiry == "notify" else f"fire:{d.on_expiry}")
        )
        out.append(
            {
                "case": ref,
                "workflow": wf,
                "state": state,
                "rule": d.rule,
                "due": d.due_on.isoformat(),
                "action": action,
                "citation": d.citation,
            }
        )
    return out


def _expired_event(uow: UnitOfWork, case: Case, d: Deadline, now: dt.datetime) -> None:
    record(
        uow,
        case,
        "deadline_expired",
        data={"rule": d.rule, "due": d.due_on.isoformat(), "citation": d.citation},
        at=now,
    )


def _expire_one(uow: UnitOfWork, deadline_id: int, now: dt.datetime, report: SweepReport) -> None:
    s = uow.session
    d = s.get(Deadline, deadline_id)
    if d is None or d.status != "running" or d.due_at > now:
        report.skipped += 1
        return
    case = s.get(Case, d.case_id)
    wf = workflows.get(case.workflow)
    # The unique (clock, action) key: a second sweeper's row fails when its savepoint flushes.
    s.add(
        DeadlineAction(
            deadline_id=d.id, action="expire", case_id=case.id, result=d.on_expiry, at=now
        )
    )
    d.status = "expired"
    d.handled_at = now
    report.expired += 1
    if d.kind == "handling":
        try:
            esc = lift_one_level(
                uow,
                case,
                reason="deadline_expired",
                actor=SYSTEM_ACTOR,
                comment=_expiry_comment(d, case.workflow),
                entry_seq=d.entry_seq,
                now=now,
                to_level=competent_level(case),
            )
        except Conflict:
            esc = None
        if esc is not None:
            report.at_ceiling += int(esc.at_ceiling)
            report.escalated += int(not esc.at_ceiling)
        if esc is None or esc.at_ceiling:
            refresh_next_due(case, active_clocks(s, case.id))
    elif d.on_expiry != "notify" and wf.transition_for(d.on_expiry, case.state) is not None:
        _expired_event(uow, case, d, now)
        fire(
            uow,
            case_id=case.id,
            trigger=d.on_expiry,
            actor=SYSTEM_ACTOR,
            comment=f"{d.citation}：期限 {d.due_on.isoformat()} 届满",
            now=now,
        )
        report.fired += 1
        _tell_parties(uow, case, d, now)
    else:
        _expired_event(uow, case, d, now)
        report.notified += _tell_parties(uow, case, d, now)
        refresh_next_due(case, active_clocks(s, case.id))


def _tell_parties(uow: UnitOfWork, case: Case, d: Deadline, now: dt.datetime) -> int:
    rule = workflows.get(case.workflow).rule(d.rule)
    title = f"案件 {case.ref}：{rule.label_zh}期限已届满"
    body = f"{rule.label_zh}（{d.citation}）于 {d.due_on.isoformat()} 届满。"
    if case.workflow == "mediation" and d.on_expiry == "expire":
        body += (
            "调解期限届满未达成协议，应告知当事人可以依法申请劳动争议仲裁"
            "（劳动争议调解仲裁法 第十四条）。"
        )
    body += FOLLOW_UP_ZH.get((case.workflow, d.rule), "")
    if d.rule == MASS_INCIDENT_REPORT.name:
        body += (
            f"{case.org_unit.name}尚未登记向同级党委、政府报告群体性事件，请立即报告并登记；"
            "上级工会已同时收到本通知。"
        )
    data = {"case_ref": case.ref, "rule": d.rule}
    s = uow.session
    key = f"expired:{d.id}"
    made = notify_unit_supervisors(
        s, case.org_unit, case, kind="deadline_expired", title=title, body=body, key=key, data=data
    )
    if case.assignee_id:
        made += notify(
            s,
            case,
            kind="deadline_expired",
            title=title,
            body=body,
            key=f"{key}:assignee",
            users=[case.assignee_id],
            data=data,
        )
    if d.rule == MASS_INCIDENT_REPORT.name and case.org_unit.parent is not None:
        # Missed: the level above, told of the incident at once, is told the report is not made.
        made += notify_unit_supervisors(
            s,
            case.org_unit.parent,
            case,
            kind="deadline_expired",
            title=title,
            body=body,
            key=f"{key}:above",
            data=data,
        )
    enqueue_webhook(
        s,
        uow.settings,
        "deadline.expired",
        {"case_ref": case.ref, "rule": d.rule, "due": d.due_on.isoformat(), "citation": d.citation},
    )
    return made


def _remind_one(uow: UnitOfWork, deadline_id: int, now: dt.datetime, report: SweepReport) -> None:
    s = uow.session
    d = s.get(Deadline, deadline_id)
    if d is None or d.status != "running" or d.reminded_at is not None:
        report.skipped += 1
        return
    case = s.get(Case, d.case_id)
    s.add(
        DeadlineAction(
            deadline_id=d.id, action="remind", case_id=case.id, result="due_soon", at=now
        )
    )
    d.reminded_at = now
    d.remind_at = None  # out of the reminder index: it is never claimed again
    rule = workflows.get(case.workflow).rule(d.rule)
    notify(
        s,
        case,
        kind="due_soon",
        title=f"案件 {case.ref}：{rule.label_zh}将于 {d.due_on.isoformat()} 到期",
        body=f"{rule.label_zh}（{d.citation}）即将到期，请及时办理。",
        key=f"remind:{d.id}",
        users=[case.assignee_id] if case.assignee_id else [],
        unit_id=case.org_unit_id,
        data={"case_ref": case.ref, "rule": d.rule},
    )
    report.reminders += 1


def sweep(
    rt: Runtime,
    *,
    now: dt.datetime | None = None,
    dry_run: bool = False,
    batch: int = 100,
    max_batches: int | None = None,
) -> SweepReport:
    """One pass: act on every clock due at ``now`` (and send due-soon reminders)."""
    now = now or dt.datetime.now(dt.UTC)
    report = SweepReport(now=now, dry_run=dry_run)
    if dry_run:
        report.planned = plan(rt, now)
        return report
    for column, handler in ((Deadline.due_at, _expire_one), (Deadline.remind_at, _remind_one)):
        batches = 0
        while max_batches is None or batches < max_batches:
            batches += 1
            uow = rt.uow()
            with uow:
                ids = _claim(uow.session, column, now, batch)
                if not ids:
                    break
                if handler is _expire_one:
                    ids_left = _expire_handling(uow, ids, now, report)
                else:
                    ids_left = ids
                # Kept alive for the batch (the identity map only keeps what is referenced).
                held = _preload(uow.session, ids_left) if ids_left else []  # noqa: F841
                for deadline_id in ids_left:
                    try:
                        with uow.session.begin_nested():
                            handler(uow, deadline_id, now, report)
                    except (IntegrityError, StaleDataError):
                        report.skipped += 1  # another sweeper or a user got there first
                    except DomainError as exc:
                        report.failed += 1
                        log.warning("sweep: clock %s not handled: %s", deadline_id, exc.message_en)
                try:
                    uow.commit()
                except StaleDataError:
                    report.failed += 1
                    log.warning(
                        "sweep: batch lost a race and was rolled back; the next pass retries"
                    )
            if len(ids) < batch:
                break
    if report.expired or report.reminders or report.failed:
        log.info("sweep done %s", report.as_dict())
    return report


def overdue_unhandled(rt: Runtime, now: dt.datetime, grace: dt.timedelta) -> int:
    """Clocks still running more than ``grace`` after they fell due (the scheduler's auditor)."""
    with rt.reader() as uow:
        return int(
            uow.session.scalar(
                select(func.count())
                .select_from(Deadline)
                .where(Deadline.status == "running", Deadline.due_at <= now - grace)
            )
            or 0
        )
