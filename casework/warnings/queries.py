"""Reads of the early warning: what each rule finds for one employer (indexed, per employer, so
the cost of an evaluation does not grow with the number of employers), the employer dossier,
the warnings board, the per-unit report and the clean-record answer for honours vetting.

Scope: an item (call, case, document, escalation, warning) is shown only when the caller may see
it; what lies outside is counted ("另有 3 件在其他单位办理"), never shown.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, or_, select, true
from sqlalchemy.orm import Session, aliased

import workflows
from casework.clocks.calendar import load_calendar
from casework.core.errors import InvalidInput, NotFound
from casework.core.queries import Page, page_of
from casework.core.text import normalise_name
from casework.core.time import end_of_day, iso, local_date, money, start_of_day
from casework.core.uow import UnitOfWork
from casework.core.vocab import (
    AGENCY_KINDS,
    DISPOSITIONS,
    INDUSTRIES,
    PROJECT_ROLES,
    REFERRAL_OUTCOMES,
    WARNING_LEVELS,
)
from casework.models import (
    Case,
    Document,
    Employer,
    EmployerEvent,
    EmployerWarning,
    Escalation,
    OrgUnit,
    Project,
    ProjectParty,
    Referral,
    WarningRule,
)
from casework.people.access import Actor, require, subtree_of, visible_cases
from casework.people.pii import normalise_credit_code
from casework.people.queries import employer_detail, unit_key, unit_ref, visible_unit
from casework.referrals.queries import STATUS_LABELS_ZH as REFERRAL_STATUS_LABELS_ZH
from casework.referrals.queries import status_of as referral_status
from casework.warnings.rules import SPECS, RuleConfig, level_label, load_rule_files, with_row
from workflows.documents import DOCUMENT_KINDS

HOTLINE = "hotline"
WAGE_ARREARS = "wage_arrears"
SUPERVISION = "supervision"
# Items of one kind a dossier lists (the newest); the counts cover all of them.
DOSSIER_ITEMS = 200
SUPERVISION_LETTERS = ("tip_letter", "opinion_letter", "suggestion_letter")


# -- the rules' configuration ------------------------------------------------------------------


def rule_configs(session: Session, file_path: str, codes: tuple[str, ...]) -> list[RuleConfig]:
    """The effective settings of ``codes``: defaults, the file, then the table (one query per
    transaction: the table has a row per rule at most, read whole and memoised)."""
    base = load_rule_files(file_path)
    memo = session.info.get("casework_warning_rules")
    if memo is None:
        memo = session.info["casework_warning_rules"] = {
            r.code: (r.enabled, r.level, dict(r.params or {}))
            for r in session.scalars(select(WarningRule))
        }
    out = []
    for code in codes:
        cfg = base[code]
        row = memo.get(code)
        if row is not None:
            cfg = with_row(cfg, *row)
        out.append(cfg)
    return out


def rules_view(uow: UnitOfWork, *, actor: Actor, code: str | None = None) -> list[dict[str, Any]]:
    """Every rule (or one) as an administrator reads it: what it watches and its source, the
    effective setting, the settings file's default, and who changed it last (admins)."""
    require(actor, "configure_warnings")
    if code is not None and code not in SPECS:
        raise NotFound(f"未知预警规则，可选：{'、'.join(SPECS)}", f"no rule {code!r}")
    with uow:
        s = uow.session
        base = load_rule_files(uow.settings.warning_rules_file)
        rows = {r.code: r for r in s.scalars(select(WarningRule))}
        out = []
        for c, spec in SPECS.items():
            if code is not None and c != code:
                continue
            cfg, row = base[c], rows.get(c)
            if row is not None:
                cfg = with_row(cfg, row.enabled, row.level, dict(row.params or {}))
            out.append(
                {
                    "code": c,
                    "label_zh": spec.label_zh,
                    "source_zh": spec.source_zh,
                    "enabled": cfg.enabled,
                    "level": cfg.level,
                    "level_label_zh": level_label(cfg.level),
                    "params": dict(cfg.params),
                    "param_kinds": dict(spec.params),
                    "default": {
                        "enabled": base[c].enabled,
                        "level": base[c].level,
                        "params": dict(base[c].params),
                    },
                    "changed": row is not None,
                    "updated_by": row.updated_by if row is not None else None,
                    "updated_at": iso(row.updated_at) if row is not None else None,
                }
            )
        return out


# -- what each rule finds for one employer -------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    """One reason to raise a warning: what it rests on (unique per employer and rule), the facts
    shown with it, and (for a rule over a window) the time since which one warning suffices."""

    basis: str
    evidence: dict[str, Any]
    case_id: int | None = None
    quiet_since: dt.datetime | None = None


@dataclass(frozen=True)
class Scope:
    """What an evaluation looks at: the case an event is about, or (no case: the nightly
    reconciliation) the employer's cases changed since ``since``."""

    case: Case | None = None
    since: dt.datetime | None = None
    subject: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def _cases_since(session: Session, employer_id: int, workflow: str | None, since: dt.datetime):
    q = select(Case).where(Case.employer_id == employer_id, Case.updated_at >= since)
    if workflow is not None:
        q = q.where(Case.workflow == workflow)
    return list(session.scalars(q.order_by(Case.id)))


def _candidates(session: Session, employer_id: int, sc: Scope, workflow: str | None) -> list[Case]:
    if sc.case is not None:
        return [sc.case] if workflow is None or sc.case.workflow == workflow else []
    if sc.since is None:
        return []
    return _cases_since(session, employer_id, workflow, sc.since)


def _case_evidence(c: Case) -> dict[str, Any]:
    return {
        "case_id": c.id,
        "case_ref": c.ref,
        "workflow": c.workflow,
        "worker_count": c.worker_count,
        "amount_claimed": money(c.amount_claimed),
    }


def find_hotline_calls(
    session: Session, cfg: RuleConfig, employer_id: int, now: dt.datetime, sc: Scope
) -> list[Finding]:
    calls, days = cfg.int_param("calls"), cfg.int_param("days")
    since = now - dt.timedelta(days=days)
    n, last_id = session.execute(
        select(func.count(Case.id), func.max(Case.id)).where(
            Case.employer_id == employer_id,
            Case.workflow == HOTLINE,
            Case.created_at >= since,
            Case.created_at <= now,
        )
    ).one()
    if n < calls:
        return []
    return [
        Finding(
            f"calls:{last_id}",
            {"calls": n, "days": days, "last_work_order_id": last_id},
            quiet_since=since,
        )
    ]


def find_large_arrears(
    session: Session, cfg: RuleConfig, employer_id: int, now: dt.datetime, sc: Scope
) -> list[Finding]:
    workers, amount = cfg.int_param("workers"), cfg.amount_param("amount")
    return [
        Finding(f"case:{c.id}", _case_evidence(c), c.id)
        for c in _candidates(session, employer_id, sc, WAGE_ARREARS)
        if c.worker_count >= workers
        or (c.amount_claimed is not None and c.amount_claimed >= amount)
    ]


def find_repeat_arrears(
    session: Session, cfg: RuleConfig, employer_id: int, now: dt.datetime, sc: Scope
) -> list[Finding]:
    days = cfg.int_param("days")
    out = []
    for c in _candidates(session, employer_id, sc, WAGE_ARREARS):
        earlier = session.execute(
            select(Case.id, Case.ref)
            .where(
                Case.employer_id == employer_id,
                Case.workflow == WAGE_ARREARS,
                Case.created_at >= c.created_at - dt.timedelta(days=days),
                Case.created_at <= c.created_at,
                Case.id < c.id,
            )
            .order_by(Case.created_at.desc(), Case.id.desc())
            .limit(1)
        ).first()
        if earlier is not None:
            out.append(
                Finding(
                    f"case:{c.id}",
                    {**_case_evidence(c), "previous_case_ref": earlier.ref, "days": days},
                    c.id,
                )
            )
    return out


def festival_start(session: Session, day: dt.date, within: int) -> dt.date | None:
    """The first day of the Spring Festival holiday that begins after ``day`` and at most
    ``within`` days after it, from the calendar table (the official schedule, or an
    administrator's correction), as the cached working-day calendar holds it; None when there
    is none or the year's schedule is not known."""
    days = load_calendar(session).spring_festival
    for offset in range(1, within + 1):
        d = day + dt.timedelta(days=offset)
        if d in days and d - dt.timedelta(days=1) not in days:
            return d
    return None


def find_festival_arrears(
    session: Session, cfg: RuleConfig, employer_id: int, now: dt.datetime, sc: Scope
) -> list[Finding]:
    days = cfg.int_param("days")
    out = []
    for c in _candidates(session, employer_id, sc, WAGE_ARREARS):
        reported = local_date(c.created_at)
        fest = festival_start(session, reported, days)
        if fest is not None:
            out.append(
                Finding(
                    f"case:{c.id}",
                    {**_case_evidence(c), "festival": fest.isoformat(), "days_before": days},
                    c.id,
                )
            )
    return out


def find_mass_incident(
    session: Session, cfg: RuleConfig, employer_id: int, now: dt.datetime, sc: Scope
) -> list[Finding]:
    return [
        Finding(f"case:{c.id}", _case_evidence(c), c.id)
        for c in _candidates(session, employer_id, sc, None)
        if c.mass_incident
    ]


def find_reply_overdue(
    session: Session, cfg: RuleConfig, employer_id: int, now: dt.datetime, sc: Scope
) -> list[Finding]:
    return [
        Finding(f"case:{c.id}", _case_evidence(c), c.id)
        for c in _candidates(session, employer_id, sc, SUPERVISION)
        if c.state == "opinion_overdue"
    ]


def find_from_signal(
    session: Session, cfg: RuleConfig, employer_id: int, now: dt.datetime, sc: Scope
) -> list[Finding]:
    """A rule fed by its source's signal alone (the source keeps its own records)."""
    if sc.subject is not None:
        return [Finding(sc.subject[:64], dict(sc.extra))]
    if sc.case is not None:
        return [Finding(f"case:{sc.case.id}", _case_evidence(sc.case), sc.case.id)]
    return []


FINDERS = {
    "hotline_calls": find_hotline_calls,
    "large_arrears": find_large_arrears,
    "repeat_arrears": find_repeat_arrears,
    "festival_arrears": find_festival_arrears,
    "mass_incident": find_mass_incident,
    "reply_overdue": find_reply_overdue,
    "union_officer_dismissed": find_from_signal,
    "referral_overdue": find_from_signal,
}
# What a case must be for a case-based rule to look at it (checked without a query).
CASE_FILTERS = {
    "large_arrears": lambda c: c.workflow == WAGE_ARREARS,
    "repeat_arrears": lambda c: c.workflow == WAGE_ARREARS,
    "festival_arrears": lambda c: c.workflow == WAGE_ARREARS,
    "mass_incident": lambda c: bool(c.mass_incident),
    "reply_overdue": lambda c: c.workflow == SUPERVISION,
}


def may_apply(code: str, sc: Scope) -> bool:
    """False when the event's case cannot meet rule ``code`` (no query needed to say so)."""
    check = CASE_FILTERS.get(code)
    return sc.case is None or check is None or check(sc.case)


def reconcile_candidates(
    session: Session, configs: list[RuleConfig], now: dt.datetime, since: dt.datetime
) -> list[int]:
    """Employers the nightly reconciliation evaluates (set-based): those with enough calls in a
    rule's window, and those with a case changed since ``since``."""
    ids: set[int] = set()
    for cfg in configs:
        if cfg.code == "hotline_calls" and cfg.enabled:
            window = now - dt.timedelta(days=cfg.int_param("days"))
            ids.update(
                session.scalars(
                    select(Case.employer_id)
                    .where(
                        Case.workflow == HOTLINE,
                        Case.employer_id.is_not(None),
                        Case.created_at >= window,
                        Case.created_at <= now,
                    )
                    .group_by(Case.employer_id)
                    .having(func.count(Case.id) >= cfg.int_param("calls"))
                )
            )
    ids.update(
        session.scalars(
            select(Case.employer_id)
            .where(Case.employer_id.is_not(None), Case.updated_at >= since)
            .distinct()
        )
    )
    return sorted(ids)


# -- views -------------------------------------------------------------------------------------


def warning_view(w: EmployerWarning, now: dt.datetime) -> dict[str, Any]:
    spec = SPECS.get(w.rule)
    overdue = w.status == "open" and w.due_at <= now
    return {
        "id": w.id,
        "employer": {"id": w.employer.id, "name": w.employer.name},
        "rule": w.rule,
        "rule_label_zh": spec.label_zh if spec else w.rule,
        "level": w.level,
        "level_label_zh": level_label(w.level),
        "raised_level": w.raised_level,
        "org_unit": unit_key(w.org_unit),
        "evidence": w.evidence or {},
        "raised_by": w.raised_by,
        "raised_at": iso(w.raised_at),
        "due_on": w.due_on.isoformat(),
        "due_at": iso(w.due_at),
        "escalations": w.escalations,
        "status": w.status,
        "overdue": overdue,
        "disposition": w.disposition,
        "disposition_label_zh": DISPOSITIONS.get(w.disposition or ""),
        "disposition_note": w.disposition_note,
        "disposed_by": w.disposed_by,
        "disposed_at": iso(w.disposed_at),
        "disposed_on_time": w.disposed_on_time,
        "case_id": w.case_id,
        "version": w.version,
    }


def _warnings_in_scope(actor: Actor) -> ColumnElement[bool]:
    if actor.is_system:
        return true()
    return EmployerWarning.org_unit_id.in_(subtree_of(actor))


def visible_warning(session: Session, actor: Actor, warning_id: int) -> EmployerWarning:
    w = session.get(EmployerWarning, warning_id)
    if w is None or not actor.covers_path(w.org_unit.path):
        raise NotFound("预警不存在", f"no warning {warning_id}")
    return w


def warning(
    uow: UnitOfWork, *, actor: Actor, warning_id: int, now: dt.datetime | None = None
) -> dict[str, Any]:
    now = now or dt.datetime.now(dt.UTC)
    with uow:
        return warning_view(visible_warning(uow.session, actor, warning_id), now)


def warnings(
    uow: UnitOfWork,
    *,
    actor: Actor,
    level: str | None = None,
    status: str | None = None,
    org_unit_id: int | None = None,
    page: int = 1,
    per_page: int = 20,
    now: dt.datetime | None = None,
) -> Page:
    """The warnings board: warnings held by units of the caller's subtree (or of one unit in
    it), most urgent first (open before disposed, higher level first, earliest due first)."""
    now = now or dt.datetime.now(dt.UTC)
    conds: list[Any] = [_warnings_in_scope(actor)]
    if level is not None:
        conds.append(EmployerWarning.level == level)
    if status == "open":
        conds.append(EmployerWarning.status == "open")
    elif status == "disposed":
        conds.append(EmployerWarning.status == "disposed")
    elif status == "overdue":
        conds += [EmployerWarning.status == "open", EmployerWarning.due_at <= now]
    rank = case(*((EmployerWarning.level == lv, i) for i, lv in enumerate(WARNING_LEVELS)))
    with uow:
        if org_unit_id is not None:
            unit = visible_unit(uow.session, actor, org_unit_id)
            conds.append(EmployerWarning.org_unit_id == unit.id)
        return page_of(
            uow.session,
            select(EmployerWarning)
            .where(*conds)
            .order_by(
                (EmployerWarning.status == "open").desc(),
                rank.desc(),
                EmployerWarning.due_at,
                EmployerWarning.id,
            ),
            select(func.count(EmployerWarning.id)).where(*conds),
            page,
            per_page,
            lambda rows: [warning_view(w, now) for (w,) in rows],
        )


# -- the employer dossier ------------------------------------------------------------------------


def _employer_in_reach(session: Session, actor: Actor, employer_id: int) -> Employer:
    """An employer placed in the caller's subtree, or one a case the caller may see is about;
    any other is NotFound (as if it did not exist)."""
    emp = session.get(Employer, employer_id)
    if emp is None:
        raise NotFound("用人单位不存在", f"no employer {employer_id}")
    if actor.covers_path(emp.org_unit.path):
        return emp
    seen = session.scalar(
        select(Case.id).where(Case.employer_id == emp.id, visible_cases(actor)).limit(1)
    )
    if seen is None:
        raise NotFound("用人单位不存在", f"no employer {employer_id}")
    return emp


def _case_item(c: Case) -> dict[str, Any]:
    wf = workflows.get(c.workflow)
    return {
        "id": c.id,
        "ref": c.ref,
        "workflow": c.workflow,
        "workflow_label_zh": wf.label_zh,
        "state": c.state,
        "state_label_zh": wf.state(c.state).label_zh,
        "org_unit": unit_key(c.org_unit),
        "worker_count": c.worker_count,
        "amount_claimed": money(c.amount_claimed),
        "mass_incident": c.mass_incident,
        "opened_at": iso(c.created_at),
        "closed_at": iso(c.closed_at),
    }


def _document_item(doc: Document, case_ref: str) -> dict[str, Any]:
    kind = DOCUMENT_KINDS.get(doc.kind)
    return {
        "id": doc.id,
        "kind": doc.kind,
        "kind_label_zh": kind.label_zh if kind else doc.kind,
        "number": doc.number,
        "case_id": doc.case_id,
        "case_ref": case_ref,
        "issued_at": iso(doc.issued_at),
        "reply_due": doc.reply_due.isoformat() if doc.reply_due else None,
        "outcome": doc.outcome,
    }


def _count_if(cond: ColumnElement[bool]) -> Any:
    return func.coalesce(func.sum(case((cond, 1), else_=0)), 0)


def _outside_note(n: int) -> str | None:
    return f"另有 {n} 件在其他单位办理" if n else None


def _referral_item(r: Referral, case_ref: str, now: dt.datetime) -> dict[str, Any]:
    status = referral_status(r, now)
    return {
        "id": r.id,
        "case_id": r.case_id,
        "case_ref": case_ref,
        "direction": r.direction,
        "agency_kind": r.agency_kind,
        "agency_kind_label_zh": AGENCY_KINDS.get(r.agency_kind, r.agency_kind),
        "agency_name": r.agency_name,
        "sent_on": iso(r.sent_on),
        "due_on": iso(r.due_on),
        "answered_on": iso(r.answered_on),
        "outcome": r.outcome,
        "outcome_label_zh": REFERRAL_OUTCOMES.get(r.outcome) if r.outcome else None,
        "status": status,
        "status_label_zh": REFERRAL_STATUS_LABELS_ZH[status],
    }


def profile_of(emp: Employer) -> dict[str, Any]:
    """What an administrator keeps about the employer itself."""
    return {
        "industry": emp.industry,
        "industry_label_zh": INDUSTRIES.get(emp.industry or ""),
        "staff_count": emp.staff_count,
        "union_members": emp.union_members,
        "union_status_zh": "已建会" if emp.has_union else "未建会",
    }


def _projects(session: Session, emp: Employer) -> list[dict[str, Any]]:
    """The construction projects the employer is a party of, each with every party (one
    statement: the parties of those projects, their projects and employers)."""
    other = aliased(Employer)
    mine = select(ProjectParty.project_id).where(ProjectParty.employer_id == emp.id)
    rows = session.execute(
        select(ProjectParty, Project, other.id, other.name)
        .join(Project, Project.id == ProjectParty.project_id)
        .join(other, other.id == ProjectParty.employer_id)
        .where(ProjectParty.project_id.in_(mine))
        .order_by(Project.id, ProjectParty.id)
        .limit(DOSSIER_ITEMS)
    ).all()
    out: dict[int, dict[str, Any]] = {}
    names = {eid: name for _p, _pr, eid, name in rows}
    for party, project, eid, name in rows:
        entry = out.setdefault(
            project.id,
            {"id": project.id, "name": project.name, "location": project.location, "roles": []},
        )
        item = {
            "employer": {"id": eid, "name": name},
            "role": party.role,
            "role_label_zh": PROJECT_ROLES[party.role],
            "contractor": (
                {"id": party.contractor_id, "name": names.get(party.contractor_id)}
                if party.contractor_id is not None
                else None
            ),
        }
        if eid == emp.id:
            entry["roles"].append(party.role)
        entry.setdefault("parties", []).append(item)
    for entry in out.values():
        entry["roles_zh"] = "、".join(PROJECT_ROLES[r] for r in entry["roles"])
    return list(out.values())


def dossier_of(session: Session, actor: Actor, emp: Employer, now: dt.datetime) -> dict[str, Any]:
    """The dossier: the employer and its profile and projects, then every call, case, document,
    referral, escalation and warning about it the caller may see (the newest first), and counts
    of what lies outside their scope. A fixed number of statements, whatever the number of
    items."""
    seen = visible_cases(actor)
    about = Case.employer_id == emp.id
    cases = session.scalars(
        select(Case)
        .where(about, seen)
        .order_by(Case.created_at.desc(), Case.id.desc())
        # One more than listed per kind cannot be known without two queries; the counts below
        # say how many there are.
        .limit(2 * DOSSIER_ITEMS)
    ).all()
    issued = Document.status == "issued"
    docs = session.execute(
        select(Document, Case.ref)
        .join(Case, Case.id == Document.case_id)
        .where(about, seen, issued)
        .order_by(Document.issued_at.desc(), Document.id.desc())
        .limit(DOSSIER_ITEMS)
    ).all()
    refs = session.execute(
        select(Referral, Case.ref)
        .join(Case, Case.id == Referral.case_id)
        .where(about, seen)
        .order_by(Referral.sent_on.desc(), Referral.id.desc())
        .limit(DOSSIER_ITEMS)
    ).all()
    from_u, to_u = aliased(OrgUnit), aliased(OrgUnit)
    escalations = session.execute(
        select(Escalation, Case.ref, from_u, to_u)
        .join(Case, Case.id == Escalation.case_id)
        .join(from_u, from_u.id == Escalation.from_unit_id)
        .join(to_u, to_u.id == Escalation.to_unit_id)
        .where(about, seen)
        .order_by(Escalation.created_at.desc(), Escalation.id.desc())
        .limit(DOSSIER_ITEMS)
    ).all()
    warns = session.scalars(
        select(EmployerWarning)
        .where(EmployerWarning.employer_id == emp.id, _warnings_in_scope(actor))
        .order_by(EmployerWarning.raised_at.desc(), EmployerWarning.id.desc())
        .limit(DOSSIER_ITEMS)
    ).all()
    projects = _projects(session, emp)
    is_call = Case.workflow == HOTLINE

    def per_case(model: Any, extra: Any = None) -> tuple[Any, Any]:
        """(all, seen) of ``model``'s rows about the employer, as scalar subqueries."""
        base = select(model.id).join(Case, Case.id == model.case_id).where(about)
        if extra is not None:
            base = base.where(extra)
        return (
            select(func.count()).select_from(base.subquery()).scalar_subquery(),
            select(func.count()).select_from(base.where(seen).subquery()).scalar_subquery(),
        )

    in_scope_w = _warnings_in_scope(actor)
    about_w = EmployerWarning.employer_id == emp.id
    # Every count in one statement: the cases, documents, referrals, escalations and warnings.
    counts = session.execute(
        select(
            *per_case(Document, issued),
            *per_case(Referral),
            *per_case(Escalation),
            select(func.count(EmployerWarning.id)).where(about_w).scalar_subquery(),
            select(func.count(EmployerWarning.id)).where(about_w, in_scope_w).scalar_subquery(),
            select(func.count(EmployerWarning.id))
            .where(about_w, EmployerWarning.status == "open")
            .scalar_subquery(),
            select(_count_if(is_call)).where(about).scalar_subquery(),
            select(_count_if(and_(is_call, seen))).where(about).scalar_subquery(),
            select(_count_if(~is_call)).where(about).scalar_subquery(),
            select(_count_if(and_(~is_call, seen))).where(about).scalar_subquery(),
            select(_count_if(and_(~is_call, Case.closed_at.is_(None))))
            .where(about)
            .scalar_subquery(),
        )
    ).one()
    (
        d_all, d_seen, r_all, r_seen, e_all, e_seen, w_all, w_seen, w_open,
        c_calls, c_calls_seen, c_cases, c_cases_seen, c_open,
    ) = (int(v or 0) for v in counts)  # fmt: skip
    outside = {
        "calls": c_calls - c_calls_seen,
        "cases": c_cases - c_cases_seen,
        "documents": d_all - d_seen,
        "referrals": r_all - r_seen,
        "escalations": e_all - e_seen,
        "warnings": w_all - w_seen,
    }
    outside_items = outside["calls"] + outside["cases"]
    calls = [c for c in cases if c.workflow == HOTLINE][:DOSSIER_ITEMS]
    others = [c for c in cases if c.workflow != HOTLINE][:DOSSIER_ITEMS]
    detail = employer_detail(session, emp)
    return {
        **detail,
        **profile_of(emp),
        "projects": projects,
        "org_unit_ref": unit_ref(emp.org_unit),
        "in_scope": actor.covers_path(emp.org_unit.path),
        "calls": [_case_item(c) for c in calls],
        "cases": [_case_item(c) for c in others],
        "documents": [_document_item(d, ref) for d, ref in docs],
        "referrals": [_referral_item(r, ref, now) for r, ref in refs],
        "escalations": [
            {
                "case_id": e.case_id,
                "case_ref": ref,
                "from_unit": unit_key(fu),
                "to_unit": unit_key(tu),
                "reason": e.reason,
                "at_ceiling": e.at_ceiling,
                "at": iso(e.created_at),
            }
            for e, ref, fu, tu in escalations
        ],
        "warnings": [warning_view(w, now) for w in warns],
        "counts": {
            "calls": c_calls,
            "cases": c_cases,
            "open_cases": c_open,
            "documents": d_all,
            "referrals": r_all,
            "escalations": e_all,
            "warnings": w_all,
            "open_warnings": w_open,
        },
        "outside_scope": {
            **outside,
            "note_zh": _outside_note(outside_items),
        },
    }


def dossier(
    uow: UnitOfWork, *, actor: Actor, employer_id: int, now: dt.datetime | None = None
) -> dict[str, Any]:
    now = now or dt.datetime.now(dt.UTC)
    with uow:
        emp = _employer_in_reach(uow.session, actor, employer_id)
        return dossier_of(uow.session, actor, emp, now)


def warnings_of_report(
    uow: UnitOfWork,
    *,
    actor: Actor,
    employer_id: int,
    event_seq: int,
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    """The answer to an event reported about an employer: the warnings it raised that the
    reporter may see (a rule switched off raises none)."""
    now = now or dt.datetime.now(dt.UTC)
    with uow:
        emp = _employer_in_reach(uow.session, actor, employer_id)
        raised = uow.session.scalars(
            select(EmployerWarning)
            .where(
                EmployerWarning.employer_id == emp.id,
                EmployerWarning.basis == f"report:{event_seq}",
                _warnings_in_scope(actor),
            )
            .order_by(EmployerWarning.id)
        ).all()
        return {
            "employer_id": emp.id,
            "event_seq": event_seq,
            "warnings": [warning_view(w, now) for w in raised],
        }


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def employer_search(
    uow: UnitOfWork, *, actor: Actor, q: str, page: int = 1, per_page: int = 20
) -> dict[str, Any]:
    """Employers whose name contains ``q`` (normalised as names are stored) or whose unified
    social credit code is ``q``, placed in the caller's subtree; the page says how many more
    match elsewhere (``outside_scope``), never which."""
    text = normalise_name(q or "").strip()
    if not text:
        raise InvalidInput("q", "请输入用人单位名称或统一社会信用代码", "q must not be empty")
    try:
        code = normalise_credit_code(text)
    except InvalidInput:
        code = None
    match = Employer.name.like(_like(text), escape="\\")
    if code is not None:
        match = or_(match, Employer.credit_code == code)
    mine = Employer.org_unit_id.in_(subtree_of(actor)) if not actor.is_system else true()
    with uow:
        s = uow.session
        result = page_of(
            s,
            select(Employer).where(match, mine).order_by(Employer.name, Employer.id),
            select(func.count(Employer.id)).where(match, mine),
            page,
            per_page,
            lambda rows: [
                {
                    "id": e.id,
                    "name": e.name,
                    "credit_code": e.credit_code,
                    "has_union": e.has_union,
                    "org_unit": unit_key(e.org_unit),
                }
                for (e,) in rows
            ],
        )
        outside = (
            0
            if actor.is_system
            else int(s.scalar(select(func.count(Employer.id)).where(match, ~mine)) or 0)
        )
    return {**result.as_dict(), "outside_scope": outside, "note_zh": _outside_note(outside)}


# -- the clean-record answer ---------------------------------------------------------------------


def employer_record(
    uow: UnitOfWork,
    *,
    actor: Actor,
    employer_id: int,
    years: int = 3,
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    """For honours vetting (和谐企业 / 评先评优): the employer's cases, warnings and supervision
    letters of the last ``years`` years the caller may see, counts of those outside their scope,
    and whether any (seen or not) is still open or was upheld — a supervision letter issued, a
    warning disposed of by an act rather than dismissed. ``clean`` is neither."""
    if isinstance(years, bool) or not isinstance(years, int) or not 1 <= years <= 20:
        raise InvalidInput("years", "年限必须是1到20之间的整数", "years must be from 1 to 20")
    now = now or dt.datetime.now(dt.UTC)
    today = local_date(now)
    try:
        first = today.replace(year=today.year - years)
    except ValueError:  # 29 February
        first = today.replace(year=today.year - years, day=28)
    since = start_of_day(first)
    with uow:
        s = uow.session
        emp = _employer_in_reach(s, actor, employer_id)
        seen = visible_cases(actor)
        about = and_(Case.employer_id == emp.id, Case.workflow != HOTLINE)
        in_period = or_(Case.created_at >= since, Case.closed_at.is_(None))
        cases = s.scalars(
            select(Case).where(about, in_period, seen).order_by(Case.created_at.desc()).limit(500)
        ).all()
        letters = s.execute(
            select(Document, Case.ref)
            .join(Case, Case.id == Document.case_id)
            .where(
                Case.employer_id == emp.id,
                Document.kind.in_(SUPERVISION_LETTERS),
                Document.issued_at >= since,
                seen,
            )
            .order_by(Document.issued_at.desc())
            .limit(500)
        ).all()
        warns = s.scalars(
            select(EmployerWarning)
            .where(
                EmployerWarning.employer_id == emp.id,
                EmployerWarning.raised_at >= since,
                _warnings_in_scope(actor),
            )
            .order_by(EmployerWarning.raised_at.desc())
            .limit(500)
        ).all()
        c_all, c_seen, c_open = s.execute(
            select(func.count(Case.id), _count_if(seen), _count_if(Case.closed_at.is_(None))).where(
                about, in_period
            )
        ).one()
        l_all, l_seen = s.execute(
            select(func.count(Document.id), _count_if(seen))
            .join(Case, Case.id == Document.case_id)
            .where(
                Case.employer_id == emp.id,
                Document.kind.in_(SUPERVISION_LETTERS),
                Document.issued_at >= since,
            )
        ).one()
        w_all, w_seen, w_open, w_acted = s.execute(
            select(
                func.count(EmployerWarning.id),
                _count_if(_warnings_in_scope(actor)),
                _count_if(EmployerWarning.status == "open"),
                _count_if(
                    and_(
                        EmployerWarning.status == "disposed",
                        EmployerWarning.disposition != "dismiss",
                    )
                ),
            ).where(EmployerWarning.employer_id == emp.id, EmployerWarning.raised_at >= since)
        ).one()
        any_open = int(c_open) > 0 or int(w_open) > 0
        upheld = int(l_all) > 0 or int(w_acted) > 0
        outside = (int(c_all) - int(c_seen)) + (int(l_all) - int(l_seen))
        return {
            "employer": {"id": emp.id, "name": emp.name, "credit_code": emp.credit_code},
            "years": years,
            "from": first.isoformat(),
            "to": today.isoformat(),
            "cases": [_case_item(c) for c in cases],
            "letters": [_document_item(d, ref) for d, ref in letters],
            "warnings": [warning_view(w, now) for w in warns],
            "counts": {
                "cases": int(c_all),
                "open_cases": int(c_open),
                "letters": int(l_all),
                "warnings": int(w_all),
                "open_warnings": int(w_open),
            },
            "outside_scope": {
                "cases": int(c_all) - int(c_seen),
                "letters": int(l_all) - int(l_seen),
                "warnings": int(w_all) - int(w_seen),
                "note_zh": _outside_note(outside),
            },
            "any_open": any_open,
            "any_upheld": upheld,
            "clean": not any_open and not upheld,
        }


# -- the per-unit report -------------------------------------------------------------------------

REPORT_CSV_HEADERS = (
    "单位代码",
    "单位名称",
    "层级",
    "预警规则",
    "新发预警",
    "按时处置",
    "逾期",
    "在办",
)


def warnings_report(
    uow: UnitOfWork,
    *,
    actor: Actor,
    org_unit_id: int | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    """Per unit of the subtree of ``org_unit_id`` (default: the caller's unit): warnings raised
    in the range (Asia/Shanghai days, inclusive), disposed of on time, overdue (escalated at
    least once, or open past its clock now) and still open, in total and by rule. Two
    statements, whatever the number of units and warnings."""
    if date_from is not None and date_to is not None and date_from > date_to:
        raise InvalidInput("date_to", "结束日期不能早于开始日期", "must not be before date_from")
    now = now or dt.datetime.now(dt.UTC)
    with uow:
        s = uow.session
        unit_id = org_unit_id if org_unit_id is not None else actor.org_unit_id
        if unit_id is None:
            raise InvalidInput("org_unit_id", "必须指定统计单位", "an org unit is required")
        root = visible_unit(s, actor, unit_id)
        units = list(
            s.scalars(
                select(OrgUnit).where(OrgUnit.path.startswith(root.path)).order_by(OrgUnit.path)
            )
        )
        conds: list[Any] = [EmployerWarning.org_unit_id.in_([u.id for u in units])]
        if date_from is not None:
            conds.append(EmployerWarning.raised_at >= start_of_day(date_from))
        if date_to is not None:
            conds.append(EmployerWarning.raised_at <= end_of_day(date_to))
        overdue = or_(
            EmployerWarning.escalations > 0,
            and_(EmployerWarning.status == "open", EmployerWarning.due_at <= now),
        )
        rows = s.execute(
            select(
                EmployerWarning.org_unit_id,
                EmployerWarning.rule,
                func.count(EmployerWarning.id),
                _count_if(EmployerWarning.disposed_on_time.is_(True)),
                _count_if(overdue),
                _count_if(EmployerWarning.status == "open"),
            )
            .where(*conds)
            .group_by(EmployerWarning.org_unit_id, EmployerWarning.rule)
        ).all()
    by_unit: dict[int, dict[str, Counter]] = {}
    for unit_id_, rule, raised, on_time, late, still_open in rows:
        by_unit.setdefault(unit_id_, {})[rule] = Counter(
            raised=int(raised),
            disposed_on_time=int(on_time),
            overdue=int(late),
            open=int(still_open),
        )
    out_units = []
    for u in units:
        rules = by_unit.get(u.id, {})
        total: Counter = Counter()
        for c in rules.values():
            total.update(c)
        out_units.append(
            {
                "org_unit": unit_ref(u),
                "totals": _counts(total),
                "by_rule": [
                    {"rule": code, "rule_label_zh": SPECS[code].label_zh, **_counts(rules[code])}
                    for code in SPECS
                    if code in rules
                ],
            }
        )
    return {
        "org_unit": unit_ref(root),
        "from": date_from.isoformat() if date_from else None,
        "to": date_to.isoformat() if date_to else None,
        "units": out_units,
    }


def _counts(c: Counter) -> dict[str, int]:
    return {k: int(c.get(k, 0)) for k in ("raised", "disposed_on_time", "overdue", "open")}


def _cell(value: str) -> str:
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def warnings_report_csv(report: dict[str, Any]) -> str:
    """One row per unit (规则 = 合计) and one per rule with warnings; Chinese headers. Without a
    byte-order mark: the caller encodes with ``utf-8-sig``."""
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(REPORT_CSV_HEADERS)
    for u in report["units"]:
        unit = u["org_unit"]
        head = [_cell(unit["code"]), _cell(unit["name"]), unit["level_label_zh"]]
        t = u["totals"]
        w.writerow([*head, "合计", t["raised"], t["disposed_on_time"], t["overdue"], t["open"]])
        for r in u["by_rule"]:
            w.writerow(
                [
                    *head,
                    r["rule_label_zh"],
                    r["raised"],
                    r["disposed_on_time"],
                    r["overdue"],
                    r["open"],
                ]
            )
    return buf.getvalue()


# -- the employer's own history ------------------------------------------------------------------


def employer_history(session: Session, employer_id: int) -> list[EmployerEvent]:
    return list(
        session.scalars(
            select(EmployerEvent)
            .where(EmployerEvent.employer_id == employer_id)
            .order_by(EmployerEvent.seq)
        )
    )
