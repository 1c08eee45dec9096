"""Numbered documents issued on a case (提示函, 意见书, 建议书, 调解协议书 ...).

Issuing is one use case in one unit of work: the document gets the next number of its issuing
unit (the unit owning the case) for the year, the kind's trigger fires (state, event and clocks
advance), a ``document_issued`` event joins the history, and all of it commits together or not
at all. Checks run in the same order as :func:`casework.cases.fire_on`: the kind exists → it
belongs to this workflow → it can be issued from the case's state → the version is current →
the actor may act on the case → the issuing unit's level is high enough → the trigger's data
and guards.

Numbers read ``{unit code}〔{year}〕{abbr}字第{n:03d}号`` (``TH〔2026〕建字第001号``): one
gap-free sequence per issuing unit and Asia/Shanghai year, shared by every kind, so the number
alone identifies the document within the unit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

import workflows
from casework.cases.queries import visible_case
from casework.cases.rules import check_level, check_role, triggers_from
from casework.cases.service import fire
from casework.clocks.queries import active_clocks
from casework.core.counters import next_in_sequence
from casework.core.errors import InvalidInput, TransitionNotAllowed
from casework.core.time import local_date, local_year
from casework.core.uow import UnitOfWork, check_version, commit_or_conflict
from casework.core.vocab import LEVEL_LABELS_ZH, MAX_ADDRESSEE
from casework.history import record
from casework.models import Case, Document, DocumentCounter, OrgUnit
from casework.people.access import Actor, require
from workflows.documents import DOCUMENT_KINDS, DocumentKind

NUMBER_MAX = 64  # Document.number column width

# "县级以上" style words for the level a kind needs.
LEVEL_WORDS_ZH = {
    "grassroots": "基层",
    "township": "乡镇（街道）级",
    "county": "县级",
    "city": "市级",
    "province": "省级",
    "national": "全国",
}


# -- the catalogue -----------------------------------------------------------------------------


def get_kind(name: str) -> DocumentKind:
    try:
        return DOCUMENT_KINDS[name]
    except (KeyError, TypeError):
        known = ", ".join(DOCUMENT_KINDS)
        raise InvalidInput(
            "kind", f"未知文书类型，可选：{known}", f"unknown document kind; one of {known}"
        ) from None


# -- numbers ---------------------------------------------------------------------------------


def next_document_number(session: Session, unit: OrgUnit, year: int, kind: DocumentKind) -> str:
    """The unit's next 发文字号 for ``year`` (GB/T 9704), gap-free: one sequence per unit and
    year, or one per kind for a unit whose numbers carry the kind (``doc_kind_marker``)."""
    marker = kind.abbr_zh if unit.doc_kind_marker else ""
    n = next_in_sequence(session, DocumentCounter, issuer_unit_id=unit.id, year=year, marker=marker)
    return format_number(issuer_abbr(unit), year, marker, n)


def issuer_abbr(unit: OrgUnit) -> str:
    """The unit's 发文机关代字; until an admin sets one, its name (never its Latin code)."""
    return unit.doc_abbr or unit.name


def format_number(abbr: str, year: int, marker: str, n: int) -> str:
    """机关代字 + kind marker + 〔年份〕 + 序号 + 号: 穗工〔2026〕3号, 天工提〔2026〕1号 — no "第",
    no padding (GB/T 9704-2012 7.2.3)."""
    tail = f"{marker}〔{year}〕{n}号"
    # The 代字 is constant per unit, so shortening an over-long one keeps numbers unique.
    return abbr[: max(NUMBER_MAX - len(tail), 0)] + tail


# -- issuing ---------------------------------------------------------------------------------


def _addressee(value: Any) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if not text:
        raise InvalidInput("addressee", "必须填写文书送达对象", "an addressee is required")
    if len(text) > MAX_ADDRESSEE:
        raise InvalidInput(
            "addressee", f"送达对象不超过{MAX_ADDRESSEE}字", f"at most {MAX_ADDRESSEE} characters"
        )
    return text


def _reply_due(value: Any, today: dt.date) -> dt.date | None:
    if value is None:
        return None
    if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
        raise InvalidInput("reply_due", "答复期限必须是日期", "must be a date")
    if value < today:
        raise InvalidInput(
            "reply_due",
            f"答复期限不能早于今天（{today.isoformat()}）",
            f"must not be before today ({today.isoformat()}, Asia/Shanghai)",
        )
    return value


def _check_state(case: Case, kind: DocumentKind) -> None:
    wf = workflows.get(case.workflow)
    if kind.trigger is not None:
        if not wf.has_trigger(kind.trigger):  # pragma: no cover - the catalogue is tested
            raise InvalidInput(
                "kind",
                f"“{kind.label_zh}”不适用于本流程",
                f"{kind.name} does not apply to {wf.name}",
            )
        if wf.transition_for(kind.trigger, case.state) is not None:
            return
    elif not wf.is_terminal(case.state):
        return
    allowed = triggers_from(wf, case.state)
    raise TransitionNotAllowed(
        f"当前状态“{wf.state(case.state).label_zh}”下不能发出{kind.label_zh}；"
        f"可用：{', '.join(allowed) or '无（已结案）'}",
        f"a {kind.name} cannot be issued from {case.state}; "
        f"valid: {', '.join(allowed) or 'none (terminal)'}",
        allowed=allowed,
        state=case.state,
        kind=kind.name,
    )


def _check_issuer(case: Case, kind: DocumentKind, actor: Actor) -> None:
    require(actor, "issue_document", case, kind_zh=kind.label_zh, kind=kind.name)
    if kind.trigger is not None:
        # Who signs it (an 意见书 or 建议书: the chair or vice-chair, the supervisor role) is the
        # trigger's roles, checked before the level so the refusal names the real reason.
        t = workflows.get(case.workflow).transition_for(kind.trigger, case.state)
        if t is not None:
            check_role(case, t, actor)
    unit = case.org_unit
    check_level(
        unit,
        kind.min_level,
        refused_zh=f"{kind.label_zh}只能由"
        f"{LEVEL_WORDS_ZH.get(kind.min_level or '', '')}以上工会发出；"
        f"本案现由{unit.name}（{LEVEL_LABELS_ZH[unit.level]}）承办，可申请上提一级办理",
        refused_en=f"a {kind.label_en} can only be issued by a union at {kind.min_level} level or "
        f"above (the case is held at {unit.level} level)",
        kind=kind.name,
    )


def _reply_clock_due(session: Session, case: Case, rule: str) -> dt.date | None:
    """The due date of the case's active clock for ``rule`` (one just started counts)."""
    clock = next((d for d in active_clocks(session, case.id) if d.rule == rule), None)
    return clock.due_on if clock is not None else None


def issue_document(
    uow: UnitOfWork,
    *,
    case_id: int,
    actor: Actor,
    kind: str,
    addressee: str,
    reply_due: dt.date | None = None,
    data: Mapping[str, Any] | None = None,
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> Document:
    """Issue a numbered document of ``kind`` on case ``case_id`` and commit.

    The issuing unit is the unit owning the case. When the kind has a trigger it fires in the
    same transaction (``data`` is the trigger's data, e.g. ``agreement_claims`` for a mediation
    agreement, ``reason`` for a denial of legal aid). ``reply_due`` defaults to the due date of
    the kind's reply clock (the 意见书's 15 working days) once the trigger has started it.

    Raises NotFound (case outside the actor's scope), InvalidInput (kind, addressee,
    reply_due, trigger data), TransitionNotAllowed (with ``allowed``), VersionConflict,
    NotPermitted, LevelTooLow and GuardRefused.
    """
    now = now or dt.datetime.now(dt.UTC)
    with uow:
        s = uow.session
        case = visible_case(s, actor, case_id)
        check_version(case, expected_version)
        spec = get_kind(kind)
        name = _addressee(addressee)
        due = _reply_due(reply_due, local_date(now))
        if case.workflow not in spec.workflows:
            wf = workflows.get(case.workflow)
            fits = (
                ", ".join(k for k, v in DOCUMENT_KINDS.items() if case.workflow in v.workflows)
                or "无"
            )
            raise InvalidInput(
                "kind",
                f"“{wf.label_zh}”案件不能发出{spec.label_zh}；可发：{fits}",
                f"a {spec.name} cannot be issued on a {wf.name} case; possible: {fits}",
            )
        _check_state(case, spec)
        _check_issuer(case, spec, actor)
        issuer = case.org_unit
        year = local_year(now)
        # Numbered before the trigger fires: the counter's UPDATE autoflushes, and the case must
        # not be flushed half-changed (its version would rise twice).
        number = next_document_number(s, issuer, year, spec)
        if spec.trigger is not None:
            fire(
                uow,
                case_id=case.id,
                trigger=spec.trigger,
                actor=actor,
                comment=f"{spec.label_zh} {number}",
                data=data,
                now=now,
            )
        if due is None and spec.reply_rule is not None:
            due = _reply_clock_due(s, case, spec.reply_rule)
        doc = Document(
            case_id=case.id,
            kind=spec.name,
            number=number,
            issuer_unit_id=issuer.id,
            addressee=name,
            citation=uow.settings.region.document_citation(spec.name, spec.citation),
            issued_at=now,
            reply_due=due,
            created_by_id=actor.user_id,
        )
        s.add(doc)
        record(
            uow,
            case,
            "document_issued",
            by=actor,
            data={
                "kind": spec.name,
                "number": number,
                "addressee": name,
                "issuer": issuer.code,
                "reply_due": due.isoformat() if due else None,
            },
            at=now,
        )
        commit_or_conflict(uow)
        return doc
