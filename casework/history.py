"""The append-only, keyed, hash-chained case history.

``hash = HMAC-SHA256(key, prev_hash + canonical JSON of the event)``; the canonical form has sorted
keys, no whitespace, UTF-8, and the time as UTC ISO-8601 with microseconds, so the same event
hashes the same on SQLite and PostgreSQL. The key (``CASEWORK_HISTORY_KEY``) is not in the
database, so someone who can write to it cannot re-hash an edited chain; each event names the key
that signed it (``key_id``, the first 8 hex digits of the key's SHA-256), so older keys
(``CASEWORK_HISTORY_OLD_KEYS``) still verify until :func:`rekey_all` has re-signed their chains.
Events written before keys (``key_id`` NULL) are plain SHA-256; they verify, are reported as
unkeyed, and are re-signed once their chain has been verified. The case row keeps the last hash
and sequence number, so deleting the newest event is detected as well as editing any of them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Protocol

from sqlalchemy import exists, or_, select
from sqlalchemy.orm import Session

from casework.core.uow import UnitOfWork, commit_or_conflict
from casework.models import Case, CaseEvent, Employer, EmployerEvent

log = logging.getLogger("casework.history")

GENESIS = "0" * 64
SYSTEM_NAME = "system"  # the author of what the engine does by itself


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (set, frozenset, tuple)):
        return sorted(value) if isinstance(value, (set, frozenset)) else list(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def plain_json(data: Any) -> Any:
    """``data`` as it will come back from a JSON column (Decimals and dates become strings)."""
    return json.loads(json.dumps(data, default=_json_default, ensure_ascii=False))


def _fmt_time(at: dt.datetime) -> str:
    return at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def key_id(key: str) -> str:
    """How events name the key that signed them: the first 8 hex digits of its SHA-256."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:8]


class HistoryKeys:
    """The keys of the history chain: the current one signs new events (and re-keyed chains),
    the old ones are still accepted when verifying."""

    def __init__(self, current: str, old: Iterable[str] = ()) -> None:
        if not current:
            raise ValueError("the history chain needs a key (CASEWORK_HISTORY_KEY)")
        self.current = current
        self.current_id = key_id(current)
        self._by_id = {key_id(k): k for k in old}
        self._by_id[self.current_id] = current

    def key(self, kid: str) -> str | None:
        """The configured key named ``kid``, or None."""
        return self._by_id.get(kid)

    def accepts(self, kid: str) -> bool:
        return kid in self._by_id

    def __repr__(self) -> str:  # never the keys themselves
        return f"<HistoryKeys current={self.current_id} accepted={sorted(self._by_id)}>"


def event_hash(
    *,
    key: str | None,
    prev_hash: str,
    case_id: int,
    seq: int,
    at: dt.datetime,
    actor_id: int | None,
    actor: str,
    kind: str,
    from_state: str | None,
    to_state: str | None,
    trigger: str | None,
    data: Any,
    subject: str = "case_id",
) -> str:
    """The link of one event: HMAC-SHA256 under ``key``, or (``key`` None) the plain SHA-256 of
    the chains written before keys. ``subject`` names the chain's owner in the canonical form
    (``case_id``; ``employer_id`` for an employer's history), so an event cannot be moved from
    one kind of chain to the other."""
    body = {
        subject: case_id,
        "seq": seq,
        "at": _fmt_time(at),
        "actor_id": actor_id,
        "actor": actor,
        "kind": kind,
        "from_state": from_state,
        "to_state": to_state,
        "trigger": trigger,
        "data": data,
    }
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    message = (prev_hash + canonical).encode("utf-8")
    if key is None:
        return hashlib.sha256(message).hexdigest()
    return hmac.new(key.encode("utf-8"), message, hashlib.sha256).hexdigest()


def _row_hash(ev: CaseEvent | EmployerEvent, prev_hash: str, key: str | None) -> str:
    if isinstance(ev, EmployerEvent):
        return event_hash(
            key=key,
            prev_hash=prev_hash,
            case_id=ev.employer_id,
            seq=ev.seq,
            at=ev.at,
            actor_id=ev.actor_id,
            actor=ev.actor,
            kind=ev.kind,
            from_state=None,
            to_state=None,
            trigger=None,
            data=ev.data,
            subject="employer_id",
        )
    return event_hash(
        key=key,
        prev_hash=prev_hash,
        case_id=ev.case_id,
        seq=ev.seq,
        at=ev.at,
        actor_id=ev.actor_id,
        actor=ev.actor,
        kind=ev.kind,
        from_state=ev.from_state,
        to_state=ev.to_state,
        trigger=ev.trigger,
        data=ev.data,
    )


def _sign(ev: CaseEvent | EmployerEvent, prev_hash: str, keys: HistoryKeys) -> None:
    ev.prev_hash = prev_hash
    ev.key_id = keys.current_id
    ev.hash = _row_hash(ev, prev_hash, keys.current)


class Author(Protocol):
    """Who made an event: a user (``user_id``, ``username``) or the engine (``user_id`` None)."""

    user_id: int | None
    username: str


def record(
    uow: UnitOfWork,
    case: Case,
    kind: str,
    *,
    by: Author | None = None,
    from_state: str | None = None,
    to_state: str | None = None,
    trigger: str | None = None,
    data: dict[str, Any] | None = None,
    at: dt.datetime | None = None,
) -> CaseEvent:
    """Append one event of ``kind`` to ``case`` (which must already have an id), made ``by`` a
    user (None: the engine), signed with the unit of work's current history key, and advance
    the case's chain."""
    at = at or dt.datetime.now(dt.UTC)
    seq = case.event_seq + 1
    ev = CaseEvent(
        case_id=case.id,
        seq=seq,
        at=at,
        actor_id=by.user_id if by is not None else None,
        actor=by.username if by is not None else SYSTEM_NAME,
        kind=kind,
        from_state=from_state,
        to_state=to_state,
        trigger=trigger,
        data=plain_json(data or {}),
    )
    _sign(ev, case.last_hash or GENESIS, uow.history_keys)
    case.event_seq = seq
    case.last_hash = ev.hash
    case.updated_at = at
    uow.session.add(ev)
    return ev


def record_employer(
    uow: UnitOfWork,
    employer: Employer,
    kind: str,
    *,
    by: Author | None = None,
    data: dict[str, Any] | None = None,
    at: dt.datetime | None = None,
) -> EmployerEvent:
    """Append one event of ``kind`` to the employer's own history (a warning raised, escalated
    or disposed of), chained and signed exactly like a case's."""
    at = at or dt.datetime.now(dt.UTC)
    seq = (employer.event_seq or 0) + 1
    ev = EmployerEvent(
        employer_id=employer.id,
        seq=seq,
        at=at,
        actor_id=by.user_id if by is not None else None,
        actor=by.username if by is not None else SYSTEM_NAME,
        kind=kind,
        data=plain_json(data or {}),
    )
    _sign(ev, employer.last_hash or GENESIS, uow.history_keys)
    employer.event_seq = seq
    employer.last_hash = ev.hash
    uow.session.add(ev)
    return ev


def employer_label(employer: Employer) -> str:
    """How a problem names an employer's chain (its id: the name may hold anything)."""
    return f"employer#{employer.id}"


class Chain:
    """Events appended to one case's chain as plain rows (for multi-row inserts): the same
    columns and hashes :func:`record` writes, without an ORM object per event. Start from the
    case's ``event_seq`` and ``last_hash``; write ``seq`` and ``last_hash`` back to the case."""

    def __init__(self, keys: HistoryKeys, case_id: int, seq: int, last_hash: str) -> None:
        self.keys = keys
        self.case_id = case_id
        self.seq = seq
        self.last_hash = last_hash or GENESIS
        self.rows: list[dict[str, Any]] = []

    def append(
        self,
        kind: str,
        *,
        at: dt.datetime,
        by: Author | None = None,
        data: dict[str, Any] | None = None,
    ) -> int:
        """Append an event; returns its sequence number."""
        self.seq += 1
        row: dict[str, Any] = {
            "case_id": self.case_id,
            "seq": self.seq,
            "at": at,
            "actor_id": by.user_id if by is not None else None,
            "actor": by.username if by is not None else SYSTEM_NAME,
            "kind": kind,
            "from_state": None,
            "to_state": None,
            "trigger": None,
            "data": plain_json(data or {}),
            "prev_hash": self.last_hash,
            "key_id": self.keys.current_id,
        }
        row["hash"] = event_hash(
            key=self.keys.current,
            prev_hash=self.last_hash,
            **{k: row[k] for k in ("case_id", "seq", "at", "actor_id", "actor", "kind")},
            **{k: row[k] for k in ("from_state", "to_state", "trigger", "data")},
        )
        self.last_hash = row["hash"]
        self.rows.append(row)
        return self.seq


@dataclass(frozen=True)
class ChainProblem:
    case_ref: str
    seq: int | None
    event_id: int | None
    problem: str

    def __str__(self) -> str:
        where = f"event #{self.seq} (id {self.event_id})" if self.seq is not None else "case row"
        return f"{self.case_ref}: {where}: {self.problem}"


def _events(
    session: Session, owner: Case | Employer, batch: int
) -> Iterator[CaseEvent | EmployerEvent]:
    """A case's (or an employer's) events in the order they were stored, ``batch`` per query."""
    if isinstance(owner, Employer):
        model: Any = EmployerEvent
        belongs = EmployerEvent.employer_id == owner.id
    else:
        model = CaseEvent
        belongs = CaseEvent.case_id == owner.id
    last_id = 0
    while True:
        rows = session.scalars(
            select(model).where(belongs, model.id > last_id).order_by(model.id).limit(batch)
        ).all()
        if not rows:
            return
        yield from rows
        last_id = rows[-1].id


def _link_problem(
    keys: HistoryKeys,
    ev: CaseEvent | EmployerEvent,
    expected_seq: int,
    prev: str,
    signed_before: bool,
) -> str | None:
    if ev.seq != expected_seq:
        return f"expected event #{expected_seq} here (one is missing or reordered)"
    if ev.prev_hash != prev:
        return "prev_hash does not match the previous event"
    key = None
    if ev.key_id is None:
        if signed_before:
            return "an unkeyed event after signed ones (re-hashed without the key)"
    else:
        key = keys.key(ev.key_id)
        if key is None:
            return (
                f"signed with key {ev.key_id}, which is not configured "
                "(CASEWORK_HISTORY_KEY, CASEWORK_HISTORY_OLD_KEYS)"
            )
    if not hmac.compare_digest(_row_hash(ev, prev, key).encode(), (ev.hash or "").encode()):
        return "content does not match its hash (altered, or re-hashed without the key)"
    return None


def _walk(
    session: Session,
    keys: HistoryKeys,
    case: Case | Employer,
    batch: int,
    *,
    resign: bool = False,
) -> ChainProblem | None:
    """Check ``case``'s chain event by event; the first problem, or None if intact. With
    ``resign`` every event is also re-signed with the current key as soon as it has been checked
    (the caller commits only if the whole chain was intact)."""
    prev = new_prev = GENESIS
    expected_seq = 1
    signed_before = False
    label = employer_label(case) if isinstance(case, Employer) else case.ref
    for ev in _events(session, case, batch):
        problem = _link_problem(keys, ev, expected_seq, prev, signed_before)
        if problem:
            return ChainProblem(label, ev.seq, ev.id, problem)
        signed_before = signed_before or ev.key_id is not None
        prev = ev.hash
        if resign:
            _sign(ev, new_prev, keys)
            new_prev = ev.hash
        expected_seq += 1
    if expected_seq - 1 != case.event_seq or prev != (case.last_hash or GENESIS):
        what = "employer" if isinstance(case, Employer) else "case"
        return ChainProblem(
            label,
            None,
            None,
            f"{what} records {case.event_seq} events ending in another hash (events deleted?)",
        )
    if resign:
        case.last_hash = new_prev
    return None


def verify_case(uow: UnitOfWork, case: Case, batch: int = 1000) -> ChainProblem | None:
    """Recompute ``case``'s chain; return the first problem found, or ``None`` if intact."""
    return _walk(uow.session, uow.history_keys, case, batch)


def verify_all(uow: UnitOfWork, ref: str | None = None) -> tuple[int, list[ChainProblem]]:
    """Verify one case (by reference) or all; returns (cases checked, problems)."""
    q = select(Case).order_by(Case.id)
    if ref is not None:
        q = q.where(Case.ref == ref)
    problems: list[ChainProblem] = []
    checked = 0
    for case in uow.session.scalars(q).yield_per(500):
        checked += 1
        p = verify_case(uow, case)
        if p:
            problems.append(p)
    return checked, problems


def verify_employers(uow: UnitOfWork) -> tuple[int, list[ChainProblem]]:
    """Verify every employer's own history (those that have one); returns (checked, problems)."""
    problems: list[ChainProblem] = []
    checked = 0
    q = select(Employer).where(Employer.event_seq > 0).order_by(Employer.id)
    for emp in uow.session.scalars(q).yield_per(500):
        checked += 1
        p = _walk(uow.session, uow.history_keys, emp, 1000)
        if p:
            problems.append(p)
    return checked, problems


def unkeyed_cases(uow: UnitOfWork, ref: str | None = None) -> list[str]:
    """References of the cases whose chain has events written before keys (plain SHA-256)."""
    q = (
        select(Case.ref)
        .where(exists().where(CaseEvent.case_id == Case.id, CaseEvent.key_id.is_(None)))
        .order_by(Case.id)
    )
    if ref is not None:
        q = q.where(Case.ref == ref)
    return list(uow.session.scalars(q))


# -- re-keying: every chain re-signed with the current key ---------------------------------------


@dataclass
class RekeyReport:
    key_id: str
    rekeyed: int = 0
    employers_rekeyed: int = 0  # employers' own histories (warnings), re-signed the same way
    refused: list[ChainProblem] = field(default_factory=list)  # broken chains, left as they are
    unkeyed: list[str] = field(default_factory=list)  # legacy chains left alone (no --legacy)


def rekey_case(uow: UnitOfWork, case_id: int, report: RekeyReport, *, legacy: bool) -> None:
    """Re-sign one case's chain with the current key, in one transaction, after verifying it
    with the keys it was signed with. A broken chain is refused (never blessed with the current
    key); a chain with unkeyed events is re-signed only with ``legacy``."""
    with uow:
        s = uow.session
        keys = uow.history_keys
        # The case row stays locked until the commit (SQLite writers hold the database's write
        # lock anyway): a writer that read it before has to retry on its new version.
        s.execute(select(Case.id).where(Case.id == case_id).with_for_update())
        case = s.get(Case, case_id)
        if case is None:
            return
        signers = set(
            s.scalars(select(CaseEvent.key_id).where(CaseEvent.case_id == case_id).distinct())
        )
        if signers <= {keys.current_id}:
            return
        if None in signers and not legacy:
            report.unkeyed.append(case.ref)
            return
        problem = _walk(s, keys, case, 1000, resign=True)
        if problem:
            report.refused.append(problem)
            log.warning("history: not re-keyed, the chain is broken: %s", problem)
            return  # leaving the block rolls back what was re-signed so far
        commit_or_conflict(uow)
        report.rekeyed += 1
        log.info("history: re-keyed %s with key %s", case.ref, keys.current_id)


def rekey_all(
    new_uow: Callable[[], UnitOfWork], *, legacy: bool = False, batch: int = 100
) -> RekeyReport:
    """Re-sign every chain that has events not signed with the current key, ``batch`` cases at a
    time, one transaction per case (see :func:`rekey_case`)."""
    after = 0
    report: RekeyReport | None = None
    while True:
        with new_uow() as uow:
            current = uow.history_keys.current_id
            report = report or RekeyReport(key_id=current)
            ids = list(
                uow.session.scalars(
                    select(CaseEvent.case_id)
                    .where(
                        CaseEvent.case_id > after,
                        or_(CaseEvent.key_id.is_(None), CaseEvent.key_id != current),
                    )
                    .group_by(CaseEvent.case_id)
                    .order_by(CaseEvent.case_id)
                    .limit(batch)
                )
            )
        if not ids:
            break
        for case_id in ids:
            rekey_case(new_uow(), case_id, report, legacy=legacy)
        after = ids[-1]
    _rekey_employers(new_uow, report, batch)
    return report


def _rekey_employers(new_uow: Callable[[], UnitOfWork], report: RekeyReport, batch: int) -> None:
    """The employers' own histories, like the cases': one transaction per employer, verified with
    the keys they were signed with before being re-signed; a broken chain is refused."""
    after = 0
    while True:
        with new_uow() as uow:
            current = uow.history_keys.current_id
            ids = list(
                uow.session.scalars(
                    select(EmployerEvent.employer_id)
                    .where(
                        EmployerEvent.employer_id > after,
                        or_(EmployerEvent.key_id.is_(None), EmployerEvent.key_id != current),
                    )
                    .group_by(EmployerEvent.employer_id)
                    .order_by(EmployerEvent.employer_id)
                    .limit(batch)
                )
            )
        if not ids:
            return
        for employer_id in ids:
            uow = new_uow()
            with uow:
                s = uow.session
                s.execute(select(Employer.id).where(Employer.id == employer_id).with_for_update())
                emp = s.get(Employer, employer_id)
                problem = _walk(s, uow.history_keys, emp, 1000, resign=True)
                if problem:
                    report.refused.append(problem)
                    log.warning("history: not re-keyed, the chain is broken: %s", problem)
                    continue
                uow.commit()
                report.employers_rekeyed += 1
        after = ids[-1]


def replay_state(initial: str, events: list[CaseEvent]) -> str:
    """The state the history says the case is in: the last transition's destination."""
    state = initial
    for ev in events:
        if ev.kind == "transition":
            if ev.from_state != state:
                raise ValueError(
                    f"event #{ev.seq} starts from {ev.from_state}, history says {state}"
                )
            state = ev.to_state or state
    return state
