"""Writes of the early warning: evaluating the rules when an event may change them, the sweep
pass of the disposition clocks, the nightly reconciliation, the dispositions and the rules'
settings.

**Incremental.** :func:`on_signal` listens to :mod:`casework.core.signals`; for the event's kind
it evaluates only the rules ``rules.EVENT_RULES`` names, for one employer, with indexed
queries on that employer's rows (so an evaluation costs the same with ten thousand employers or
a million). A new warning is unique per (employer, rule, basis): the same facts never raise two.

**Reconciliation.** :func:`reconcile` evaluates the same rules with the same functions for the
employers that had calls or a case change in the look-back period; on data the incremental path
has seen it finds nothing new (tested on the same data), and what it does find it raises and
reports (``raised_by = reconcile``).

**Clock.** A warning must be disposed of within its level's working days (settings); if nobody
does, :func:`sweep_warnings` escalates it one level (蓝 → 黄 → 橙 → 红), hands it to the unit
above (within the escalation ceiling), starts the new level's clock and tells the supervisors.

Every raise, escalation and disposition is an event of the employer's own hash-chained history
(:func:`casework.history.record_employer`; ``casework audit verify`` checks it).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError

import workflows
from casework.cases.service import fire, merge, open_case
from casework.clocks.calendar import load_calendar
from casework.core import signals
from casework.core.db import lock_keys, skip_locked
from casework.core.errors import InvalidInput, NotFound, TransitionNotAllowed
from casework.core.time import end_of_day, local_date
from casework.core.uow import UnitOfWork, check_version, commit_or_conflict
from casework.core.vocab import DISPOSITIONS, MAX_DISPOSITION_NOTE
from casework.documents.service import issue_document
from casework.history import record_employer
from casework.models import (
    Case,
    Employer,
    EmployerWarning,
    OrgUnit,
    WarningRule,
    WarningRuleChange,
)
from casework.notices.service import notify_unit_supervisors
from casework.people.access import Actor, may, require, subtree_of, visible_cases
from casework.people.routing import route_owner
from casework.runtime import Runtime
from casework.warnings.queries import (
    FINDERS,
    Finding,
    Scope,
    may_apply,
    reconcile_candidates,
    rule_configs,
    visible_warning,
)
from casework.warnings.rules import (
    SPECS,
    RuleConfig,
    RuleFileError,
    check_level,
    check_params,
    level_label,
    load_rule_files,
    next_level,
    rules_for,
)
from workflows.base import level_rank as org_rank

log = logging.getLogger("casework.warnings")

SUPERVISION = "supervision"


# -- raising -----------------------------------------------------------------------------------


def _clock(uow: UnitOfWork, level: str, now: dt.datetime) -> tuple[dt.date, dt.datetime]:
    """The disposition clock of a warning of ``level`` raised (or escalated) at ``now``: so many
    working days (official calendar), due at the end of the last one (Asia/Shanghai)."""
    cal = load_calendar(uow.session)
    due_on = cal.add_working_days(local_date(now), uow.settings.warning_clock_days[level])
    return due_on, end_of_day(due_on)


def competent_unit(uow: UnitOfWork, employer: Employer) -> OrgUnit:
    """Where a warning about ``employer`` goes: the unit competent for supervising it (the
    lowest competent unit of its chain, 服务下沉), whose supervisors dispose of it."""
    return route_owner(uow.session, uow.settings, SUPERVISION, employer, 1)


def _raise(
    uow: UnitOfWork,
    employer: Employer,
    cfg: RuleConfig,
    finding: Finding,
    now: dt.datetime,
    raised_by: str,
) -> EmployerWarning:
    s = uow.session
    unit = competent_unit(uow, employer)
    due_on, due_at = _clock(uow, cfg.level, now)
    w = EmployerWarning(
        employer_id=employer.id,
        rule=cfg.code,
        basis=finding.basis,
        level=cfg.level,
        raised_level=cfg.level,
        org_unit_id=unit.id,
        evidence=finding.evidence,
        raised_by=raised_by,
        raised_at=now,
        due_on=due_on,
        due_at=due_at,
        escalations=0,
        status="open",
        case_id=finding.case_id,
    )
    w.employer = employer
    w.org_unit = unit
    s.add(w)
    s.flush()
    spec = SPECS[cfg.code]
    record_employer(
        uow,
        employer,
        "warning_raised",
        data={
            "warning_id": w.id,
            "rule": cfg.code,
            "level": cfg.level,
            "basis": finding.basis,
            "org_unit": unit.code,
            "due_on": due_on.isoformat(),
            "raised_by": raised_by,
        },
        at=now,
    )
    notify_unit_supervisors(
        s,
        unit,
        None,
        kind="warning_raised",
        title=f"{level_label(cfg.level)}：{employer.name}",
        body=f"{employer.name}：{spec.label_zh}（{spec.source_zh}）。"
        f"请于 {due_on.isoformat()} 前处置"
        "（发提示函、立案监督、合并来电、列入联席会议议程或排除）。",
        key=f"warning:{w.id}:raised",
        data={"warning_id": w.id, "employer_id": employer.id, "level": cfg.level},
    )
    return w


def evaluate(
    uow: UnitOfWork,
    *,
    employer_id: int,
    codes: Sequence[str],
    now: dt.datetime,
    scope: Scope,
    raised_by: str = "event",
) -> list[EmployerWarning]:
    """Evaluate rules ``codes`` for one employer and raise what is new. Joins the caller's
    transaction; commits nothing itself."""
    codes = tuple(c for c in codes if c in SPECS and may_apply(c, scope))
    if not codes:
        return []
    s = uow.session
    findings: list[tuple[RuleConfig, Finding]] = []
    for cfg in rule_configs(s, uow.settings.warning_rules_file, codes):
        if cfg.enabled:
            findings += [(cfg, f) for f in FINDERS[cfg.code](s, cfg, employer_id, now, scope)]
    if not findings:
        return []
    # One evaluation of an employer at a time: the check and the insert below cannot interleave.
    lock_keys(s, f"warnings:employer:{employer_id}")
    quiet = [f.quiet_since for _c, f in findings if f.quiet_since is not None]
    same: Any = EmployerWarning.basis.in_({f.basis for _c, f in findings})
    if quiet:
        same = or_(same, EmployerWarning.raised_at >= min(quiet))
    one_open = {c.code for c, _f in findings if SPECS[c.code].one_open}
    if one_open:
        same = or_(same, EmployerWarning.status == "open")
    existing = s.execute(
        select(
            EmployerWarning.rule,
            EmployerWarning.basis,
            EmployerWarning.raised_at,
            EmployerWarning.status,
        ).where(
            EmployerWarning.employer_id == employer_id,
            EmployerWarning.rule.in_({c.code for c, _f in findings}),
            same,
        )
    ).all()
    have = {(r, b) for r, b, _at, _st in existing}
    open_rules = {r for r, _b, _at, st in existing if st == "open" and r in one_open}
    latest: dict[str, dt.datetime] = {}
    for r, _b, at, _st in existing:
        latest[r] = max(at, latest.get(r, at))
    employer = s.get(Employer, employer_id)
    raised = []
    for cfg, f in findings:
        if (cfg.code, f.basis) in have or cfg.code in open_rules:
            continue  # already raised, or (a rule about the employer) one is open
        last = latest.get(cfg.code)
        if f.quiet_since is not None and last is not None and last >= f.quiet_since:
            continue  # one warning of a windowed rule per window is enough
        raised.append(_raise(uow, employer, cfg, f, now, raised_by))
        have.add((cfg.code, f.basis))
        latest[cfg.code] = now
        if cfg.code in one_open:
            open_rules.add(cfg.code)
    return raised


def on_signal(uow: UnitOfWork, sig: signals.Signal) -> None:
    """The listener: the rules the event's kind names, for the employer it is about."""
    codes = rules_for(sig.kind, sig.detail)
    if not codes:
        return
    evaluate(
        uow,
        employer_id=sig.employer_id,
        codes=codes,
        now=sig.at,
        scope=Scope(case=sig.case, subject=sig.subject, extra=dict(sig.data or {})),
    )


signals.subscribe(on_signal)


# -- the nightly reconciliation ------------------------------------------------------------------


@dataclass
class ReconcileReport:
    employers: int = 0
    raised: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"employers_checked": self.employers, "raised": self.raised}


def reconcile(rt: Runtime, *, now: dt.datetime | None = None, batch: int = 200) -> ReconcileReport:
    """Evaluate every reconcilable rule for the employers with calls in a rule's window or a
    case changed in the look-back period (``CASEWORK_WARNING_RECONCILE_DAYS``), ``batch``
    employers per transaction. Raises what the incremental path missed and says what it was."""
    now = now or dt.datetime.now(dt.UTC)
    since = now - dt.timedelta(days=rt.settings.warning_reconcile_days)
    codes = tuple(code for code, spec in SPECS.items() if spec.reconcilable)
    report = ReconcileReport()
    with rt.reader() as uow:
        configs = rule_configs(uow.session, rt.settings.warning_rules_file, codes)
        ids = reconcile_candidates(uow.session, configs, now, since)
    for start in range(0, len(ids), batch):
        uow = rt.uow()
        with uow:
            for employer_id in ids[start : start + batch]:
                report.employers += 1
                for w in evaluate(
                    uow,
                    employer_id=employer_id,
                    codes=codes,
                    now=now,
                    scope=Scope(since=since),
                    raised_by="reconcile",
                ):
                    report.raised.append(
                        {
                            "warning_id": w.id,
                            "employer_id": employer_id,
                            "rule": w.rule,
                            "basis": w.basis,
                        }
                    )
            uow.commit()
    if report.raised:
        log.warning(
            "warnings: reconciliation raised %d warning(s) the incremental path missed: %s",
            len(report.raised),
            [(r["rule"], r["employer_id"]) for r in report.raised],
        )
    return report


# -- the disposition clock's sweep pass ----------------------------------------------------------


@dataclass
class WarningSweepReport:
    escalated: int = 0
    skipped: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"escalated": self.escalated, "skipped": self.skipped}


def _escalate_one(uow: UnitOfWork, warning_id: int, now: dt.datetime) -> bool:
    s = uow.session
    w = s.get(EmployerWarning, warning_id)
    if w is None or w.status != "open" or w.due_at > now:
        return False
    old_level, old_unit = w.level, w.org_unit
    w.level = next_level(w.level)
    parent = old_unit.parent
    ceiling = org_rank(uow.settings.escalation_ceiling)
    if parent is not None and org_rank(parent.level) <= ceiling:
        w.org_unit_id = parent.id
        w.org_unit = parent
    w.escalations += 1
    w.due_on, w.due_at = _clock(uow, w.level, now)
    record_employer(
        uow,
        w.employer,
        "warning_escalated",
        data={
            "warning_id": w.id,
            "rule": w.rule,
            "from_level": old_level,
            "to_level": w.level,
            "from_unit": old_unit.code,
            "to_unit": w.org_unit.code,
            "due_on": w.due_on.isoformat(),
        },
        at=now,
    )
    spec = SPECS.get(w.rule)
    body = (
        f"{w.employer.name} 的{level_label(old_level)}（{spec.label_zh if spec else w.rule}）"
        f"未在期限内处置，已升为{level_label(w.level)}，"
        f"由{w.org_unit.name}督办，请于 {w.due_on.isoformat()} 前处置。"
    )
    for unit in {old_unit.id: old_unit, w.org_unit.id: w.org_unit}.values():
        notify_unit_supervisors(
            s,
            unit,
            None,
            kind="warning_escalated",
            title=f"预警升级为{level_label(w.level)}：{w.employer.name}",
            body=body,
            key=f"warning:{w.id}:escalated:{w.escalations}:{unit.id}",
            data={"warning_id": w.id, "employer_id": w.employer_id, "level": w.level},
        )
    return True


def sweep_warnings(
    rt: Runtime, *, now: dt.datetime | None = None, batch: int = 100
) -> WarningSweepReport:
    """One pass: every open warning past its clock escalates once (claimed like the clocks:
    ``FOR UPDATE SKIP LOCKED`` on PostgreSQL; the row's version is compared on update)."""
    now = now or dt.datetime.now(dt.UTC)
    report = WarningSweepReport()
    while True:
        uow = rt.uow()
        with uow:
            ids = list(
                uow.session.scalars(
                    skip_locked(
                        select(EmployerWarning.id)
                        .where(EmployerWarning.status == "open", EmployerWarning.due_at <= now)
                        .order_by(EmployerWarning.due_at, EmployerWarning.id)
                        .limit(batch),
                        uow.session,
                    )
                )
            )
            if not ids:
                break
            for warning_id in ids:
                try:
                    with uow.session.begin_nested():
                        if _escalate_one(uow, warning_id, now):
                            report.escalated += 1
                        else:
                            report.skipped += 1
                except (IntegrityError, StaleDataError):
                    report.skipped += 1
            try:
                uow.commit()
            except StaleDataError:
                log.warning("warnings: sweep batch lost a race; the next pass retries")
                break
        if len(ids) < batch:
            break
    if report.escalated:
        log.info("warnings sweep: %s", report.as_dict())
    return report


# -- dispositions ------------------------------------------------------------------------------


def _note(value: Any, required: bool, field_: str = "note") -> str | None:
    text = value.strip() if isinstance(value, str) else ""
    if required and len(text) < 2:
        raise InvalidInput(field_, "请说明处置情况或理由", "a note (the reason) is required")
    if len(text) > MAX_DISPOSITION_NOTE:
        raise InvalidInput(
            field_,
            f"说明不超过{MAX_DISPOSITION_NOTE}字",
            f"at most {MAX_DISPOSITION_NOTE} characters",
        )
    return text or None


def _open_supervision_case(uow: UnitOfWork, actor: Actor, w: EmployerWarning) -> Case | None:
    """The employer's open supervision case the actor may see (the newest), or None."""
    return uow.session.scalars(
        select(Case)
        .where(
            Case.employer_id == w.employer_id,
            Case.workflow == SUPERVISION,
            Case.closed_at.is_(None),
            visible_cases(actor),
        )
        .order_by(Case.id.desc())
        .limit(1)
    ).first()


def _new_supervision_case(
    uow: UnitOfWork, actor: Actor, w: EmployerWarning, now: dt.datetime
) -> Case:
    spec = SPECS[w.rule]
    return open_case(
        uow,
        actor=actor,
        workflow=SUPERVISION,
        org_unit_id=w.org_unit_id,
        employer_id=w.employer_id,
        channel="referral",
        summary=f"劳动关系预警（{level_label(w.level)}）：{spec.label_zh}",
        now=now,
    )


def _tip_letter(
    uow: UnitOfWork,
    actor: Actor,
    w: EmployerWarning,
    investigators: list[str],
    addressee: str | None,
    now: dt.datetime,
) -> tuple[Case, str]:
    """The prefilled 提示函: on the employer's open supervision case, or a new one; an
    investigation is started first when the case has not reached it (two investigators)."""
    case = _open_supervision_case(uow, actor, w) or _new_supervision_case(uow, actor, w, now)
    if case.state in ("reported", "consulting"):
        if len(investigators) < 2:
            raise InvalidInput(
                "investigators",
                "发出提示函前须开展调查：请填写两名以上调查人员",
                "a tip letter follows an investigation: name at least two investigators",
            )
        fire(
            uow,
            case_id=case.id,
            trigger="start_investigation",
            actor=actor,
            data={"investigators": investigators},
            now=now,
        )
    doc = issue_document(
        uow,
        case_id=case.id,
        actor=actor,
        kind="tip_letter",
        addressee=addressee or w.employer.name,
        now=now,
    )
    return case, doc.number


def _merge_calls(
    uow: UnitOfWork, actor: Actor, w: EmployerWarning, case_ids: list[int], now: dt.datetime
) -> Case:
    """Co-workers' calls about the employer become one collective case: the open cases the calls
    opened, of one mergeable process (the given ones, or the process with the most), merged into
    the oldest."""
    s = uow.session
    q = select(Case).where(
        Case.employer_id == w.employer_id,
        Case.closed_at.is_(None),
        Case.workflow != "hotline",
        visible_cases(actor),
    )
    q = q.where(Case.id.in_(case_ids)) if case_ids else q.where(Case.channel == "hotline")
    open_cases = [c for c in s.scalars(q.order_by(Case.id)) if workflows.get(c.workflow).mergeable]
    groups: dict[str, list[Case]] = {}
    for c in open_cases:
        groups.setdefault(c.workflow, []).append(c)
    group = max(groups.values(), key=len, default=[])
    if len(group) < 2 or (case_ids and len(groups) > 1):
        raise InvalidInput(
            "case_ids",
            "没有两件以上同一流程、可合并的在办来电案件",
            "there are not two or more open mergeable cases of one process to merge",
        )
    target = group[0]
    for other in group[1:]:
        merge(uow, case_id=target.id, other_id=other.id, actor=actor, now=now)
    return target


DISPOSING = "casework_disposing_warning"


def _disposal(
    w: EmployerWarning, *, actor: Actor, action: str, note: str | None, now: dt.datetime
) -> dict[str, Any]:
    """What disposing of ``w`` sets on it."""
    return {
        "status": "disposed",
        "disposition": action,
        "disposition_note": note,
        "disposed_by": actor.username,
        "disposed_at": now,
        "disposed_on_time": w.escalations == 0 and now <= w.due_at,
    }


def _record_disposal(
    uow: UnitOfWork,
    w: EmployerWarning,
    *,
    actor: Actor,
    case: Case | None,
    number: str | None,
    now: dt.datetime,
) -> None:
    """The disposal of ``w`` (already set on it) in its employer's chained history."""
    record_employer(
        uow,
        w.employer,
        "warning_disposed",
        by=actor,
        data={
            "warning_id": w.id,
            "rule": w.rule,
            "level": w.level,
            "action": w.disposition,
            "note": w.disposition_note,
            "case": case.ref if case is not None else None,
            "document": number,
            "on_time": w.disposed_on_time,
        },
        at=now,
    )


def _mark_disposed(
    uow: UnitOfWork,
    w: EmployerWarning,
    *,
    actor: Actor,
    action: str,
    note: str | None,
    case: Case | None,
    number: str | None,
    now: dt.datetime,
) -> None:
    for key, value in _disposal(w, actor=actor, action=action, note=note, now=now).items():
        setattr(w, key, value)
    if case is not None:
        w.case_id = case.id
    _record_disposal(uow, w, actor=actor, case=case, number=number, now=now)


def _dispose_by_letter(
    uow: UnitOfWork,
    who: Actor,
    employer_ids: tuple[int, ...],
    *,
    number: str | None,
    case: Case | None,
    at: dt.datetime,
) -> None:
    """The open warnings of ``employer_ids`` that ``who`` could dispose of themselves (held in
    their part of the tree), read in one statement, each recorded as disposed of by the 提示函
    ``number`` (the warning a disposition is about is left to it). Warnings held elsewhere stay
    open for their own unit."""
    if not may(who, "dispose_warning"):
        return
    s = uow.session
    skip = s.info.get(DISPOSING)
    conds: list[Any] = [
        EmployerWarning.employer_id.in_(employer_ids),
        EmployerWarning.status == "open",
        EmployerWarning.id != (skip or 0),
    ]
    if not who.is_system:  # only those the letter's author could dispose of themselves
        conds.append(EmployerWarning.org_unit_id.in_(subtree_of(who)))
    # Without flushing the case half-way through its step (its version would rise twice);
    # locked, so that no other disposition or escalation of them interleaves.
    with s.no_autoflush:
        open_ones = s.scalars(
            select(EmployerWarning)
            .where(*conds)
            .order_by(EmployerWarning.id)
            .with_for_update(of=EmployerWarning)
        ).all()
    if not open_ones:
        return
    note = f"已发出提示函 {number}" if number else None
    # One UPDATE for all of them (an area letter may reach hundreds of employers), then the
    # loaded rows are told what it wrote, and each disposal joins its employer's history.
    values = _disposal(open_ones[0], actor=who, action="tip_letter", note=note, now=at)
    on_time = and_(EmployerWarning.escalations == 0, EmployerWarning.due_at >= at)
    with s.no_autoflush:
        s.execute(
            update(EmployerWarning)
            .where(EmployerWarning.id.in_([w.id for w in open_ones]))
            .values(
                {
                    **values,
                    "disposed_on_time": on_time,
                    "version": EmployerWarning.version + 1,
                    **({"case_id": case.id} if case is not None else {}),
                }
            )
            .execution_options(synchronize_session=False)
        )
    for w in open_ones:
        done = {**_disposal(w, actor=who, action="tip_letter", note=note, now=at)}
        done["version"] = w.version + 1
        if case is not None:
            done["case_id"] = case.id
        for key, value in done.items():
            set_committed_value(w, key, value)
        _record_disposal(uow, w, actor=who, case=case, number=number, now=at)


def on_tip_letter(uow: UnitOfWork, sig: signals.Signal) -> None:
    """A 提示函 issued on a case about the employer — through the documents endpoint as much as
    through a warning's own disposition — disposes of the employer's open warnings its author
    could dispose of; so does an area-wide 提示函, for every recipient at once."""
    if sig.actor is None:
        return
    number = (sig.data or {}).get("number")
    if sig.kind == signals.DOCUMENT_ISSUED and sig.detail == "tip_letter":
        _dispose_by_letter(
            uow, sig.actor, (sig.employer_id,), number=number, case=sig.case, at=sig.at
        )
    elif sig.kind == signals.AREA_TIP_LETTER:
        _dispose_by_letter(uow, sig.actor, sig.employer_ids, number=number, case=None, at=sig.at)


signals.subscribe(on_tip_letter)


def dispose(
    uow: UnitOfWork,
    *,
    actor: Actor,
    warning_id: int,
    action: str,
    note: str | None = None,
    investigators: Iterable[str] = (),
    addressee: str | None = None,
    case_ids: Iterable[int] = (),
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> EmployerWarning:
    """Dispose of an open warning by one of ``DISPOSITIONS``, in one transaction with the act it
    names: issue the prefilled 提示函, open a supervision case, merge co-workers' calls into one
    collective case, put the employer on the 三方 / joint-meeting agenda (the note says which), or
    dismiss it with a reason. Recorded in the employer's history."""
    if action not in DISPOSITIONS:
        raise InvalidInput(
            "action",
            f"处置方式必须是 {', '.join(DISPOSITIONS)} 之一",
            f"must be one of {', '.join(DISPOSITIONS)}",
        )
    text = _note(note, required=action in ("dismiss", "joint_meeting"))
    names = [str(n).strip() for n in investigators if str(n).strip()]
    now = now or dt.datetime.now(dt.UTC)
    with uow:
        s = uow.session
        w = visible_warning(s, actor, warning_id)
        check_version(w, expected_version)
        require(actor, "dispose_warning")
        if w.status != "open":
            raise TransitionNotAllowed(
                "该预警已处置", "the warning has already been disposed of", allowed=[]
            )
        case: Case | None = None
        number = None
        if action == "tip_letter":
            # The letter disposes of the employer's other open warnings as it is issued (the
            # listener below); this one is disposed of here, with its note.
            s.info[DISPOSING] = w.id
            try:
                case, number = _tip_letter(uow, actor, w, names, addressee, now)
            finally:
                s.info.pop(DISPOSING, None)
        elif action == "supervision_case":
            case = _open_supervision_case(uow, actor, w) or _new_supervision_case(
                uow, actor, w, now
            )
        elif action == "merge_calls":
            case = _merge_calls(uow, actor, w, list(case_ids), now)
        _mark_disposed(
            uow, w, actor=actor, action=action, note=text, case=case, number=number, now=now
        )
        commit_or_conflict(uow)
        return w


# -- the rules' settings -------------------------------------------------------------------------


def set_rule(
    uow: UnitOfWork,
    *,
    actor: Actor,
    code: str,
    enabled: bool | None = None,
    level: str | None = None,
    params: dict[str, Any] | None = None,
    now: dt.datetime | None = None,
) -> RuleConfig:
    """An administrator's setting of one rule, over the defaults and the rules file; it holds
    from the next evaluation in every process. Each change is recorded (who, when, the setting
    before and after) in ``warning_rule_changes``."""
    require(actor, "configure_warnings")
    if code not in SPECS:
        raise NotFound(f"未知预警规则，可选：{'、'.join(SPECS)}", f"no rule {code!r}")
    if enabled is not None and not isinstance(enabled, bool):
        raise InvalidInput("enabled", "启用应为是或否", "enabled must be true or false")
    try:
        if level is not None:
            check_level(level, f"rule {code}")
        checked = check_params(code, params or {}, f"rule {code}")
    except RuleFileError as exc:
        raise InvalidInput(exc.field, exc.zh, str(exc)) from None
    now = now or dt.datetime.now(dt.UTC)
    with uow:
        s = uow.session
        base = load_rule_files(uow.settings.warning_rules_file)[code]
        row = s.get(WarningRule, code)
        before = _setting(base, row)
        if row is None:
            row = WarningRule(code=code, enabled=base.enabled, level=base.level, params={})
            s.add(row)
        if enabled is not None:
            row.enabled = enabled
        if level is not None:
            row.level = level
        row.params = {**(row.params or {}), **checked}
        row.updated_by = actor.username
        row.updated_at = now
        after = _setting(base, row)
        if after != before:
            s.add(
                WarningRuleChange(
                    code=code, changed_by=actor.username, changed_at=now, before=before, after=after
                )
            )
        s.info.pop("casework_warning_rules", None)  # the memo of this session is stale now
        commit_or_conflict(uow)
        return RuleConfig(code, row.enabled, row.level, {**base.params, **row.params})


def _setting(base: RuleConfig, row: WarningRule | None) -> dict[str, Any]:
    if row is None:
        return {"enabled": base.enabled, "level": base.level, "params": dict(base.params)}
    return {
        "enabled": row.enabled,
        "level": row.level,
        "params": {**base.params, **(row.params or {})},
    }


def all_rules(session: Session, file_path: str) -> list[RuleConfig]:
    return rule_configs(session, file_path, tuple(SPECS))
