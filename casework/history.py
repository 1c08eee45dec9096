"""The append-only, hash-chained case history.

``hash = SHA-256(prev_hash + canonical JSON of the event)``; the canonical form has sorted keys,
no whitespace, UTF-8, and the time as UTC ISO-8601 with microseconds, so the same event hashes the
same on SQLite and PostgreSQL. The case row keeps the last hash and sequence number, so deleting
the newest event is detected as well as editing any of them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.models import Case, CaseEvent

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


def event_hash(
    *,
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
) -> str:
    body = {
        "case_id": case_id,
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
    return hashlib.sha256((prev_hash + canonical).encode("utf-8")).hexdigest()


def _row_hash(ev: CaseEvent, prev_hash: str) -> str:
    return event_hash(
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


class Author(Protocol):
    """Who made an event: a user (``user_id``, ``username``) or the engine (``user_id`` None)."""

    user_id: int | None
    username: str


def record(
    session: Session,
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
    user (None: the engine), and advance the case's chain."""
    at = at or dt.datetime.now(dt.UTC)
    payload = plain_json(data or {})
    seq = case.event_seq + 1
    prev = case.last_hash or GENESIS
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
        data=payload,
        prev_hash=prev,
    )
    ev.hash = _row_hash(ev, prev)
    case.event_seq = seq
    case.last_hash = ev.hash
    case.updated_at = at
    session.add(ev)
    return ev


@dataclass(frozen=True)
class ChainProblem:
    case_ref: str
    seq: int | None
    event_id: int | None
    problem: str

    def __str__(self) -> str:
        where = f"event #{self.seq} (id {self.event_id})" if self.seq is not None else "case row"
        return f"{self.case_ref}: {where}: {self.problem}"


def verify_case(session: Session, case: Case, batch: int = 1000) -> ChainProblem | None:
    """Recompute ``case``'s chain; return the first problem found, or ``None`` if intact."""
    prev = GENESIS
    expected_seq = 1
    last_id = 0
    while True:
        rows = session.scalars(
            select(CaseEvent)
            .where(CaseEvent.case_id == case.id, CaseEvent.id > last_id)
            .order_by(CaseEvent.id)
            .limit(batch)
        ).all()
        if not rows:
            break
        for ev in rows:
            last_id = ev.id
            if ev.seq != expected_seq:
                return ChainProblem(
                    case.ref,
                    ev.seq,
                    ev.id,
                    f"expected event #{expected_seq} here (one is missing or reordered)",
                )
            if ev.prev_hash != prev:
                return ChainProblem(
                    case.ref, ev.seq, ev.id, "prev_hash does not match the previous event"
                )
            if _row_hash(ev, prev) != ev.hash:
                return ChainProblem(
                    case.ref, ev.seq, ev.id, "content does not match its hash (altered)"
                )
            prev = ev.hash
            expected_seq += 1
    if expected_seq - 1 != case.event_seq or prev != (case.last_hash or GENESIS):
        return ChainProblem(
            case.ref,
            None,
            None,
            f"case records {case.event_seq} events ending in another hash (events deleted?)",
        )
    return None


def verify_all(session: Session, ref: str | None = None) -> tuple[int, list[ChainProblem]]:
    """Verify one case (by reference) or all; returns (cases checked, problems)."""
    q = select(Case).order_by(Case.id)
    if ref is not None:
        q = q.where(Case.ref == ref)
    problems: list[ChainProblem] = []
    checked = 0
    for case in session.scalars(q).yield_per(500):
        checked += 1
        p = verify_case(session, case)
        if p:
            problems.append(p)
    return checked, problems


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
