"""The 12351 hotline intake (docs/domain.md §7): one call in, one unit of work.

A call becomes a work order (工单, workflow ``hotline``). What happens next depends on what the
caller asked for and on whether we know where the employer belongs:

- a consultation or a suggestion is answered on the work order at once (no case);
- a request that opens a process (wage arrears, a dispute, legal aid, a violation report) opens
  that case at the lowest competent unit of the employer's chain (服务下沉), and the work order is
  dispatched to the same unit;
- when the employer is new and nobody said where it belongs, the work order stays at the
  receiving unit, flagged for manual dispatch;
- a repeat call about the same worker and employer while their case is open attaches to that
  case (a ``repeat_call`` event) instead of opening a second one.

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
from casework.cases.queries import case_ref
from casework.cases.service import WorkerInput, fire, open_case, parse_amount
from casework.core.db import lock_keys
from casework.core.errors import InvalidInput, VersionConflict
from casework.core.text import valid_name
from casework.core.time import local_date
from casework.core.uow import UnitOfWork, commit_or_conflict
from casework.core.vocab import (
    CATEGORIES,
    MAX_EMPLOYER_NAME,
    MAX_PERSON_NAME,
    MAX_TEXT,
    MAX_WORKERS,
    TIERS,
)
from casework.history import record
from casework.intake.idempotency import check_key, claim_key, fingerprint
from casework.models import Case, CaseWorker, Employer, OrgUnit
from casework.people.access import Actor, require, visible_cases
from casework.people.pii import (
    PiiVault,
    normalise_credit_code,
    normalise_id_number,
    normalise_phone,
)
from casework.people.queries import unit_key
from casework.people.service import copy_worker, find_or_create_employer

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
    employer_name: str
    credit_code: str | None
    org_unit_code: str | None


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
    employer: EmployerInput,
    *,
    category: str,
    complexity: str,
    worker_count: Any,
    amount_claimed: Any,
    description: Any,
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
    }
    return fingerprint(canonical)


# -- the use case ----------------------------------------------------------------------------


def file_intake(
    uow: UnitOfWork,
    *,
    actor: Actor,
    caller: CallerInput,
    employer: EmployerInput,
    category: str,
    complexity: str = "normal",
    worker_count: int = 1,
    amount_claimed: Any = None,
    description: str = "",
    idempotency_key: str | None = None,
    now: dt.datetime | None = None,
) -> IntakeResult:
    """File one hotline call as a work order (and the case it opens, if any), and commit."""
    require(actor, "file_intake")
    call = _validate(
        caller,
        employer,
        category=category,
        complexity=complexity,
        worker_count=worker_count,
        amount_claimed=amount_claimed,
        description=description,
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


def _open_case_of(
    session: Session,
    vault: PiiVault,
    actor: Actor,
    workflow: str,
    employer: Employer,
    call: _Call,
) -> Case | None:
    """The oldest open case of ``workflow`` about ``employer``, within the operator's scope, with
    this caller among its workers: the same ID number, or the same phone unless both sides have
    ID numbers and they differ (two ID numbers are two people, whoever's phone they call from).
    Only the blind indexes are compared: nothing recorded on that case is read or copied."""
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
            Case.workflow == workflow,
            Case.employer_id == employer.id,
            Case.closed_at.is_(None),
            visible_cases(actor),
            same_worker,
        )
    )
    return session.scalars(
        select(Case).where(Case.id.in_(match)).order_by(Case.id).limit(1)
    ).first()


def _dispatch(uow: UnitOfWork, order: Case, unit: OrgUnit, actor: Actor, now: dt.datetime) -> None:
    """Send the work order down to ``unit`` (registered → dispatched); the acceptance clock
    that starts runs for that unit."""
    order.org_unit_id = unit.id
    order.org_unit = unit
    fire(
        uow, case_id=order.id, trigger="dispatch", actor=actor, data={"to_unit": unit.code}, now=now
    )


def _file(uow: UnitOfWork, actor: Actor, call: _Call, now: dt.datetime) -> dict[str, Any]:
    s = uow.session
    receiving = s.get(OrgUnit, actor.org_unit_id)
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
    manual = call.process is not None and not unit_known
    lock_keys(s, *(f"intake:caller:{employer.id}:{k}" for k in _caller_keys(uow.vault, call)))
    existing = (
        _open_case_of(s, uow.vault, actor, call.process, employer, call)
        if call.process is not None and unit_known
        else None
    )

    attributes: dict[str, Any] = {"category": call.category, "description": call.description}
    if manual:
        attributes["manual_dispatch"] = True
    if existing is not None:
        attributes["merged_into"] = existing.ref
    order = open_case(
        uow,
        actor=actor,
        workflow=HOTLINE,
        org_unit_id=receiving.id,
        employer_id=employer.id,
        workers=[WorkerInput(name=call.caller_name, id_number=call.id_number, phone=call.phone)],
        worker_count=call.worker_count,
        amount_claimed=call.amount,
        channel=HOTLINE,
        summary=call.description,
        complexity=call.complexity,
        attributes=attributes,
        now=now,
    )

    case: Case | None = None
    routed_to = receiving
    if call.process is None:
        fire(
            uow,
            case_id=order.id,
            trigger="answer",
            actor=actor,
            data={"answer": call.description},
            now=now,
        )
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
    elif not manual:
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
            now=now,
        )
        case.workers = [copy_worker(w) for w in order.workers]
        routed_to = case.org_unit
        _dispatch(uow, order, routed_to, actor, now)
    return {
        "work_order": {
            "id": order.id,
            "ref": order.ref,
            "state": order.state,
            "state_label_zh": workflows.get(HOTLINE).state(order.state).label_zh,
            "category": call.category,
            "complexity": order.complexity,
            "manual_dispatch": manual,
        },
        "case": {**case_ref(case), "org_unit": unit_key(case.org_unit)} if case else None,
        "merged_into": existing.id if existing is not None else None,
        "routed_to": {**unit_key(routed_to), "manual_dispatch": manual},
    }
