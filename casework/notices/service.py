"""Inbox notices: one way to write one, de-duplicated by key; acknowledging one.

A notice goes to a user, or to a unit (everyone of it sees it). Supervisors of a unit are told
one notice each; a unit without supervisors gets one notice for the unit.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.clocks.service import start_case_clock
from casework.core import signals
from casework.core.db import insert_new
from casework.core.errors import NotFound
from casework.core.uow import UnitOfWork
from casework.history import record
from casework.models import Case, Notification, OrgUnit, User, UserRole
from casework.notices.outbox import enqueue_webhook
from casework.notices.queries import addressed_to
from casework.people.access import Actor
from casework.people.routing import chain_upwards
from workflows.base import MASS_INCIDENT_REPORT


def supervisors_of(session: Session, unit_id: int) -> list[int]:
    """Ids of the active supervisors of a unit (memoised for the transaction)."""
    memo = session.info.setdefault("casework_supervisors", {})
    if unit_id not in memo:
        memo[unit_id] = list(
            session.scalars(
                select(User.id)
                .join(UserRole, UserRole.user_id == User.id)
                .where(
                    User.org_unit_id == unit_id,
                    UserRole.role == "supervisor",
                    User.is_active.is_(True),
                )
                .order_by(User.id)
            )
        )
    return memo[unit_id]


def supervisors_by_unit(session: Session, unit_ids: set[int]) -> dict[int, list[int]]:
    """:func:`supervisors_of` for many units in one query (and memoised the same way)."""
    memo = session.info.setdefault("casework_supervisors", {})
    wanted = unit_ids - memo.keys()
    if wanted:
        for uid in wanted:
            memo[uid] = []
        for unit_id, user_id in session.execute(
            select(User.org_unit_id, User.id)
            .join(UserRole, UserRole.user_id == User.id)
            .where(
                User.org_unit_id.in_(wanted),
                UserRole.role == "supervisor",
                User.is_active.is_(True),
            )
            .order_by(User.id)
        ):
            memo[unit_id].append(user_id)
    return {uid: memo[uid] for uid in unit_ids}


def notice_rows(
    case_id: int | None,
    *,
    kind: str,
    title: str,
    body: str,
    key: str,
    users: list[int],
    unit_id: int | None,
    data: dict[str, Any],
    now: dt.datetime,
) -> list[dict[str, Any]]:
    """:func:`notify`'s rows as plain values, for a multi-row insert that skips the keys already
    taken (``casework.core.db.insert_new``): one per user, or one for the unit when none."""
    recipients: list[tuple[int | None, int | None]] = [(uid, None) for uid in users] or [
        (None, unit_id)
    ]
    return [
        {
            "user_id": uid,
            "org_unit_id": oid,
            "case_id": case_id,
            "kind": kind,
            "title": title,
            "body": body,
            "data": data,
            "dedupe_key": f"{key}:u{uid}" if uid else f"{key}:o{oid}",
            "created_at": now,
            "read_at": None,
        }
        for uid, oid in recipients
    ]


def notify(
    session: Session,
    case: Case | None,
    *,
    kind: str,
    title: str,
    body: str,
    key: str,
    users: list[int] = (),  # type: ignore[assignment]
    unit_id: int | None = None,
    data: dict[str, Any] | None = None,
) -> int:
    """One notice per user in ``users`` (or, with none, one for ``unit_id``) about ``case`` (None:
    about no one case, e.g. an early warning on an employer).
    ``key`` de-duplicates: the same key never notifies the same recipient twice. Returns how
    many notices were written."""
    if not users and unit_id is None:
        return 0
    rows = notice_rows(
        case.id if case is not None else None,
        kind=kind,
        title=title,
        body=body,
        key=key,
        users=list(users),
        unit_id=unit_id,
        data=data or {},
        now=dt.datetime.now(dt.UTC),
    )
    # One statement: the keys already taken are skipped by the unique index on dedupe_key (and
    # only the rows written come back: the driver's rowcount is not reliable here).
    table = Notification.__table__
    return len(session.execute(insert_new(session, table).values(rows).returning(table.c.id)).all())


def notify_unit_supervisors(
    session: Session,
    unit: OrgUnit,
    case: Case | None,
    *,
    kind: str,
    title: str,
    body: str,
    key: str,
    data: dict[str, Any] | None = None,
) -> int:
    """One notice per supervisor of ``unit`` (or one for the unit when it has none)."""
    return notify(
        session,
        case,
        kind=kind,
        title=title,
        body=body,
        key=key,
        users=supervisors_of(session, unit.id),
        unit_id=unit.id,
        data=data,
    )


def acknowledge(
    uow: UnitOfWork, *, actor: Actor, notification_id: int, now: dt.datetime | None = None
) -> Notification:
    """Mark a notice addressed to the caller (or to their unit) as read; acking twice keeps the
    first time."""
    now = now or dt.datetime.now(dt.UTC)
    with uow:
        n = uow.session.scalars(
            select(Notification).where(Notification.id == notification_id, addressed_to(actor))
        ).first()
        if n is None:
            raise NotFound("通知不存在", f"no notification {notification_id}")
        if n.read_at is None:
            n.read_at = now
            uow.commit()
        return n


def report_mass_incident(uow: UnitOfWork, case: Case, *, now: dt.datetime) -> int:
    """A mass incident (群体性事件) is reported at once to the supervisors of the parent and its
    parent, and the unit holding the case owes a report to the Party committee and the
    government at its own level the same day (向同级党委和政府报告): a clock due at the end of
    today, met when the report is recorded, told to the unit and the level above if missed. The
    case stays where it is. Returns how many notices were written."""
    chain = chain_upwards(uow.session, case.org_unit)
    clock = start_case_clock(uow, case, MASS_INCIDENT_REPORT, entry_seq=case.event_seq, now=now)
    due = clock.due_on.isoformat() if clock is not None else None
    made = 0
    for unit in chain[1:3]:
        made += notify_unit_supervisors(
            uow.session,
            unit,
            case,
            kind="mass_incident",
            title=f"群体性事件报告：{case.ref}",
            body=f"{case.org_unit.name}承办的案件涉及群体性事件（{case.worker_count}人），请关注。"
            f"{case.org_unit.name}须于当日向同级党委、政府报告。",
            key=f"mass:{case.id}:{unit.id}",
            data={"case_ref": case.ref, "worker_count": case.worker_count, "report_due": due},
        )
    enqueue_webhook(
        uow.session,
        uow.settings,
        "case.mass_incident",
        {"case_ref": case.ref, "org_unit": case.org_unit.code, "worker_count": case.worker_count},
    )
    record(
        uow,
        case,
        "mass_incident_reported",
        data={"notified_units": [u.code for u in chain[1:3]], "report_due": due},
        at=now,
    )
    signals.emit(uow, signals.MASS_INCIDENT, employer_id=case.employer_id, at=now, case=case)
    return made
