"""Plain, JSON-ready views of domain objects for the API (and anything else that prints them).

Personal data appears only masked: a presenter never decrypts. Presenting needs the session that
loaded the objects still open (workers and clocks load lazily).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import workflows
from casework.access import Actor
from casework.cases import trigger_options
from casework.models import (
    Case,
    CaseEvent,
    Deadline,
    Document,
    Employer,
    Escalation,
    Notification,
    OrgUnit,
    Person,
    User,
)
from workflows.base import LEVEL_LABELS_ZH


def iso(value: dt.datetime | dt.date | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
    return value.isoformat()


def money(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:.2f}"


@dataclass(frozen=True)
class Page:
    items: list[dict[str, Any]]
    page: int
    per_page: int
    total: int

    def as_dict(self) -> dict[str, Any]:
        return {"items": self.items, "page": self.page, "per_page": self.per_page, "total": self.total}


def unit_key(unit: OrgUnit) -> dict[str, Any]:
    """The four fields that name a unit (stored in idempotent intake answers and reports)."""
    return {"id": unit.id, "code": unit.code, "name": unit.name, "level": unit.level}


def unit_ref(unit: OrgUnit | None) -> dict[str, Any] | None:
    if unit is None:
        return None
    return {**unit_key(unit), "level_label_zh": LEVEL_LABELS_ZH[unit.level]}


def case_ref(case: Case, unit: dict[str, Any] | None = None) -> dict[str, Any]:
    """A case in brief, as other resources embed it."""
    return {"id": case.id, "ref": case.ref, "workflow": case.workflow, "state": case.state,
            "state_label_zh": workflows.get(case.workflow).state(case.state).label_zh,
            "org_unit": unit if unit is not None else unit_ref(case.org_unit)}


def org_unit(unit: OrgUnit) -> dict[str, Any]:
    return {**unit_ref(unit), "parent_id": unit.parent_id, "depth": unit.depth,  # type: ignore[dict-item]
            "created_at": iso(unit.created_at)}


def user_ref(user: User | None) -> dict[str, Any] | None:
    if user is None:
        return None
    return {"id": user.id, "username": user.username, "display_name": user.display_name}


def user(user: User) -> dict[str, Any]:
    return {**user_ref(user), "roles": sorted(user.roles), "org_unit": unit_ref(user.org_unit),  # type: ignore[dict-item]
            "is_active": user.is_active}


def employer(emp: Employer | None) -> dict[str, Any] | None:
    if emp is None:
        return None
    return {"id": emp.id, "name": emp.name, "credit_code": emp.credit_code, "has_union": emp.has_union,
            "org_unit_id": emp.org_unit_id}


def worker(person: Person) -> dict[str, Any]:
    return {"id": person.id, "name": person.name, "id_number": person.id_number_masked,
            "phone": person.phone_masked}


def deadline(case: Case, d: Deadline) -> dict[str, Any]:
    rule = workflows.get(case.workflow).rule(d.rule)
    return {
        "rule": d.rule,
        "label_zh": rule.label_zh,
        "kind": d.kind,
        "due": iso(d.due_on),
        "expires_at": iso(d.due_at),
        "unit": d.unit,
        "days": d.days,
        "started_on": iso(d.started_on),
        "citation": d.citation,
        "calendar_verified": d.calendar_verified,
        "paused": d.status == "paused",
        "status": d.status,
        "on_expiry": d.on_expiry,
        "extended_days": d.extended_days,
    }


def case_summary(case: Case, *, now: dt.datetime | None = None) -> dict[str, Any]:
    """What a list row needs: no lazy loads beyond the joined units, assignee and employer."""
    wf = workflows.get(case.workflow)
    now = now or dt.datetime.now(dt.UTC)
    return {
        "id": case.id,
        "ref": case.ref,
        "workflow": case.workflow,
        "workflow_label_zh": wf.label_zh,
        "state": case.state,
        "state_label_zh": wf.state(case.state).label_zh,
        "org_unit": unit_ref(case.org_unit),
        "origin_org_unit": unit_ref(case.origin_org_unit),
        "escalation_level": case.escalation_level,
        "assignee": user_ref(case.assignee),
        "employer_name": case.employer.name if case.employer else None,
        "worker_count": case.worker_count,
        "next_due_at": iso(case.next_due_at),
        "overdue": case.closed_at is None and case.next_due_at is not None and case.next_due_at < now,
        "version": case.version,
        "created_at": iso(case.created_at),
        "updated_at": iso(case.updated_at),
        "closed_at": iso(case.closed_at),
    }


def case_detail(
    case: Case,
    actor: Actor,
    clocks: Iterable[Deadline],
    *,
    guard_settings: dict[str, Any],
    today: dt.date,
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    wf = workflows.get(case.workflow)
    state = wf.state(case.state)
    options = trigger_options(case, actor, guard_settings=guard_settings, today=today)
    return {
        **case_summary(case, now=now),
        "state_label_en": state.label_en,
        "terminal": state.terminal,
        "employer": employer(case.employer),
        "workers": [worker(p) for p in case.workers],
        "amount_claimed": money(case.amount_claimed),
        "channel": case.channel,
        "complexity": case.complexity,
        "collective": case.collective,
        "mass_incident": case.mass_incident,
        "summary": case.summary,
        "attributes": case.attributes or {},
        "parent_id": case.parent_id,
        "deadlines": [deadline(case, d) for d in clocks],
        "allowed_triggers": [
            {
                "trigger": o.trigger,
                "label_zh": o.label_zh,
                "label_en": o.label_en,
                "dest": o.dest,
                "requires": list(o.requires),
                "records": list(o.records),
                "available": o.available,
                "blocked_reason_zh": o.blocked_zh,
                "blocked_reason_en": o.blocked_en,
            }
            for o in options
            if o.available or o.records
        ],
    }


def event(ev: CaseEvent) -> dict[str, Any]:
    return {
        "seq": ev.seq,
        "at": iso(ev.at),
        "actor": ev.actor,
        "kind": ev.kind,
        "from_state": ev.from_state,
        "to_state": ev.to_state,
        "trigger": ev.trigger,
        "data": ev.data or {},
        "prev_hash": ev.prev_hash,
        "hash": ev.hash,
    }


def document(doc: Document, issuer: OrgUnit | None = None) -> dict[str, Any]:
    from workflows.documents import DOCUMENT_KINDS

    kind = DOCUMENT_KINDS.get(doc.kind)
    return {
        "id": doc.id,
        "case_id": doc.case_id,
        "kind": doc.kind,
        "kind_label_zh": kind.label_zh if kind else doc.kind,
        "number": doc.number,
        "issuer": unit_ref(issuer),
        "addressee": doc.addressee,
        "citation": doc.citation,
        "issued_at": iso(doc.issued_at),
        "reply_due": iso(doc.reply_due),
        "outcome": doc.outcome,
    }


def escalation(esc: Escalation, case: Case, from_unit: OrgUnit, to_unit: OrgUnit,
               notification_id: int | None = None) -> dict[str, Any]:
    from casework.escalation import REASONS

    return {
        "id": esc.id,
        "case": case_ref(case),
        "from_unit": unit_ref(from_unit),
        "to_unit": unit_ref(to_unit),
        "reason": esc.reason,
        "reason_zh": REASONS.get(esc.reason, esc.reason),
        "comment": esc.comment,
        "at_ceiling": esc.at_ceiling,
        "actor": esc.actor,
        "created_at": iso(esc.created_at),
        "open": case.closed_at is None,
        "notification_id": notification_id,
    }


def notification(n: Notification) -> dict[str, Any]:
    return {
        "id": n.id,
        "kind": n.kind,
        "title": n.title,
        "body": n.body,
        "case_id": n.case_id,
        "data": n.data or {},
        "created_at": iso(n.created_at),
        "read_at": iso(n.read_at),
    }
