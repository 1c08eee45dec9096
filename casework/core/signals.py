"""Signals: "something happened about this employer", said by the slice that recorded it.

A service that records an event other slices may want to react to in the same transaction (a
hotline call, a case opened or closed, an 意见书's reply period run out, a mass incident, a
referral overdue) calls :func:`emit` with the event's kind and the employer it is about. The
slices that listen subscribe at import (the early warning registers its evaluator: see
``casework.warnings.rules.EVENT_RULES`` for which rules each kind re-evaluates). The emitting
slice never imports the listener, so the layers stay one-way: any slice may emit, from the
lowest (notices) to the highest.

A kind nobody listens to costs nothing (no statement). Listeners run inside the emitter's unit
of work: what they write commits, or rolls back, with the event itself.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from casework.core.uow import UnitOfWork

# The kinds the engine emits today, and the one the referral ledger will (see docs/domain.md).
HOTLINE_CALL = "hotline_call"
CASE_OPENED = "case_opened"
CASE_CLOSED = "case_closed"
CASE_MERGED = "case_merged"
TRANSITION = "transition"  # every step; ``detail`` is "workflow.trigger"
MASS_INCIDENT = "mass_incident"
UNION_OFFICER_DISMISSED = "union_officer_dismissed"
REFERRAL_OVERDUE = "referral_overdue"
DOCUMENT_ISSUED = "document_issued"  # ``detail`` is the document's kind
# An area-wide 提示函: one signal about all its recipients (``employer_ids``), so a listener
# reads what it needs for all of them at once.
AREA_TIP_LETTER = "area_tip_letter"


@dataclass(frozen=True)
class Signal:
    kind: str
    employer_id: int
    at: dt.datetime
    # What it is about, when there is one thing: the case (loaded, so listeners need no query)
    # and a key naming the subject for a signal with no case ("referral:17").
    case: Any = None
    detail: str | None = None
    subject: str | None = None
    # What a signal with no case says about itself (shown with the warning it raises).
    data: dict[str, Any] | None = None
    # Who did it, when a user did (the actor of the emitting service).
    actor: Any = None
    # A signal about many employers at once (``employer_id`` is then the first of them).
    employer_ids: tuple[int, ...] = ()


Listener = Callable[["UnitOfWork", Signal], None]
_LISTENERS: list[Listener] = []


def subscribe(listener: Listener) -> Listener:
    """Register ``listener`` (once, at import of the listening slice)."""
    if listener not in _LISTENERS:
        _LISTENERS.append(listener)
    return listener


def emit(
    uow: UnitOfWork,
    kind: str,
    *,
    employer_id: int | None,
    at: dt.datetime | None = None,
    case: Any = None,
    detail: str | None = None,
    subject: str | None = None,
    data: dict[str, Any] | None = None,
    actor: Any = None,
    employer_ids: tuple[int, ...] = (),
) -> None:
    """Tell the listeners that ``kind`` happened about ``employer_id`` (nothing when None), or
    about every employer of ``employer_ids`` (``employer_id`` the first)."""
    if employer_id is None or not _LISTENERS:
        return
    sig = Signal(
        kind=kind,
        employer_id=employer_id,
        at=at or dt.datetime.now(dt.UTC),
        case=case,
        detail=detail,
        subject=subject,
        data=data,
        actor=actor,
        employer_ids=employer_ids,
    )
    for listener in _LISTENERS:
        listener(uow, sig)
