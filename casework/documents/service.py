"""Documents issued on a case (提示函, 意见书, 建议书, 不予受理通知书, 调解协议书, 督办函 ...):
drafts, edits of a draft, and issuing.

A document may start as a **draft**: no number, its 正文 written from the kind's template (or
given), editable (addressee, body, reply date) until it is issued. **Issuing** is one use case in
one unit of work: the document gets the next number of its issuing unit for the year, the kind's
trigger fires (state, event and clocks advance), the SHA-256 of its content is stored on the row
and in the ``document_issued`` history event, and all of it commits together or not at all. An
issued document is immutable. The one-shot :func:`issue_document` does both at once.

Checks run in the same order as :func:`casework.cases.service.fire`: the case is visible → the
version is current → the kind exists → it belongs to this workflow → it can be issued from the
case's state → the actor may issue it → the issuing unit's level is high enough → the trigger's
data and guards.

The issuing unit is the unit holding the case; a 督办函 is issued by the supervising unit above
it (the actor's unit) to the holder. Numbers follow GB/T 9704-2012 (7.2.3): the unit's
发文机关代字 + 〔年份〕 + 序号 + 号, ``穗工〔2026〕3号``, no "第", no padding, never a Latin code;
one gap-free sequence per unit and Asia/Shanghai year, or, for a unit that marks kinds
(``doc_kind_marker``), the kind's marker after the 代字 and one sequence per marker:
``天工提〔2026〕1号``. Numbers issued before this rule keep their old form.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy.orm import Session

import workflows
from casework.cases.queries import visible_case
from casework.cases.rules import check_level, check_role, triggers_from
from casework.cases.service import fire
from casework.clocks.calendar import load_calendar
from casework.clocks.queries import active_clocks
from casework.core import signals
from casework.core.counters import next_in_sequence
from casework.core.errors import DocumentIssued, InvalidInput, NotPermitted, TransitionNotAllowed
from casework.core.time import local_date, local_year
from casework.core.uow import UnitOfWork, check_version, commit_or_conflict
from casework.core.vocab import LEVEL_LABELS_ZH, MAX_ADDRESSEE, MAX_DOCUMENT_BODY
from casework.documents.content import paragraphs
from casework.documents.queries import (
    body_from_template,
    case_document,
    content_of,
    expected_reply_due,
    overdue_clocks,
    reply_of,
)
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


def _body(value: Any) -> str:
    text = "\n".join(paragraphs(value)) if isinstance(value, str) else ""
    if not text:
        raise InvalidInput("body", "正文不能为空", "the body must not be empty")
    if len(text) > MAX_DOCUMENT_BODY:
        raise InvalidInput(
            "body", f"正文不超过{MAX_DOCUMENT_BODY}字", f"at most {MAX_DOCUMENT_BODY} characters"
        )
    return text


def _check_workflow(case: Case, spec: DocumentKind) -> None:
    if case.workflow in spec.workflows:
        return
    wf = workflows.get(case.workflow)
    fits = ", ".join(k for k, v in DOCUMENT_KINDS.items() if case.workflow in v.workflows) or "无"
    raise InvalidInput(
        "kind",
        f"“{wf.label_zh}”案件不能发出{spec.label_zh}；可发：{fits}",
        f"a {spec.name} cannot be issued on a {wf.name} case; possible: {fits}",
    )


def _fires(case: Case, kind: DocumentKind, now: dt.datetime, session: Session) -> bool:
    """Whether issuing ``kind`` now takes its workflow step (True), issues it alone (False), or
    is refused from the case's state (TransitionNotAllowed, naming what is possible)."""
    wf = workflows.get(case.workflow)
    if kind.trigger is not None:
        if not wf.has_trigger(kind.trigger):  # pragma: no cover - the catalogue is tested
            raise InvalidInput(
                "kind",
                f"“{kind.label_zh}”不适用于本流程",
                f"{kind.name} does not apply to {wf.name}",
            )
        if wf.transition_for(kind.trigger, case.state) is not None:
            return True
        if case.state in kind.after_states:
            return False
    elif not wf.is_terminal(case.state):
        if not kind.needs_overdue or overdue_clocks(session, case, local_date(now)):
            return False
        raise TransitionNotAllowed(
            f"本案没有逾期的办理期限，无需发出{kind.label_zh}",
            f"a {kind.name} is for an overdue case; no clock of this case has run out",
            allowed=[],
            state=case.state,
            kind=kind.name,
        )
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


def _issuer(
    session: Session, case: Case, kind: DocumentKind, actor: Actor, *, signing: bool = True
) -> OrgUnit:
    """Who issues ``kind`` on ``case`` (checking that ``actor`` may): the unit holding the case,
    or for a 督办函 the actor's own unit above it. ``signing``: the actor issues it, so must hold
    the step's role (a draft may be written by any caseworker of the case, then signed)."""
    if kind.from_above:
        require(actor, "oversee", case)
        if actor.org_unit_id is None or actor.org_unit_id == case.org_unit_id:
            raise NotPermitted(
                f"{kind.label_zh}由承办单位的上级工会发出，承办单位不能向自己督办",
                f"a {kind.label_en} is issued by a unit above the one holding the case",
                act="oversee",
            )
        return session.get(OrgUnit, actor.org_unit_id)
    require(actor, "issue_document", case, kind_zh=kind.label_zh, kind=kind.name)
    if kind.trigger is not None and signing:
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
    return unit


def _may_edit(session: Session, case: Case, kind: DocumentKind, actor: Actor) -> None:
    """Who may change a draft: whoever may issue its kind on the case."""
    if kind.from_above:
        _issuer(session, case, kind, actor)
    else:
        require(actor, "issue_document", case, kind_zh=kind.label_zh, kind=kind.name)


def _reply_clock_due(session: Session, case: Case, rule: str) -> dt.date | None:
    """The due date of the case's active clock for ``rule`` (one just started counts)."""
    clock = next((d for d in active_clocks(session, case.id) if d.rule == rule), None)
    return clock.due_on if clock is not None else None


def _checked(
    uow: UnitOfWork,
    *,
    case_id: int,
    actor: Actor,
    kind: str,
    expected_version: int | None,
    now: dt.datetime,
    inputs: Callable[[], None] = lambda: None,
    signing: bool = True,
) -> tuple[Case, DocumentKind, bool, OrgUnit]:
    """The checks every issue or draft runs, in order — visible, version, ``inputs`` (the
    caller's field checks), kind, workflow, state, who, level — and the case, the kind, whether
    its step fires, and the issuing unit."""
    s = uow.session
    case = visible_case(s, actor, case_id)
    check_version(case, expected_version)
    inputs()
    spec = get_kind(kind)
    _check_workflow(case, spec)
    fires = _fires(case, spec, now, s)
    issuer = _issuer(s, case, spec, actor, signing=signing)
    return case, spec, fires, issuer


def _issue(
    uow: UnitOfWork,
    *,
    case: Case,
    spec: DocumentKind,
    fires: bool,
    issuer: OrgUnit,
    actor: Actor,
    doc: Document,
    data: Mapping[str, Any] | None,
    now: dt.datetime,
) -> Document:
    """Number ``doc``, take the kind's step, write its body if it has none, hash it and record
    it. Runs inside the caller's unit of work, which commits."""
    s = uow.session
    # Numbered before the trigger fires: the counter's UPDATE autoflushes, and the case must
    # not be flushed half-changed (its version would rise twice).
    number = next_document_number(s, issuer, local_year(now), spec)
    doc.status = "issued"
    doc.number = number
    doc.issued_at = now
    # The name it is signed with: a later renaming of the unit does not change the paper.
    doc.issuer_name = issuer.name
    if doc.id is None:  # its id is in the history event; the case is not flushed yet
        s.add(doc)
        s.flush()
    if fires:
        fire(
            uow,
            case_id=case.id,
            trigger=spec.trigger,
            actor=actor,
            comment=f"{spec.label_zh} {number}",
            data=data,
            now=now,
        )
    # No autoflush: flushing the case half-done would bump its version a second time.
    with s.no_autoflush:
        due = doc.reply_due
        if due is None and spec.reply_rule is not None:
            due = _reply_clock_due(s, case, spec.reply_rule)
        if due is None and spec.reply_days is not None:
            due = load_calendar(s).due(local_date(now), spec.reply_days, spec.reply_unit).due
        doc.reply_due = due
        doc.title = doc.title or spec.label_zh
        if doc.body is None:
            doc.body = body_from_template(
                uow,
                case,
                spec,
                issuer=issuer,
                addressee=doc.addressee,
                title=doc.title,
                number=number,
                citation=doc.citation,
                reply=reply_of(uow, case, spec, due, local_date(now)),
                step_data=dict(data or doc.step_data or {}),
                today=local_date(now),
            )
        if data:
            doc.step_data = dict(data)
        doc.content_hash = content_of(uow, doc, case, issuer).sha256()
    record(
        uow,
        case,
        "document_issued",
        by=actor,
        data={
            "document_id": doc.id,
            "kind": spec.name,
            "number": number,
            "addressee": doc.addressee,
            "issuer": issuer.code,
            "reply_due": due.isoformat() if due else None,
            "content_hash": doc.content_hash,
        },
        at=now,
    )
    signals.emit(
        uow,
        signals.DOCUMENT_ISSUED,
        employer_id=case.employer_id,
        at=now,
        case=case,
        detail=spec.name,
        data={"document_id": doc.id, "number": number},
        actor=actor,
    )
    return doc


def issue_document(
    uow: UnitOfWork,
    *,
    case_id: int,
    actor: Actor,
    kind: str,
    addressee: str,
    reply_due: dt.date | None = None,
    data: Mapping[str, Any] | None = None,
    body: str | None = None,
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> Document:
    """Issue a numbered document of ``kind`` on case ``case_id`` and commit (no draft first).

    The issuing unit is the unit owning the case (a 督办函: the actor's unit above it). When the
    kind has a trigger it fires in the same transaction (``data`` is the trigger's data, e.g.
    ``agreement_claims`` for a mediation agreement, ``reason`` for a denial of legal aid).
    ``reply_due`` defaults to the due date of the kind's reply clock (the 意见书's 15 working
    days) once the trigger has started it. ``body`` (one paragraph a line) defaults to the
    kind's template filled in for the case.

    Raises NotFound (case outside the actor's scope), InvalidInput (kind, addressee,
    reply_due, body, trigger data), TransitionNotAllowed (with ``allowed``), VersionConflict,
    NotPermitted, LevelTooLow, GuardRefused and TemplateBroken.
    """
    now = now or dt.datetime.now(dt.UTC)
    with uow:
        given: dict[str, Any] = {}

        def inputs() -> None:
            given["name"] = _addressee(addressee)
            given["due"] = _reply_due(reply_due, local_date(now))
            given["text"] = _body(body) if body is not None else None

        case, spec, fires, issuer = _checked(
            uow,
            case_id=case_id,
            actor=actor,
            kind=kind,
            expected_version=expected_version,
            now=now,
            inputs=inputs,
        )
        name, due, text = given["name"], given["due"], given["text"]
        doc = Document(
            case_id=case.id,
            kind=spec.name,
            issuer_unit_id=issuer.id,
            addressee=name,
            citation=uow.settings.region.document_citation(spec.name, spec.citation),
            title=spec.label_zh,
            body=text,
            created_at=now,
            reply_due=due,
            created_by_id=actor.user_id,
        )
        _issue(
            uow,
            case=case,
            spec=spec,
            fires=fires,
            issuer=issuer,
            actor=actor,
            doc=doc,
            data=data,
            now=now,
        )
        commit_or_conflict(uow)
        return doc


def create_draft(
    uow: UnitOfWork,
    *,
    case_id: int,
    actor: Actor,
    kind: str,
    addressee: str,
    body: str | None = None,
    reply_due: dt.date | None = None,
    data: Mapping[str, Any] | None = None,
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> Document:
    """A draft of ``kind`` on case ``case_id``: no number yet, its body written from the kind's
    template (with ``data``, the step's data so far) unless ``body`` is given. It passes the
    checks issuing now would (state, level), except the signature: a caseworker may draft an
    意见书 that the chair (a supervisor) then issues. A ``document_drafted`` event joins the
    history."""
    now = now or dt.datetime.now(dt.UTC)
    with uow:
        given: dict[str, Any] = {}

        def inputs() -> None:
            given["name"] = _addressee(addressee)
            given["due"] = _reply_due(reply_due, local_date(now))
            given["text"] = _body(body) if body is not None else None

        case, spec, _fires_now, issuer = _checked(
            uow,
            case_id=case_id,
            actor=actor,
            kind=kind,
            expected_version=expected_version,
            now=now,
            inputs=inputs,
            signing=False,
        )
        name, due, text = given["name"], given["due"], given["text"]
        citation = uow.settings.region.document_citation(spec.name, spec.citation)
        if text is None:
            today = local_date(now)
            preview = due or expected_reply_due(uow, case, spec, today)
            text = body_from_template(
                uow,
                case,
                spec,
                issuer=issuer,
                addressee=name,
                title=spec.label_zh,
                number=None,
                citation=citation,
                reply=reply_of(uow, case, spec, preview, today),
                step_data=dict(data or {}),
                today=today,
            )
        doc = Document(
            case_id=case.id,
            kind=spec.name,
            status="draft",
            issuer_unit_id=issuer.id,
            addressee=name,
            citation=citation,
            title=spec.label_zh,
            body=text,
            step_data=dict(data) if data else None,
            created_at=now,
            reply_due=due,
            created_by_id=actor.user_id,
        )
        uow.session.add(doc)
        uow.session.flush()
        record(
            uow,
            case,
            "document_drafted",
            by=actor,
            data={"document_id": doc.id, "kind": spec.name, "issuer": issuer.code},
            at=now,
        )
        commit_or_conflict(uow)
        return doc


_UNSET: Any = object()


def edit_draft(
    uow: UnitOfWork,
    *,
    case_id: int,
    document_id: int,
    actor: Actor,
    addressee: Any = _UNSET,
    body: Any = _UNSET,
    reply_due: Any = _UNSET,
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> Document:
    """Change a draft's addressee, body or reply date (``None``: back to the rule's date). An
    issued document is immutable: DocumentIssued (409)."""
    now = now or dt.datetime.now(dt.UTC)
    with uow:
        s = uow.session
        doc = case_document(s, actor, case_id, document_id)
        case = s.get(Case, doc.case_id)
        check_version(case, expected_version)
        spec = get_kind(doc.kind)
        _may_edit(s, case, spec, actor)
        if doc.status != "draft":
            raise DocumentIssued(
                f"文书{doc.number}已发出，不能修改；如需更正，请另行起草发文",
                f"document {document_id} was issued as {doc.number} and cannot be changed",
                number=doc.number,
            )
        changed = []
        if addressee is not _UNSET:
            doc.addressee = _addressee(addressee)
            changed.append("addressee")
        if body is not _UNSET:
            doc.body = _body(body)
            changed.append("body")
        if reply_due is not _UNSET:
            doc.reply_due = _reply_due(reply_due, local_date(now))
            changed.append("reply_due")
        if not changed:
            raise InvalidInput(
                "body", "请至少修改送达对象、正文或答复期限之一", "nothing to change was given"
            )
        record(
            uow,
            case,
            "document_draft_edited",
            by=actor,
            data={"document_id": doc.id, "kind": doc.kind, "changed": changed},
            at=now,
        )
        commit_or_conflict(uow)
        return doc


def issue_draft(
    uow: UnitOfWork,
    *,
    case_id: int,
    document_id: int,
    actor: Actor,
    data: Mapping[str, Any] | None = None,
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> Document:
    """Issue a draft as written: number, step (with ``data``, else the draft's), hash, history,
    in one unit of work. A document already issued: DocumentIssued (409)."""
    now = now or dt.datetime.now(dt.UTC)
    with uow:
        s = uow.session
        doc = case_document(s, actor, case_id, document_id)
        if doc.status != "draft":
            raise DocumentIssued(
                f"文书已于发出时编号为{doc.number}，不能重复发出",
                f"document {document_id} was already issued as {doc.number}",
                number=doc.number,
            )
        case, spec, fires, issuer = _checked(
            uow,
            case_id=case_id,
            actor=actor,
            kind=doc.kind,
            expected_version=expected_version,
            now=now,
        )
        if doc.reply_due is not None and doc.reply_due < local_date(now):
            raise InvalidInput(
                "reply_due",
                f"草稿的答复期限（{doc.reply_due.isoformat()}）已过，请先修改",
                "the draft's reply date has passed; edit it first",
            )
        if issuer.id != doc.issuer_unit_id:
            # The case moved (lifted, taken over) since the draft: the new holder issues it.
            doc.issuer_unit_id = issuer.id
        _issue(
            uow,
            case=case,
            spec=spec,
            fires=fires,
            issuer=issuer,
            actor=actor,
            doc=doc,
            data=data if data else doc.step_data,
            now=now,
        )
        commit_or_conflict(uow)
        return doc
