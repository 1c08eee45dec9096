"""The overdue pass of the referral ledger (催办/督办), run by the scheduler and ``casework sweep``
after the clock sweep.

A referral whose agency has let the clock of its stage run out (``chase_at <= now``: the end of
its due day) is chased once per due date: a 督办 notice to each supervisor of the unit that
referred it (the unit itself when it has none), an event in the case history, and its mark on
the joint-meeting agenda (``overdue_at``, the first time; ``missed``). Then ``chase_at`` is
cleared, so the pass costs O(due rows) and never chases the same due date again; a new due date
(the agency's 立案 starts its next clock, or an extension) puts it back on the index.

Set-based and idempotent: due ids are claimed in batches (``FOR UPDATE SKIP LOCKED`` on
PostgreSQL, so a second sweeper takes other rows; SQLite serialises writers), loaded with their
cases in one query, the supervisors of their units in one query per unit and the notices already
written in one query per batch; one ``UPDATE`` clears the batch. Every notice has a dedupe key
(``referral-overdue:<id>:<due date>``, unique in the table), so even a second sweeper that got
through could not notify twice: its batch fails and rolls back, the first one's stands.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from casework.core import signals
from casework.core.db import skip_locked
from casework.core.vocab import AGENCY_KINDS
from casework.history import record
from casework.models import Case, Notification, OrgUnit, Referral
from casework.notices.service import supervisors_of
from casework.runtime import Runtime
from workflows.referrals import profile_for

log = logging.getLogger("casework.sweep")


@dataclass
class ChaseReport:
    chased: int = 0
    notified: int = 0
    skipped: int = 0  # batches another sweeper won (rolled back; nothing lost)

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


def _stage_label(r: Referral) -> str:
    profile = profile_for(r.agency_kind, r.procedure)
    if profile is None or r.stage is None:
        return "答复反馈"
    return profile.stage(r.stage).label_zh


def notice_key(r: Referral) -> str:
    return f"referral-overdue:{r.id}:{r.due_on.isoformat() if r.due_on else ''}"


def _chase_batch(rt: Runtime, now: dt.datetime, batch: int, report: ChaseReport) -> int:
    """One batch in one transaction; how many ids it claimed."""
    uow = rt.uow()
    with uow:
        s = uow.session
        claim = (
            select(Referral.id)
            .where(Referral.chase_at <= now)
            .order_by(Referral.chase_at, Referral.id)
            .limit(batch)
        )
        ids = list(s.scalars(skip_locked(claim, s)))
        if not ids:
            return 0
        rows = s.execute(
            select(Referral, Case)
            .join(Case, Case.id == Referral.case_id)
            .where(Referral.id.in_(ids), Referral.answered_on.is_(None))
            .order_by(Referral.id)
        ).all()
        units = {
            u.id: u
            for u in s.scalars(
                select(OrgUnit).where(OrgUnit.id.in_({r.org_unit_id for r, _ in rows}))
            )
        }
        keys = {r.id: notice_key(r) for r, _ in rows}
        recipients = {
            r.id: [(uid, None) for uid in supervisors_of(s, r.org_unit_id)]
            or [(None, r.org_unit_id)]
            for r, _ in rows
        }
        all_keys = [
            f"{keys[rid]}:u{uid}" if uid else f"{keys[rid]}:o{oid}"
            for rid, people in recipients.items()
            for uid, oid in people
        ]
        existing = set(
            s.scalars(select(Notification.dedupe_key).where(Notification.dedupe_key.in_(all_keys)))
        )
        for r, case in rows:
            unit = units[r.org_unit_id]
            agency = AGENCY_KINDS[r.agency_kind]
            stage = _stage_label(r)
            due = r.due_on.isoformat() if r.due_on else ""
            title = f"督办：{case.ref} 移送{r.agency_name}的事项逾期未反馈"
            body = (
                f"{unit.name}于{r.sent_on.isoformat()}向{r.agency_name}（{agency}）移送的事项，"
                f"{stage}期限（{r.citation}）已于{due}届满，该机关尚未反馈。"
                "请向该机关催办；本事项已列入政府与工会联席会议议程。"
            )
            data = {
                "case_ref": case.ref,
                "referral_id": r.id,
                "agency_kind": r.agency_kind,
                "agency_name": r.agency_name,
                "stage": r.stage,
                "due_on": due,
            }
            for uid, oid in recipients[r.id]:
                key = f"{keys[r.id]}:u{uid}" if uid else f"{keys[r.id]}:o{oid}"
                if key in existing:
                    continue
                s.add(
                    Notification(
                        user_id=uid,
                        org_unit_id=oid,
                        case_id=case.id,
                        kind="referral_overdue",
                        title=title,
                        body=body,
                        data=data,
                        dedupe_key=key,
                        created_at=now,
                    )
                )
                report.notified += 1
            record(
                uow,
                case,
                "referral_overdue",
                data={
                    "referral_id": r.id,
                    "agency_kind": r.agency_kind,
                    "agency_name": r.agency_name,
                    "stage": r.stage,
                    "due_on": due,
                    "citation": r.citation,
                    "agenda": True,
                },
                at=now,
            )
            # The employer's early warning hears of it in the same transaction (a rule may raise).
            signals.emit(
                uow,
                signals.REFERRAL_OVERDUE,
                employer_id=case.employer_id,
                at=now,
                case=case,
                subject=f"referral:{r.id}",
            )
            report.chased += 1
        # Off the sweep's index in one statement: on the agenda, a clock missed.
        s.execute(
            update(Referral)
            .where(Referral.id.in_(ids))
            .values(chase_at=None, missed=True, overdue_at=func.coalesce(Referral.overdue_at, now))
            .execution_options(synchronize_session=False)
        )
        uow.commit()
    return len(ids)


def chase_overdue(
    rt: Runtime, *, now: dt.datetime | None = None, batch: int = 100, max_batches: int | None = None
) -> ChaseReport:
    """One pass: chase every referral whose agency's clock has run out at ``now``."""
    now = now or dt.datetime.now(dt.UTC)
    report = ChaseReport()
    batches = 0
    while max_batches is None or batches < max_batches:
        batches += 1
        try:
            claimed = _chase_batch(rt, now, batch, report)
        except (IntegrityError, StaleDataError):
            # Another sweeper (or a user's act on the same case) got there first: this batch
            # rolled back whole; the next pass sees what is still due.
            report.skipped += 1
            log.warning("referral sweep: a batch lost a race and was rolled back")
            break
        if claimed < batch:
            break
    if report.chased or report.skipped:
        log.info("referral sweep done %s", report.as_dict())
    return report
