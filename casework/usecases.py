"""The use cases behind the REST API, each in one unit of work, each returning a plain view.

The API views stay thin: they parse, call one function here, and serialise what it returns.
Writes delegate to the services (:mod:`casework.cases`, :mod:`casework.escalation`, ...); reads
are written here with a fixed number of statements whatever the size of the page (no N+1).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import aliased

import workflows
from casework import presenters
from casework.access import Actor, subtree_of, visible_cases
from casework.auth import revoke_all
from casework.calendar import load_calendar, set_day
from casework.cases import (
    WorkerInput,
    assign,
    check_version,
    comment,
    commit_or_conflict,
    fire,
    get_visible_case,
    open_case,
    today_shanghai,
)
from casework.clocks import active_clocks
from casework.documents import issue_document as issue
from casework.documents import list_documents
from casework.errors import InvalidInput, NotFound, NotPermitted
from casework.escalation import request_escalation
from casework.history import append_event
from casework.models import (
    Case,
    CaseEvent,
    Employer,
    Escalation,
    Notification,
    OrgUnit,
    User,
)
from casework.orgs import (
    create_org_unit,
    create_user,
    find_or_create_employer,
    update_org_unit,
    update_user,
)
from casework.presenters import Page
from casework.reports import summary
from casework.uow import UnitOfWork

MAX_PER_PAGE = 100


def _bounds(page: int, per_page: int) -> tuple[int, int]:
    return max(page, 1), max(1, min(per_page, MAX_PER_PAGE))


def _page(uow: UnitOfWork, stmt: Select, count_stmt: Select, page: int, per_page: int,
          present: Callable[[list[Any]], list[dict[str, Any]]]) -> Page:
    """One page of ``stmt`` (rows as tuples) presented, and the total from ``count_stmt``."""
    page, per_page = _bounds(page, per_page)
    total = uow.session.execute(count_stmt).scalar_one()
    rows = list(uow.session.execute(stmt.limit(per_page).offset((page - 1) * per_page)))
    return Page(present(rows), page, per_page, total)


def _require(actor: Actor, role: str, zh: str, en: str) -> None:
    if role not in actor.roles and not actor.is_system:
        raise NotPermitted(zh, en)


# -- who am I --------------------------------------------------------------------------------


def me(uow: UnitOfWork, actor: Actor) -> dict[str, Any]:
    with uow:
        user = uow.session.get(User, actor.user_id)
        if user is None:
            raise NotFound("用户不存在", "no such user")
        return presenters.user(user)


# -- org units -------------------------------------------------------------------------------


def list_org_units(uow: UnitOfWork, actor: Actor, *, page: int = 1, per_page: int = 50) -> Page:
    with uow:
        where = OrgUnit.path.startswith(actor.org_path)
        return _page(uow, select(OrgUnit).where(where).order_by(OrgUnit.path),
                     select(func.count(OrgUnit.id)).where(where), page, per_page,
                     lambda rows: [presenters.org_unit(u) for (u,) in rows])


def _visible_unit(uow: UnitOfWork, actor: Actor, unit_id: int) -> OrgUnit:
    unit = uow.session.get(OrgUnit, unit_id)
    if unit is None or not actor.covers_path(unit.path):
        raise NotFound("组织不存在", f"no org unit {unit_id}")
    return unit


def get_org_unit(uow: UnitOfWork, actor: Actor, unit_id: int) -> dict[str, Any]:
    with uow:
        return presenters.org_unit(_visible_unit(uow, actor, unit_id))


def add_org_unit(uow: UnitOfWork, actor: Actor, *, code: str, name: str, level: str, parent_id: int) -> dict[str, Any]:
    _require(actor, "admin", "只有管理员可以新建组织", "only an admin may create org units")
    with uow:
        parent = _visible_unit(uow, actor, parent_id)
        unit = create_org_unit(uow, code=code, name=name, level=level, parent_code=parent.code)
        uow.commit()
        return presenters.org_unit(unit)


def change_org_unit(uow: UnitOfWork, actor: Actor, unit_id: int, *, name: str | None, level: str | None) -> dict[str, Any]:
    _require(actor, "admin", "只有管理员可以修改组织", "only an admin may change org units")
    with uow:
        _visible_unit(uow, actor, unit_id)
        unit = update_org_unit(uow, unit_id, name=name, level=level)
        uow.commit()
        return presenters.org_unit(unit)


# -- users -----------------------------------------------------------------------------------


def list_users(uow: UnitOfWork, actor: Actor, *, org_unit_id: int | None = None, page: int = 1,
               per_page: int = 20) -> Page:
    """Users of the caller's subtree (or of one unit in it), e.g. to pick an assignee."""
    conds: list[Any] = [User.org_unit_id.in_(subtree_of(actor))]
    if org_unit_id is not None:
        conds.append(User.org_unit_id == org_unit_id)
    with uow:
        return _page(uow, select(User).where(*conds).order_by(User.org_unit_id, User.username),
                     select(func.count(User.id)).where(*conds), page, per_page,
                     lambda rows: [presenters.user(u) for (u,) in rows])


def _visible_user(uow: UnitOfWork, actor: Actor, user_id: int) -> User:
    user = uow.session.get(User, user_id)
    if user is None or not actor.covers_path(user.org_unit.path):
        raise NotFound("用户不存在", f"no user {user_id}")
    return user


def get_user(uow: UnitOfWork, actor: Actor, user_id: int) -> dict[str, Any]:
    with uow:
        return presenters.user(_visible_user(uow, actor, user_id))


def add_user(uow: UnitOfWork, actor: Actor, *, username: str, display_name: str, org_unit_id: int,
             roles: list[str], password: str) -> dict[str, Any]:
    _require(actor, "admin", "只有管理员可以新建用户", "only an admin may create users")
    with uow:
        unit = _visible_unit(uow, actor, org_unit_id)
        user = create_user(uow, username=username, display_name=display_name, org_code=unit.code,
                           roles=roles, password=password)
        uow.commit()
        user.org_unit = unit
        return presenters.user(user)


def change_user(uow: UnitOfWork, actor: Actor, user_id: int, **changes: Any) -> dict[str, Any]:
    """Admins change display name, roles, active flag or password; deactivating a user or
    setting a new password revokes their tokens in the same transaction."""
    _require(actor, "admin", "只有管理员可以修改用户", "only an admin may change users")
    with uow:
        _visible_user(uow, actor, user_id)
        user, logout = update_user(uow, user_id, **changes)
        if logout:
            revoke_all(uow, user_id)
        uow.commit()
        return presenters.user(user)


# -- cases: reads ----------------------------------------------------------------------------


def case_view(uow: UnitOfWork, actor: Actor, case: Case, now: dt.datetime | None = None) -> dict[str, Any]:
    """The full case as the API shows it (call with the unit of work open)."""
    now = now or dt.datetime.now(dt.UTC)
    return presenters.case_detail(
        case, actor, active_clocks(uow.session, case.id),
        guard_settings=uow.settings.guard_settings, today=today_shanghai(now), now=now,
    )


def get_case_view(uow: UnitOfWork, actor: Actor, case_id: int) -> dict[str, Any]:
    with uow:
        return case_view(uow, actor, get_visible_case(uow.session, actor, case_id))


def list_cases(
    uow: UnitOfWork,
    actor: Actor,
    *,
    workflow: str | None = None,
    state: str | None = None,
    org_unit_id: int | None = None,
    overdue: bool | None = None,
    assignee_id: int | None = None,
    q: str | None = None,
    page: int = 1,
    per_page: int = 20,
    now: dt.datetime | None = None,
) -> Page:
    now = now or dt.datetime.now(dt.UTC)
    conds: list[Any] = [visible_cases(actor)]
    if workflow:
        if workflow not in workflows.names():
            raise InvalidInput("workflow", f"未知流程，可选：{', '.join(workflows.names())}",
                               f"one of {', '.join(workflows.names())}")
        conds.append(Case.workflow == workflow)
    if state:
        conds.append(Case.state == state)
    if org_unit_id is not None:
        conds.append(Case.org_unit_id == org_unit_id)
    if overdue is True:
        conds += [Case.closed_at.is_(None), Case.next_due_at < now]
    elif overdue is False:
        conds.append(or_(Case.closed_at.is_not(None), Case.next_due_at.is_(None), Case.next_due_at >= now))
    if assignee_id is not None:
        conds.append(Case.assignee_id == assignee_id)
    if q:
        q = q.strip()
        employer_ids = select(Employer.id).where(Employer.name.contains(q, autoescape=True))
        conds.append(or_(Case.ref.contains(q.upper(), autoescape=True), Case.employer_id.in_(employer_ids)))
    with uow:
        return _page(uow, select(Case).where(*conds).order_by(Case.created_at.desc(), Case.id.desc()),
                     select(func.count(Case.id)).where(*conds), page, per_page,
                     lambda rows: [presenters.case_summary(c, now=now) for (c,) in rows])


def case_events(uow: UnitOfWork, actor: Actor, case_id: int, *, page: int = 1, per_page: int = 100) -> Page:
    with uow:
        case = get_visible_case(uow.session, actor, case_id)
        page, per_page = _bounds(page, per_page)
        rows = uow.session.scalars(
            select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.seq)
            .limit(per_page).offset((page - 1) * per_page)
        )
        return Page([presenters.event(e) for e in rows], page, per_page, case.event_seq)


# -- cases: writes ---------------------------------------------------------------------------
# Each write enters the unit of work first, so the service's own commit is deferred to the
# commit here and the view is built from what was committed, in the same session.


def _precondition(uow: UnitOfWork, actor: Actor, case_id: int, expected_version: int | None) -> None:
    """If-Match is checked before anything else: a stale client learns that first (412)."""
    if expected_version is not None:
        check_version(get_visible_case(uow.session, actor, case_id), expected_version)


def create_case(
    uow: UnitOfWork,
    actor: Actor,
    *,
    workflow: str,
    employer: Mapping[str, Any],
    workers: list[Mapping[str, Any]],
    worker_count: int | None = None,
    amount_claimed: Any = None,
    summary: str = "",
    channel: str = "walk_in",
    complexity: str = "normal",
    mass_incident: bool = False,
    attributes: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Open a case; the engine routes it to the competent unit of the employer's chain."""
    with uow:
        emp, _known = find_or_create_employer(
            uow, actor, name=employer.get("name", ""), credit_code=employer.get("credit_code"),
            org_unit_code=employer.get("org_unit_code"),
        )
        case = open_case(
            uow, actor=actor, workflow=workflow, employer_id=emp.id,
            workers=[WorkerInput(w.get("name", ""), w.get("id_number"), w.get("phone")) for w in workers],
            worker_count=worker_count, amount_claimed=amount_claimed, channel=channel, summary=summary,
            complexity=complexity, mass_incident=mass_incident, attributes=attributes,
        )
        commit_or_conflict(uow)
        return case_view(uow, actor, case)


def transition(
    uow: UnitOfWork, actor: Actor, case_id: int, trigger: str, *, comment_text: str | None,
    data: Mapping[str, Any] | None, expected_version: int | None,
) -> dict[str, Any]:
    with uow:
        _precondition(uow, actor, case_id, expected_version)
        case = fire(uow, case_id, trigger, actor=actor, comment=comment_text, data=data)
        commit_or_conflict(uow)
        return case_view(uow, actor, case)


def assign_case(uow: UnitOfWork, actor: Actor, case_id: int, user_id: int, *, expected_version: int | None) -> dict[str, Any]:
    with uow:
        _precondition(uow, actor, case_id, expected_version)
        case = assign(uow, case_id, user_id, actor=actor)
        commit_or_conflict(uow)
        return case_view(uow, actor, case)


def add_comment(uow: UnitOfWork, actor: Actor, case_id: int, text: str, *, expected_version: int | None) -> tuple[dict[str, Any], int]:
    with uow:
        _precondition(uow, actor, case_id, expected_version)
        case = comment(uow, case_id, text, actor=actor)
        commit_or_conflict(uow)
        ev = uow.session.scalars(
            select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.seq == case.event_seq)
        ).one()
        return presenters.event(ev), case.version


def escalate(uow: UnitOfWork, actor: Actor, case_id: int, *, reason: str, comment_text: str,
             expected_version: int | None) -> tuple[dict[str, Any], int]:
    with uow:
        _precondition(uow, actor, case_id, expected_version)
        esc = request_escalation(uow, case_id, actor=actor, reason=reason, comment=comment_text)
        commit_or_conflict(uow)
        s = uow.session
        case = s.get(Case, esc.case_id)
        view = presenters.escalation(esc, case, s.get(OrgUnit, esc.from_unit_id), s.get(OrgUnit, esc.to_unit_id))
        return view, case.version


def reveal_personal_data(
    uow: UnitOfWork, actor: Actor, case_id: int, *, person_id: int, field: str, reason: str,
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    """The clear ID number or phone of a worker on the case, for a caseworker or supervisor acting
    on it, with a stated reason; who, what and why go into the case history (never the value)."""
    if field not in ("id_number", "phone"):
        raise InvalidInput("field", "只能查看 id_number 或 phone", "must be id_number or phone")
    reason = (reason or "").strip()
    if len(reason) < 2:
        raise InvalidInput("reason", "请说明查看原因", "a reason is required")
    with uow:
        s = uow.session
        case = get_visible_case(s, actor, case_id)
        if not actor.acting_roles(case) & {"caseworker", "supervisor"}:
            raise NotPermitted("只有承办本案的办案人员或上级主管可以查看完整个人信息",
                               "only a caseworker or supervisor acting on the case may see personal data")
        person = next((p for p in case.workers if p.id == person_id), None)
        if person is None:
            raise NotFound("本案没有该职工", f"no worker {person_id} on this case")
        token = person.id_number_enc if field == "id_number" else person.phone_enc
        if token is None:
            raise NotFound("该职工未登记此项信息", f"no {field} recorded for this worker")
        value = uow.vault.decrypt(token)
        append_event(s, case, kind="pii_revealed", actor_id=actor.user_id, actor=actor.username,
                     data={"person_id": person.id, "field": field, "reason": reason[:500]}, at=now)
        commit_or_conflict(uow)
        return {"person_id": person.id, "field": field, "value": value}


# -- escalations and notifications -----------------------------------------------------------


def escalation_inbox(uow: UnitOfWork, actor: Actor, *, page: int = 1, per_page: int = 20) -> Page:
    """Escalations into the caller's subtree: cases still open first, then newest first."""
    from_unit = aliased(OrgUnit)
    to_unit = aliased(OrgUnit)
    where = Escalation.to_unit_id.in_(subtree_of(actor))
    with uow:
        def present(rows: list[Any]) -> list[dict[str, Any]]:
            # The caller's unread notice about each case of the page, in one query.
            case_ids = {c.id for (_, c, _, _) in rows}
            mine: dict[int, int] = {}
            if case_ids and actor.user_id is not None:
                for nid, cid in uow.session.execute(
                    select(Notification.id, Notification.case_id).where(
                        Notification.case_id.in_(case_ids), Notification.kind == "escalation",
                        _mine(actor), Notification.read_at.is_(None),
                    )
                ):
                    mine.setdefault(cid, nid)
            return [presenters.escalation(e, c, f, t, mine.get(c.id)) for (e, c, f, t) in rows]

        return _page(
            uow,
            select(Escalation, Case, from_unit, to_unit)
            .join(Case, Case.id == Escalation.case_id)
            .join(from_unit, from_unit.id == Escalation.from_unit_id)
            .join(to_unit, to_unit.id == Escalation.to_unit_id)
            .where(where)
            .order_by(Case.closed_at.is_(None).desc(), Escalation.created_at.desc(), Escalation.id.desc()),
            select(func.count(Escalation.id)).where(where), page, per_page, present,
        )


def _mine(actor: Actor) -> Any:
    return or_(Notification.user_id == actor.user_id, Notification.org_unit_id == actor.org_unit_id)


def list_notifications(uow: UnitOfWork, actor: Actor, *, unread: bool | None = None, page: int = 1,
                       per_page: int = 20) -> Page:
    conds = [_mine(actor)]
    if unread is True:
        conds.append(Notification.read_at.is_(None))
    elif unread is False:
        conds.append(Notification.read_at.is_not(None))
    with uow:
        return _page(
            uow,
            select(Notification).where(*conds)
            .order_by(Notification.read_at.is_(None).desc(), Notification.created_at.desc(), Notification.id.desc()),
            select(func.count(Notification.id)).where(*conds), page, per_page,
            lambda rows: [presenters.notification(n) for (n,) in rows],
        )


def ack_notification(uow: UnitOfWork, actor: Actor, notification_id: int, now: dt.datetime | None = None) -> dict[str, Any]:
    """Mark a notice addressed to the caller (or to their unit) as read; acking twice keeps the
    first time."""
    now = now or dt.datetime.now(dt.UTC)
    with uow:
        n = uow.session.scalars(select(Notification).where(Notification.id == notification_id, _mine(actor))).first()
        if n is None:
            raise NotFound("通知不存在", f"no notification {notification_id}")
        if n.read_at is None:
            n.read_at = now
            uow.commit()
        return presenters.notification(n)


# -- calendar --------------------------------------------------------------------------------


def deadline_for(uow: UnitOfWork, *, start: dt.date, days: int, unit: str) -> dict[str, Any]:
    if not 0 <= days <= 3650:
        raise InvalidInput("days", "天数必须在0到3650之间", "must be from 0 to 3650")
    if not 1949 <= start.year <= 2199:
        raise InvalidInput("start", "起算日须在1949年至2199年之间", "must be a date from 1949 to 2199")
    with uow:
        return load_calendar(uow.session).due(start, days, unit).as_dict()


def set_calendar_day(uow: UnitOfWork, actor: Actor, day: dt.date, *, is_workday: bool, name: str | None) -> dict[str, Any]:
    _require(actor, "admin", "只有管理员可以修改工作日历", "only an admin may change the calendar")
    with uow:
        row = set_day(uow.session, day, is_workday=is_workday, name=name)
        uow.commit()
        return {"day": row.day.isoformat(), "is_workday": row.is_workday, "name": row.name, "source": row.source}


# -- documents and reports -------------------------------------------------------------------


def issue_document(uow: UnitOfWork, actor: Actor, case_id: int, *, kind: str, addressee: str,
                   reply_due: dt.date | None, data: Mapping[str, Any] | None, expected_version: int | None) -> tuple[dict[str, Any], int]:
    with uow:
        _precondition(uow, actor, case_id, expected_version)
        doc = issue(uow, case_id, actor=actor, kind=kind, addressee=addressee, reply_due=reply_due, data=data)
        commit_or_conflict(uow)
        s = uow.session
        return presenters.document(doc, s.get(OrgUnit, doc.issuer_unit_id)), s.get(Case, doc.case_id).version


def case_documents(uow: UnitOfWork, actor: Actor, case_id: int, *, page: int = 1, per_page: int = 20) -> Page:
    with uow:
        s = uow.session
        case = get_visible_case(s, actor, case_id)
        docs = list_documents(s, case)  # loads the issuing units too: get() below is free
        page, per_page = _bounds(page, per_page)
        chunk = docs[(page - 1) * per_page: page * per_page]
        return Page([presenters.document(d, s.get(OrgUnit, d.issuer_unit_id)) for d in chunk], page, per_page, len(docs))


def report_summary(uow: UnitOfWork, actor: Actor, *, org_unit_id: int | None, date_from: dt.date | None,
                   date_to: dt.date | None) -> dict[str, Any]:
    with uow:
        return summary(uow.session, actor, org_unit_id=org_unit_id, date_from=date_from, date_to=date_to)
