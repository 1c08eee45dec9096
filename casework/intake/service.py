"""The 12351 hotline intake (docs/domain.md §7): one call in, one unit of work.

A call becomes a work order (工单, workflow ``hotline``). What happens next depends on what the
caller asked for and on whether we know where the employer belongs:

- a consultation or a suggestion is answered on the call with the operator's own answer (no
  case, no clock left running); a share of them waits for a call-back, the rest close;
- 服务帮扶 goes to the employer's unit; a 信访投诉 to the level above the union body complained
  about;
- a request that opens a process (wage arrears, a dispute, legal aid, a violation report) opens
  that case at the lowest competent unit of the employer's chain (服务下沉), and the work order is
  dispatched to the same unit;
- when the employer is new and nobody said where it belongs, the work order stays at the
  receiving unit, flagged for manual dispatch;
- a repeat call by the same caller about the same matter while its work order is in hand joins
  that order and its case (``repeat_call`` events): no second order, no second set of clocks;
  while only the case is open, a new order goes to the case's unit and merges into it;
- a work order waiting for manual dispatch opens its case when it is dispatched
  (:func:`_open_on_dispatch`), and the call-backs (:func:`record_callback`) close the loop.

With an ``Idempotency-Key`` the request's fingerprint and the response body are stored in the
same transaction as the work, so a retry answers the same and changes nothing.

Personal data (the caller's phone and ID number) lives only on the encrypted person record: it
never goes into attributes, events, the stored fingerprint or an error message.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

import workflows
from casework.cases.queries import case_ref, visible_case
from casework.cases.service import AFTER_FIRE, WorkerInput, fire, open_case, parse_amount
from casework.clocks.calendar import load_calendar
from casework.core import signals
from casework.core.db import lock_keys
from casework.core.errors import (
    InvalidInput,
    NotFound,
    TransitionNotAllowed,
    VersionConflict,
)
from casework.core.text import valid_name
from casework.core.time import local_date
from casework.core.uow import UnitOfWork, check_version, commit_or_conflict
from casework.core.vocab import (
    ANSWERED_ON_CALL,
    CALLBACK_BUTTON_WORDS,
    CATEGORIES,
    EMPLOYER_OPTIONAL,
    MAX_EMPLOYER_NAME,
    MAX_PERSON_NAME,
    MAX_TEXT,
    MAX_WORKERS,
    TIERS,
)
from casework.history import record
from casework.intake.idempotency import check_key, claim_key, fingerprint
from casework.models import Case, CaseWorker, Employer, OrgUnit
from casework.notices.service import notify_unit_supervisors, report_mass_incident
from casework.people.access import Actor, require, visible_cases
from casework.people.pii import (
    PiiVault,
    normalise_credit_code,
    normalise_id_number,
    normalise_phone,
)
from casework.people.queries import unit_key
from casework.people.service import copy_worker, find_or_create_employer
from workflows.fields import FieldError
from workflows.hotline import OUTCOME as CALLBACK_OUTCOME

HOTLINE = "hotline"
# How often an intake is filed again after losing a race that is not the operator's doing.
RACE_ATTEMPTS = 3
log = logging.getLogger("casework.intake")
_FINGERPRINT_OP = "hotline_intake"


@dataclass(frozen=True)
class CallerInput:
    name: str
    phone: str
    id_number: str | None = None


@dataclass(frozen=True)
class EmployerInput:
    name: str
    credit_code: str | None = None
    org_unit_code: str | None = None


@dataclass(frozen=True)
class IntakeResult:
    body: dict[str, Any]  # the response body, JSON-ready
    replayed: bool  # True when answered from a stored Idempotency-Key


@dataclass(frozen=True)
class _Call:
    """The request, validated and normalised."""

    category: str
    process: str | None
    complexity: str
    worker_count: int
    amount: Decimal | None
    description: str
    caller_name: str
    phone: str
    id_number: str | None
    employer_name: str | None
    credit_code: str | None
    org_unit_code: str | None
    answer: str | None = None
    complained_unit_code: str | None = None
    mass_incident: bool = False


# -- validation ------------------------------------------------------------------------------


def _blank_to_none(value: str | None) -> str | None:
    if value is None:
        return None
    value = str(value).strip()
    return value or None


def _text(value: Any, field: str, max_len: int, *, required: bool) -> str:
    text = str(value if value is not None else "").strip()
    if required and not text:
        raise InvalidInput(field, "不能为空", "must not be empty")
    if len(text) > max_len:
        raise InvalidInput(field, f"不超过{max_len}字", f"at most {max_len} characters")
    return text


def _validate(
    caller: CallerInput,
    employer: EmployerInput | None,
    *,
    category: str,
    complexity: str,
    worker_count: Any,
    amount_claimed: Any,
    description: Any,
    answer: Any = None,
    complained_unit_code: Any = None,
    mass_incident: Any = False,
) -> _Call:
    if category not in CATEGORIES:
        raise InvalidInput(
            "category",
            f"来电类别必须是 {', '.join(CATEGORIES)} 之一",
            f"must be one of {', '.join(CATEGORIES)}",
        )
    if complexity not in TIERS:
        raise InvalidInput(
            "complexity",
            f"复杂程度必须是 {', '.join(TIERS)} 之一",
            f"must be one of {', '.join(TIERS)}",
        )
    if (
        isinstance(worker_count, bool)
        or not isinstance(worker_count, int)
        or not 1 <= worker_count <= MAX_WORKERS
    ):
        raise InvalidInput(
            "worker_count",
            "涉及人数必须是1到100000之间的整数",
            "must be a whole number from 1 to 100000",
        )
    amount = parse_amount(amount_claimed)
    text = _text(description, "description", MAX_TEXT, required=False)
    # Names normalised: a look-alike must not dodge routing or the repeat-call merge.
    name = valid_name(caller.name, field="caller.name", max_len=MAX_PERSON_NAME)
    try:
        phone = normalise_phone(str(caller.phone or ""))
    except InvalidInput as exc:
        raise exc.at("caller.phone") from None
    id_number = _blank_to_none(caller.id_number)
    if id_number is not None:
        try:
            id_number = normalise_id_number(id_number)
        except InvalidInput as exc:
            raise exc.at("caller.id_number") from None
    if employer is None and category not in EMPLOYER_OPTIONAL:
        raise InvalidInput(
            "employer", "该类来电须登记用人单位", f"a {category} call needs the employer"
        )
    answer_text = _text(answer, "answer", MAX_TEXT, required=False)
    if category in ANSWERED_ON_CALL and len(answer_text) < 2:
        raise InvalidInput(
            "answer",
            "在电话中答复的，须记录话务员本人的答复内容",
            "a call answered on the line records the operator's own answer",
        )
    if not isinstance(mass_incident, bool):
        raise InvalidInput("mass_incident", "须为 true 或 false", "must be true or false")
    complained = _blank_to_none(complained_unit_code)
    if category == "complaint" and complained is None:
        raise InvalidInput(
            "complained_unit_code",
            "信访投诉须写明被投诉的工会组织",
            "a complaint names the union body complained about",
        )
    if employer is None:
        return _Call(
            category=category,
            process=CATEGORIES[category],
            complexity=complexity,
            worker_count=worker_count,
            amount=amount,
            description=text,
            caller_name=name,
            phone=phone,
            id_number=id_number,
            employer_name=None,
            credit_code=None,
            org_unit_code=None,
            answer=answer_text or None,
            complained_unit_code=complained,
            mass_incident=mass_incident,
        )
    employer_name = valid_name(employer.name, field="employer.name", max_len=MAX_EMPLOYER_NAME)
    credit_code = _blank_to_none(employer.credit_code)
    if credit_code is not None:
        try:
            credit_code = normalise_credit_code(credit_code)
        except InvalidInput as exc:
            raise exc.at("employer.credit_code") from None
    return _Call(
        category=category,
        process=CATEGORIES[category],
        complexity=complexity,
        worker_count=worker_count,
        amount=amount,
        description=text,
        caller_name=name,
        phone=phone,
        id_number=id_number,
        employer_name=employer_name,
        credit_code=credit_code,
        org_unit_code=_blank_to_none(employer.org_unit_code),
        answer=answer_text or None,
        complained_unit_code=complained,
        mass_incident=mass_incident,
    )


def _fingerprint(call: _Call, vault: PiiVault) -> str:
    """SHA-256 of the canonical JSON of the normalised request. The phone and ID number enter
    only as their keyed blind indexes, so the stored hash cannot be brute-forced back to them."""
    canonical = {
        "op": _FINGERPRINT_OP,
        "category": call.category,
        "complexity": call.complexity,
        "worker_count": call.worker_count,
        "amount_claimed": str(call.amount) if call.amount is not None else None,
        "description": call.description,
        "caller": {
            "name": call.caller_name,
            "phone": vault.blind_index("phone", call.phone),
            "id_number": vault.blind_index("id_number", call.id_number) if call.id_number else None,
        },
        "employer": {
            "name": call.employer_name,
            "credit_code": call.credit_code,
            "org_unit_code": call.org_unit_code,
        },
        "answer": call.answer,
        "complained_unit_code": call.complained_unit_code,
    }
    if call.mass_incident:  # only when set: keys stored before the flag existed still match
        canonical["mass_incident"] = True
    return fingerprint(canonical)


# -- the use case ----------------------------------------------------------------------------


def file_intake(
    uow: UnitOfWork,
    *,
    actor: Actor,
    caller: CallerInput,
    employer: EmployerInput | None,
    category: str,
    complexity: str = "normal",
    worker_count: int = 1,
    amount_claimed: Any = None,
    description: str = "",
    answer: str | None = None,
    complained_unit_code: str | None = None,
    mass_incident: bool = False,
    idempotency_key: str | None = None,
    now: dt.datetime | None = None,
) -> IntakeResult:
    """File one hotline call as a work order (and the case it opens, if any), and commit. A
    call about a mass incident (群体性事件, ``mass_incident``) is reported at once on the case it
    opens or joins, else on the work order where it was sent (see
    :func:`casework.notices.service.report_mass_incident`)."""
    require(actor, "file_intake")
    call = _validate(
        caller,
        employer,
        category=category,
        complexity=complexity,
        worker_count=worker_count,
        amount_claimed=amount_claimed,
        description=description,
        answer=answer,
        complained_unit_code=complained_unit_code,
        mass_incident=mass_incident,
    )
    key = check_key(idempotency_key)
    now = now or dt.datetime.now(dt.UTC)
    for attempt in range(1, RACE_ATTEMPTS + 1):
        try:
            return _file_once(uow, actor, call, key, now)
        except (VersionConflict, IntegrityError):
            # Someone else's write to the case this call merges into, or their new employer
            # row, got there first. That is not the operator's conflict: file the call again on
            # what is committed now (the key, if any, was rolled back with the attempt).
            if attempt == RACE_ATTEMPTS:
                raise
            log.info("intake: lost a race on attempt %d; filing again", attempt)
    raise AssertionError("unreachable")  # pragma: no cover


def _file_once(
    uow: UnitOfWork, actor: Actor, call: _Call, key: str | None, now: dt.datetime
) -> IntakeResult:
    with uow:
        key_row = None
        if key is not None:
            request_hash = _fingerprint(call, uow.vault)
            claimed = claim_key(uow.session, actor.user_id, key, request_hash, now)
            if isinstance(claimed, dict):
                return IntakeResult(body=claimed, replayed=True)
            key_row = claimed
        body = _file(uow, actor, call, now)
        if key_row is not None:
            key_row.response = body
        commit_or_conflict(uow)
    return IntakeResult(body=body, replayed=False)


def _caller_keys(vault: PiiVault, call: _Call) -> set[str]:
    """The caller's blind indexes: what a repeat call is recognised by."""
    keys = {vault.blind_index("phone", call.phone)}
    if call.id_number:
        keys.add(vault.blind_index("id_number", call.id_number))
    return keys


# A work order whose matter is still being handled (after that, a call is a new matter).
ORDER_IN_HAND = ("registered", "dispatched", "accepted")


# Open matters of one caller about one employer: a handful at most.
_MATTERS = 20


def _open_cases_of(
    session: Session,
    vault: PiiVault,
    actor: Actor,
    workflows_: tuple[str, ...],
    employer: Employer,
    call: _Call,
) -> list[Case]:
    """Open cases of the ``workflows_`` about ``employer``, oldest first, in the operator's scope,
    with this caller among their workers: the same ID number, or the same phone unless both sides
    have ID numbers and they differ (two ID numbers are two people, whoever's phone they call
    from). Only the blind indexes are compared: nothing recorded on a case is read or copied."""
    phone_index = vault.blind_index("phone", call.phone)
    if call.id_number:
        id_index = vault.blind_index("id_number", call.id_number)
        same_worker = or_(
            CaseWorker.id_number_index == id_index,
            and_(CaseWorker.phone_index == phone_index, CaseWorker.id_number_index.is_(None)),
        )
    else:
        same_worker = CaseWorker.phone_index == phone_index
    match = (
        select(CaseWorker.case_id)
        .join(Case, Case.id == CaseWorker.case_id)
        .where(
            Case.workflow.in_(workflows_),
            Case.employer_id == employer.id,
            Case.closed_at.is_(None),
            visible_cases(actor),
            same_worker,
        )
    )
    return list(
        session.scalars(select(Case).where(Case.id.in_(match)).order_by(Case.id).limit(_MATTERS))
    )


def _dispatch(uow: UnitOfWork, order: Case, unit: OrgUnit, actor: Actor, now: dt.datetime) -> None:
    """Send the work order down to ``unit`` (registered → dispatched); the acceptance clock
    that starts runs for that unit."""
    fire(
        uow,
        case_id=order.id,
        trigger="dispatch",
        actor=actor,
        data={"org_unit_id": unit.id},
        now=now,
    )


def _open_on_dispatch(uow: UnitOfWork, order: Case, actor: Actor, now: dt.datetime) -> None:
    """派单 of a work order that waited for manual dispatch: the case its category needs opens
    at the unit it was sent to, and an employer that was only parked at the receiving unit (no
    one knew where it belonged) is placed under that unit, so later calls route straight there."""
    attrs = order.attributes or {}
    process = CATEGORIES.get(attrs.get("category", ""))
    if not attrs.get("manual_dispatch") or process is None or attrs.get("case_ref"):
        return
    s = uow.session
    unit = order.org_unit
    employer = s.get(Employer, order.employer_id) if order.employer_id else None
    placed = employer is not None and employer.org_unit_id == order.origin_org_unit_id
    if placed:
        employer.org_unit_id = unit.id
    spawned = workflows.get(process)
    waits = spawned.entries[0] if spawned.entries else None
    case = open_case(
        uow,
        actor=actor,
        workflow=process,
        state=waits,
        attributes={"called_on": local_date(order.created_at).isoformat()} if waits else None,
        org_unit_id=unit.id,
        employer_id=order.employer_id,
        worker_count=order.worker_count,
        amount_claimed=order.amount_claimed,
        channel=HOTLINE,
        summary=order.summary,
        complexity=order.complexity,
        parent_id=order.id,
        now=now,
    )
    case.workers = [copy_worker(w) for w in order.workers]
    order.attributes = {**attrs, "case_ref": case.ref}
    record(
        uow,
        order,
        "case_opened",
        by=actor,
        data={"case_ref": case.ref, "org_unit": unit.code, "employer_placed": placed},
        at=now,
    )


def _after_dispatch(uow: UnitOfWork, order: Case, actor: Actor, now: dt.datetime) -> None:
    """Every 派单: the unit it was sent to may return it until ``return_by`` (退单 within
    ``CASEWORK_RETURN_WINDOW_DAYS`` working days, 2 by default); a work order that waited for
    manual dispatch also opens its case there (:func:`_open_on_dispatch`)."""
    cal = load_calendar(uow.session)
    return_by = cal.add_working_days(local_date(now), uow.settings.return_window_days)
    order.attributes = {**(order.attributes or {}), "return_by": return_by.isoformat()}
    _open_on_dispatch(uow, order, actor, now)


AFTER_FIRE[(HOTLINE, "dispatch")] = _after_dispatch


def _sampled(order: Case, percent: int) -> bool:
    """Whether an answered consultation is called back: exactly ``percent`` % of them, spread
    evenly over the year's work orders (the n-th is sampled when n × percent crosses a hundred)."""
    n = int(order.ref.rsplit("-", 1)[1])
    return (n * percent) // 100 > ((n - 1) * percent) // 100


def _complaint_target(s: Session, code: str) -> tuple[OrgUnit, OrgUnit]:
    """The union body complained about, and the level above it that handles the complaint."""
    complained = s.scalars(select(OrgUnit).where(OrgUnit.code == code)).first()
    if complained is None:
        raise NotFound("被投诉的工会组织不存在", "no org unit with that code")
    return complained, complained.parent or complained


def _order_view(order: Case, category: str, manual: bool) -> dict[str, Any]:
    return {
        "id": order.id,
        "ref": order.ref,
        "state": order.state,
        "state_label_zh": workflows.get(HOTLINE).state(order.state).label_zh,
        "category": category,
        "complexity": order.complexity,
        "manual_dispatch": manual,
    }


def _repeat_call(
    uow: UnitOfWork,
    actor: Actor,
    call: _Call,
    order: Case,
    case: Case | None,
    now: dt.datetime,
) -> dict[str, Any]:
    """The same caller again about the same matter while its work order is open: a
    ``repeat_call`` event on that order (and on its case), no new order and no new clock."""
    record(
        uow,
        order,
        "repeat_call",
        by=actor,
        data={"category": call.category, "description": call.description},
        at=now,
    )
    if case is not None:
        record(
            uow,
            case,
            "repeat_call",
            by=actor,
            data={"work_order": order.ref, "category": call.category},
            at=now,
        )
    manual = bool((order.attributes or {}).get("manual_dispatch")) and order.state == "registered"
    return {
        "work_order": _order_view(order, call.category, manual),
        "case": {**case_ref(case), "org_unit": unit_key(case.org_unit)} if case else None,
        "merged_into": case.id if case is not None else None,
        # Where the matter is handled now: the case's unit (it may have risen), else the order's.
        "routed_to": {
            **unit_key(case.org_unit if case else order.org_unit),
            "manual_dispatch": manual,
        },
        "repeat_call": True,
    }


def _file(uow: UnitOfWork, actor: Actor, call: _Call, now: dt.datetime) -> dict[str, Any]:
    s = uow.session
    receiving = s.get(OrgUnit, actor.org_unit_id)
    employer: Employer | None = None
    unit_known = False
    if call.employer_name is not None:
        # Calls about one employer are filed one at a time (a new employer is registered once),
        # and so are one caller's calls about it (a repeat call finds the case the first opened).
        lock_keys(s, f"intake:employer:{call.credit_code or call.employer_name}")
        # We know where the employer belongs when it is on record or the operator said so.
        employer, unit_known = find_or_create_employer(
            uow,
            actor=actor,
            name=call.employer_name,
            credit_code=call.credit_code,
            org_unit_code=call.org_unit_code,
        )
        lock_keys(s, *(f"intake:caller:{employer.id}:{k}" for k in _caller_keys(uow.vault, call)))
    dispatched = call.process is not None or call.category == "service_help"
    manual = dispatched and not unit_known
    existing = repeat_of = None
    if call.process is not None and employer is not None:
        # The caller's open case of the process and open work order, in one statement.
        mine = _open_cases_of(s, uow.vault, actor, (call.process, HOTLINE), employer, call)
        if unit_known:
            existing = next((c for c in mine if c.workflow == call.process), None)
        repeat_of = next(
            (
                order
                for order in mine
                if order.workflow == HOTLINE
                and order.state in ORDER_IN_HAND
                and (order.attributes or {}).get("category") == call.category
            ),
            None,
        )
    if repeat_of is not None:
        return _repeat_call(uow, actor, call, repeat_of, existing, now)
    complaint_to = None
    attributes: dict[str, Any] = {"category": call.category, "description": call.description}
    if call.category == "complaint" and call.complained_unit_code is not None:
        complained, complaint_to = _complaint_target(s, call.complained_unit_code)
        attributes["complained_unit"] = complained.code
    if manual:
        attributes["manual_dispatch"] = True
    if existing is not None:
        attributes["merged_into"] = existing.ref
    order = open_case(
        uow,
        actor=actor,
        workflow=HOTLINE,
        org_unit_id=receiving.id,
        employer_id=employer.id if employer is not None else None,
        workers=[WorkerInput(name=call.caller_name, id_number=call.id_number, phone=call.phone)],
        worker_count=call.worker_count,
        amount_claimed=call.amount,
        channel=HOTLINE,
        summary=call.description,
        complexity=call.complexity,
        attributes=attributes,
        now=now,
    )
    # Every call about an employer that opens a work order counts (a repeat call by the same
    # caller about the same matter joins its order above and is not a new call).
    signals.emit(
        uow,
        signals.HOTLINE_CALL,
        employer_id=employer.id if employer is not None else None,
        at=now,
        case=order,
    )

    case: Case | None = None
    routed_to = receiving
    if call.category in ANSWERED_ON_CALL:
        fire(
            uow,
            case_id=order.id,
            trigger="answer",
            actor=actor,
            data={"answer": call.answer},
            now=now,
        )
        if not _sampled(order, uow.settings.consultation_callback_percent):
            fire(uow, case_id=order.id, trigger="close_on_answer", actor=actor, now=now)
    elif complaint_to is not None:
        routed_to = complaint_to
        _dispatch(uow, order, routed_to, actor, now)
    elif call.category == "service_help":
        if employer is not None and unit_known:
            routed_to = employer.org_unit
            _dispatch(uow, order, routed_to, actor, now)
    elif existing is not None:
        case = existing
        record(
            uow,
            existing,
            "repeat_call",
            by=actor,
            data={"work_order": order.ref, "category": call.category},
            at=now,
        )
        routed_to = existing.org_unit
        _dispatch(uow, order, routed_to, actor, now)
    elif not manual and employer is not None and call.process is not None:
        # A process whose period the law counts from receipt of the application waits for it:
        # the call is not the application (劳动争议调解仲裁法 第十四条, 法律援助法 第四十三条).
        spawned = workflows.get(call.process)
        waits = spawned.entries[0] if spawned.entries else None
        case = open_case(
            uow,
            actor=actor,
            workflow=call.process,
            state=waits,
            attributes={"called_on": local_date(now).isoformat()} if waits else None,
            employer_id=employer.id,  # org_unit_id None: the engine routes it (服务下沉)
            worker_count=call.worker_count,
            amount_claimed=call.amount,
            channel=HOTLINE,
            summary=call.description,
            complexity=call.complexity,
            parent_id=order.id,
            mass_incident=call.mass_incident,  # reported at once on the case, where it is handled
            now=now,
        )
        case.workers = [copy_worker(w) for w in order.workers]
        routed_to = case.org_unit
        _dispatch(uow, order, routed_to, actor, now)
    if call.mass_incident:
        order.mass_incident = True
        # Reported once, where it is handled: a case the call opened was reported as it opened;
        # an open case the call joins is reported now unless it was already; with no case, the
        # work order is reported at the unit it was sent to.
        if case is None:
            report_mass_incident(uow, order, now=now)
        elif case is existing and not existing.mass_incident:
            existing.mass_incident = True
            report_mass_incident(uow, existing, now=now)
    return {
        "work_order": _order_view(order, call.category, manual),
        "case": {**case_ref(case), "org_unit": unit_key(case.org_unit)} if case else None,
        "merged_into": existing.id if existing is not None else None,
        "routed_to": {**unit_key(routed_to), "manual_dispatch": manual},
        "repeat_call": False,
    }


# -- 回访: the call-back ----------------------------------------------------------------------

CALLBACK_STATES = ("result_reported", "answered")
# An unreachable caller is tried this many times before the order closes with that outcome.
CALLBACK_TRIES = 2


def record_callback(
    uow: UnitOfWork,
    *,
    order_id: int,
    outcome: Any,
    actor: Actor,
    note: str = "",
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> Case:
    """The hotline calls the worker back. ``satisfied`` / ``basically_satisfied`` / ``declined``
    close the order; ``dissatisfied`` sends it back to the handling unit (发回重办: its handling
    clock starts again and its supervisors are told); ``unreachable`` is tried once more, and
    the second time closes the order with that outcome. Codes or 中文 labels."""
    require(actor, "record_callback")
    # The short words on the console's buttons (未接通, 拒访) name the same outcomes.
    outcome = CALLBACK_BUTTON_WORDS.get(outcome, outcome) if isinstance(outcome, str) else outcome
    try:
        code = CALLBACK_OUTCOME.parse(outcome)
    except FieldError as exc:
        raise InvalidInput("outcome", f"回访结果{exc.reason_zh}", exc.reason_en) from None
    if code is None:
        raise InvalidInput("outcome", "须记录回访结果", "the outcome is required")
    note = _text(note, "note", MAX_TEXT, required=False)
    now = now or dt.datetime.now(dt.UTC)
    with uow:
        s = uow.session
        order = visible_case(s, actor, order_id)
        if order.workflow != HOTLINE:
            raise NotFound("该编号不是热线工单", "not a hotline work order")
        check_version(order, expected_version)
        if order.state not in CALLBACK_STATES:
            label = workflows.get(HOTLINE).state(order.state).label_zh
            raise TransitionNotAllowed(
                f"工单当前状态“{label}”不在待回访中",
                f"the work order is {order.state}, not awaiting a call-back",
                allowed=[],
                state=order.state,
            )
        tries = int((order.attributes or {}).get("callback_attempts", 0)) + 1
        if code == "unreachable" and tries < CALLBACK_TRIES:
            order.attributes = {**(order.attributes or {}), "callback_attempts": tries}
            record(
                uow,
                order,
                "callback_attempt",
                by=actor,
                data={"outcome": code, "attempt": tries, "note": note},
                at=now,
            )
            commit_or_conflict(uow)
            return order
        trigger = "reopen" if code == "dissatisfied" else "complete_callback"
        fire(
            uow,
            case_id=order.id,
            trigger=trigger,
            actor=actor,
            data={"satisfaction": code},
            comment=note or None,
            now=now,
        )
        if code == "dissatisfied" and order.state == "accepted":
            notify_unit_supervisors(
                s,
                order.org_unit,
                order,
                kind="callback_dissatisfied",
                title=f"回访不满意，发回重办：{order.ref}",
                body=f"工单 {order.ref} 回访不满意，已发回{order.org_unit.name}重新办理，"
                "办理时限重新计算。" + (f"回访记录：{note}" if note else ""),
                key=f"callback_dissatisfied:{order.id}:{order.event_seq}",
                data={"case_ref": order.ref},
            )
        commit_or_conflict(uow)
        return order
