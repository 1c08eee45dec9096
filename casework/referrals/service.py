"""Writes on the referral ledger (移送与反馈台账): refer a matter to an agency, record the agency's
acts (receipt with its case number, 立案, an extension, the answer), and open a case for a matter
an agency referred to the union (inbound).

Each act is one use case in one unit of work: the ledger row, the clock of its stage, an event in
the case history and — where the case's workflow has the matching step and it is valid from the
case's state — that step, fired with :func:`casework.cases.service.fire` in the same transaction,
so the state, the case's clocks and the ledger agree. Where no step matches (or the case has
moved past it) the ledger records alone.

Dates: none in the future (Asia/Shanghai), none before the step before it; a refusal names the
field.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import workflows
from casework.cases import service as cases
from casework.cases.queries import visible_case
from casework.clocks.calendar import load_calendar
from casework.core.errors import InvalidInput, NotFound, TransitionNotAllowed
from casework.core.time import local_date
from casework.core.uow import UnitOfWork, check_version, commit_or_conflict
from casework.core.vocab import (
    AGENCY_KINDS,
    MAX_AGENCY_NAME,
    MAX_AGENCY_REF,
    MAX_REFERRAL_BASIS,
    MAX_TEXT,
    REFERRAL_OUTCOMES,
)
from casework.history import record
from casework.models import Case, Document, Referral
from casework.people.access import Actor, require
from casework.referrals import rules
from workflows.referrals import profile_for

MAX_NOTE = 255


# -- input ---------------------------------------------------------------------------------------


def _text(value: Any, field: str, what_zh: str, longest: int, *, required: bool = True) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if required and not text:
        raise InvalidInput(field, f"必须填写{what_zh}", f"{field} is required")
    if len(text) > longest:
        raise InvalidInput(field, f"{what_zh}不超过{longest}字", f"at most {longest} characters")
    return text


def _day(
    value: Any,
    field: str,
    what_zh: str,
    today: dt.date,
    *,
    not_before: tuple[dt.date | None, str] | None = None,
) -> dt.date:
    """A date that is not in the future and not before the step before it."""
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value)
        except ValueError:
            value = None
    if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
        raise InvalidInput(field, f"{what_zh}必须是日期（YYYY-MM-DD）", "must be a date")
    if value > today:
        raise InvalidInput(
            field,
            f"{what_zh}不能晚于今天（{today.isoformat()}）",
            f"must not be in the future (today is {today.isoformat()}, Asia/Shanghai)",
        )
    if not_before is not None and not_before[0] is not None and value < not_before[0]:
        earlier, earlier_zh = not_before[0], not_before[1]
        raise InvalidInput(
            field,
            f"{what_zh}不能早于{earlier_zh}（{earlier.isoformat()}）",
            f"must not be before {earlier.isoformat()} ({earlier_zh})",
        )
    return value


def _agency_ref(value: Any) -> str | None:
    text = _text(value, "agency_ref", "机关案号", MAX_AGENCY_REF, required=False)
    return text or None


# -- the clock -------------------------------------------------------------------------------------


def _set_clock(uow: UnitOfWork, r: Referral) -> None:
    """Put the referral on the clock of the stage it is in now (none once answered)."""
    found = rules.clock_of(r, load_calendar(uow.session), uow.settings.referral_days)
    if found is None:
        r.stage = r.due_on = r.due_at = r.chase_at = None
        return
    _profile, clock = found
    changed = r.due_on != clock.due_on
    r.stage = clock.stage.name
    r.citation = clock.citation
    r.due_on = clock.due_on
    r.due_at = clock.due_at
    r.calendar_verified = clock.calendar_verified
    if changed:
        r.chase_at = clock.due_at  # a new due date: the sweep chases it if it passes


def _late(r: Referral, day: dt.date) -> None:
    """The agency acted after the clock it was on had run out."""
    if r.due_on is not None and day > r.due_on:
        r.missed = True


def _clock_data(r: Referral) -> dict[str, Any]:
    return {
        "stage": r.stage,
        "due_on": r.due_on.isoformat() if r.due_on else None,
        "citation": r.citation if r.stage else None,
    }


# -- the workflow step ---------------------------------------------------------------------


def _fire_step(
    uow: UnitOfWork,
    case: Case,
    r: Referral,
    act: str,
    actor: Actor,
    data: Mapping[str, Any] | None,
    now: dt.datetime,
) -> str | None:
    """Fire the case's step that matches ``act`` on ``r`` if it is valid from the case's state
    (same transaction); the trigger fired, or None when the ledger records alone."""
    wf = workflows.get(case.workflow)
    for link in rules.step_links(case.workflow, r, act):
        if wf.transition_for(link.trigger, case.state) is None:
            continue
        facts = {k: v for k, v in link.facts(r).items() if v is not None}
        cases.fire(
            uow,
            case_id=case.id,
            trigger=link.trigger,
            actor=actor,
            data={**dict(data or {}), **facts},
            comment=f"移送台账：{AGENCY_KINDS[r.agency_kind]} {r.agency_name}",
            now=now,
        )
        return link.trigger
    return None


def _refused_after_answer(r: Referral) -> None:
    if r.answered_on is not None:
        raise TransitionNotAllowed(
            "该移送事项已登记答复，不能再登记机关的办理情况",
            "the referral is answered; no further act of the agency can be recorded",
            allowed=[],
            state="answered",
        )


def _outbound(r: Referral) -> None:
    if r.direction != "outbound":
        raise TransitionNotAllowed(
            "来文登记（其他机关移交工会的事项）不记录机关的受理、立案和答复",
            "an inbound entry records no acts of an agency",
            allowed=[],
            state="inbound",
        )


def _load(uow: UnitOfWork, actor: Actor, case_id: int, referral_id: int) -> tuple[Case, Referral]:
    s = uow.session
    case = visible_case(s, actor, case_id)
    r = s.get(Referral, referral_id)
    if r is None or r.case_id != case.id:
        raise NotFound("移送记录不存在", f"no referral {referral_id} on this case")
    return case, r


# -- refer ---------------------------------------------------------------------------------------


def refer(
    uow: UnitOfWork,
    *,
    case_id: int,
    actor: Actor,
    agency_kind: Any,
    agency_name: Any,
    basis: Any,
    matter: Any,
    document_id: int | None = None,
    procedure: Any = None,
    sent_on: Any = None,
    data: Mapping[str, Any] | None = None,
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> Referral:
    """Refer the matter of case ``case_id`` to an agency and commit: the ledger entry on the
    clock the agency's law sets (from the day sent until its receipt is recorded), an event,
    and the case's matching step (``data``: that step's further data, e.g. ``violation_date``).

    Raises NotFound (case or document), InvalidInput (a field; an outbound referral to the
    police), VersionConflict, NotPermitted, TransitionNotAllowed (a closed case) and whatever
    the fired step refuses."""
    now = now or dt.datetime.now(dt.UTC)
    today = local_date(now)
    kind = rules.outbound_agency_kind(agency_kind)
    proc = rules.procedure(procedure, kind)
    name = _text(agency_name, "agency_name", "机关名称", MAX_AGENCY_NAME)
    basis_text = _text(basis, "basis", "移送依据", MAX_REFERRAL_BASIS)
    matter_text = _text(matter, "matter", "移送事项", MAX_TEXT)
    sent = _day(sent_on, "sent_on", "移送日期", today) if sent_on is not None else today
    with uow:
        s = uow.session
        case = visible_case(s, actor, case_id)
        check_version(case, expected_version)
        require(actor, "refer", case)
        if case.closed_at is not None:
            raise TransitionNotAllowed(
                "已结案件不能再移送",
                "a closed case cannot be referred",
                allowed=[],
                state=case.state,
            )
        doc = None
        if document_id is not None:
            doc = s.get(Document, document_id)
            if doc is None or doc.case_id != case.id:
                raise InvalidInput(
                    "document", "该文书不是本案发出的文书", "no document of this case with that id"
                )
        r = Referral(
            case_id=case.id,
            direction="outbound",
            org_unit_id=case.org_unit_id,
            agency_kind=kind,
            agency_name=name,
            procedure=proc,
            basis=basis_text,
            matter=matter_text,
            document_id=doc.id if doc else None,
            sent_on=sent,
            created_by_id=actor.user_id,
            created_at=now,
            updated_at=now,
        )
        _set_clock(uow, r)
        fired = _fire_step(uow, case, r, rules.REFER, actor, data, now)
        s.add(r)
        s.flush()
        record(
            uow,
            case,
            "referral_sent",
            by=actor,
            data={
                "referral_id": r.id,
                "agency_kind": kind,
                "agency_name": name,
                "procedure": proc,
                "document": doc.number if doc else None,
                "sent_on": sent.isoformat(),
                "step": fired,
                **_clock_data(r),
            },
            at=now,
        )
        commit_or_conflict(uow)
        return r


# -- the agency's acts -------------------------------------------------------------------------


def record_receipt(
    uow: UnitOfWork,
    *,
    case_id: int,
    referral_id: int,
    actor: Actor,
    received_on: Any,
    agency_ref: Any = None,
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> Referral:
    """The agency received the referral on ``received_on`` (its case number ``agency_ref``):
    its first clock now counts from that day."""
    now = now or dt.datetime.now(dt.UTC)
    today = local_date(now)
    with uow:
        case, r = _load(uow, actor, case_id, referral_id)
        check_version(case, expected_version)
        require(actor, "record_referral", case)
        _outbound(r)
        _refused_after_answer(r)
        day = _day(
            received_on, "received_on", "机关收到日期", today, not_before=(r.sent_on, "移送日期")
        )
        if r.filed_on is not None and day > r.filed_on:
            raise InvalidInput(
                "received_on",
                f"机关收到日期不能晚于立案日期（{r.filed_on.isoformat()}）",
                f"must not be after the filing ({r.filed_on.isoformat()})",
            )
        r.received_on = day
        ref = _agency_ref(agency_ref)
        if ref:
            r.agency_ref = ref
        r.updated_at = now
        _set_clock(uow, r)
        record(
            uow,
            case,
            "referral_receipt",
            by=actor,
            data={
                "referral_id": r.id,
                "received_on": day.isoformat(),
                "agency_ref": r.agency_ref,
                **_clock_data(r),
            },
            at=now,
        )
        commit_or_conflict(uow)
        return r


def record_filing(
    uow: UnitOfWork,
    *,
    case_id: int,
    referral_id: int,
    actor: Actor,
    filed_on: Any,
    agency_ref: Any = None,
    data: Mapping[str, Any] | None = None,
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> Referral:
    """The agency opened its case (立案 / 受理) on ``filed_on``: the next clock of its law counts
    from that day (labour inspection's 60 working days), and the case's matching step fires."""
    now = now or dt.datetime.now(dt.UTC)
    today = local_date(now)
    with uow:
        case, r = _load(uow, actor, case_id, referral_id)
        check_version(case, expected_version)
        require(actor, "record_referral", case)
        _outbound(r)
        _refused_after_answer(r)
        if r.filed_on is not None:
            raise TransitionNotAllowed(
                f"已登记立案日期（{r.filed_on.isoformat()}）",
                "the agency's filing is already recorded",
                allowed=[],
                state="filed",
            )
        before = (r.received_on, "机关收到日期") if r.received_on else (r.sent_on, "移送日期")
        day = _day(filed_on, "filed_on", "立案日期", today, not_before=before)
        _late(r, day)
        r.filed_on = day
        ref = _agency_ref(agency_ref)
        if ref:
            r.agency_ref = ref
        r.updated_at = now
        _set_clock(uow, r)
        fired = _fire_step(uow, case, r, rules.FILE, actor, data, now)
        record(
            uow,
            case,
            "referral_filed",
            by=actor,
            data={
                "referral_id": r.id,
                "filed_on": day.isoformat(),
                "agency_ref": r.agency_ref,
                "step": fired,
                **_clock_data(r),
            },
            at=now,
        )
        commit_or_conflict(uow)
        return r


def record_extension(
    uow: UnitOfWork,
    *,
    case_id: int,
    referral_id: int,
    actor: Actor,
    note: Any,
    days: int | None = None,
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> Referral:
    """The agency extended its period where its law allows (labour inspection: +30 working days
    with its head's approval; arbitration: +15 days), once, by at most the law's days."""
    now = now or dt.datetime.now(dt.UTC)
    text = _text(note, "note", "延期批准情况", MAX_NOTE)
    with uow:
        case, r = _load(uow, actor, case_id, referral_id)
        check_version(case, expected_version)
        require(actor, "record_referral", case)
        _outbound(r)
        _refused_after_answer(r)
        profile = profile_for(r.agency_kind, r.procedure)
        stage = rules.current_stage(profile, r.filed_on) if profile else None
        cap = rules.extension_cap(profile, stage, uow.settings.referral_days) if stage else 0
        if stage is None or not cap:
            label = stage.label_zh if stage else "该机关"
            raise InvalidInput(
                "days",
                f"{label}期限没有法定延长（{stage.citation if stage else ''}）",
                "the agency's law allows no extension of this stage",
            )
        if r.extended_days:
            raise InvalidInput(
                "days",
                f"已登记延长{r.extended_days}日，法律只允许延长一次",
                "the period was already extended once",
            )
        n = cap if days is None else days
        if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= cap:
            raise InvalidInput(
                "days",
                f"延长天数必须是1到{cap}之间的整数",
                f"must be a whole number from 1 to {cap}",
            )
        r.extended_days = n
        r.extension_note = text
        r.updated_at = now
        _set_clock(uow, r)
        record(
            uow,
            case,
            "referral_extended",
            by=actor,
            data={"referral_id": r.id, "days": n, "note": text, **_clock_data(r)},
            at=now,
        )
        commit_or_conflict(uow)
        return r


def record_answer(
    uow: UnitOfWork,
    *,
    case_id: int,
    referral_id: int,
    actor: Actor,
    answered_on: Any,
    outcome: Any,
    answer: Any,
    transferred_to: Any = None,
    data: Mapping[str, Any] | None = None,
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> Referral:
    """The agency answered (反馈) on ``answered_on`` with ``outcome`` and its text: the clock
    stops (late if its due date had passed), and the case's matching step fires."""
    now = now or dt.datetime.now(dt.UTC)
    today = local_date(now)
    code = rules.outcome(outcome)
    text = _text(answer, "answer", "答复内容", MAX_TEXT)
    moved_to = None
    if code == "transferred" and transferred_to not in (None, ""):
        moved_to = rules.agency_kind(transferred_to, "transferred_to")
    elif transferred_to not in (None, ""):
        raise InvalidInput(
            "transferred_to",
            "只有处理结果为“已移送其他机关”时才填写接收机关",
            "only an answer that the matter was transferred names where to",
        )
    with uow:
        case, r = _load(uow, actor, case_id, referral_id)
        check_version(case, expected_version)
        require(actor, "record_referral", case)
        _outbound(r)
        _refused_after_answer(r)
        latest = max(d for d in (r.sent_on, r.received_on, r.filed_on) if d is not None)
        day = _day(
            answered_on, "answered_on", "答复日期", today, not_before=(latest, "此前登记的日期")
        )
        _late(r, day)
        r.answered_on = day
        r.outcome = code
        r.answer = text
        r.transferred_to = moved_to
        r.updated_at = now
        _set_clock(uow, r)
        fired = _fire_step(uow, case, r, rules.ANSWER, actor, data, now)
        record(
            uow,
            case,
            "referral_answered",
            by=actor,
            data={
                "referral_id": r.id,
                "answered_on": day.isoformat(),
                "outcome": code,
                "outcome_label_zh": REFERRAL_OUTCOMES[code],
                "transferred_to": moved_to,
                "late": r.missed,
                "step": fired,
            },
            at=now,
        )
        commit_or_conflict(uow)
        return r


# -- inbound: a case opened for an agency's referral -----------------------------------------


def open_case(
    uow: UnitOfWork,
    *,
    actor: Actor,
    channel: str = "walk_in",
    referred_by: Mapping[str, Any] | None = None,
    now: dt.datetime | None = None,
    **case: Any,
) -> Case:
    """Open a case as :func:`casework.cases.service.open_case` does; a case that came by
    ``channel="referral"`` names who referred it (``referred_by``: ``agency_kind``,
    ``agency_name``, ``reference``, ``received_on``), which is recorded as an inbound ledger
    entry in the same transaction. ``referred_by`` is required with that channel and refused
    with any other."""
    now = now or dt.datetime.now(dt.UTC)
    if channel != "referral":
        if referred_by is not None:
            raise InvalidInput(
                "referred_by",
                "只有来源渠道为“移送”（referral）的案件才登记移送机关",
                "referred_by is only for a case whose channel is referral",
            )
        return cases.open_case(uow, actor=actor, channel=channel, now=now, **case)
    if not isinstance(referred_by, Mapping):
        raise InvalidInput(
            "referred_by",
            "来源渠道为“移送”的案件必须登记移送机关（agency_kind、agency_name）",
            "a case whose channel is referral needs referred_by",
        )
    today = local_date(now)
    kind = rules.agency_kind(referred_by.get("agency_kind"), "referred_by.agency_kind")
    name = _text(
        referred_by.get("agency_name"), "referred_by.agency_name", "移送机关名称", MAX_AGENCY_NAME
    )
    reference = _text(
        referred_by.get("reference"),
        "referred_by.reference",
        "来文编号",
        MAX_AGENCY_REF,
        required=False,
    )
    raw_day = referred_by.get("received_on")
    received = (
        _day(raw_day, "referred_by.received_on", "收到移送日期", today)
        if raw_day not in (None, "")
        else today
    )
    with uow:
        opened = cases.open_case(uow, actor=actor, channel=channel, now=now, **case)
        r = Referral(
            case_id=opened.id,
            direction="inbound",
            org_unit_id=opened.org_unit_id,
            agency_kind=kind,
            agency_name=name,
            agency_ref=reference or None,
            basis="",
            matter=opened.summary or "",
            sent_on=received,
            received_on=received,
            created_by_id=actor.user_id,
            created_at=now,
            updated_at=now,
        )
        uow.session.add(r)
        uow.session.flush()
        record(
            uow,
            opened,
            "referral_received_in",
            by=actor,
            data={
                "referral_id": r.id,
                "agency_kind": kind,
                "agency_name": name,
                "reference": reference or None,
                "received_on": received.isoformat(),
            },
            at=now,
        )
        commit_or_conflict(uow)
        return opened
