"""Reading documents: the catalogue of kinds, a case's documents and their views."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from casework.cases.queries import visible_case
from casework.core.queries import Page, page_of
from casework.core.time import iso
from casework.core.uow import UnitOfWork
from casework.models import Document, OrgUnit
from casework.people.access import Actor
from casework.people.queries import unit_ref
from workflows.documents import DOCUMENT_KINDS, DocumentKind


def kind_dict(kind: DocumentKind) -> dict[str, Any]:
    return {
        "name": kind.name,
        "label_zh": kind.label_zh,
        "label_en": kind.label_en,
        "abbr_zh": kind.abbr_zh,
        "citation": kind.citation,
        "min_level": kind.min_level,
        "workflows": list(kind.workflows),
        "trigger": kind.trigger,
        "reply_rule": kind.reply_rule,
    }


def document_kinds(workflow: str | None = None) -> list[dict[str, Any]]:
    """The catalogue as JSON-ready dicts, optionally only the kinds of one workflow."""
    return [
        kind_dict(k) for k in DOCUMENT_KINDS.values() if workflow is None or workflow in k.workflows
    ]


def document_view(doc: Document, issuer: OrgUnit | None) -> dict[str, Any]:
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


def documents(
    uow: UnitOfWork, *, actor: Actor, case_id: int, page: int = 1, per_page: int = 20
) -> Page:
    """The case's documents, oldest first, each with its issuing unit (one query a page)."""
    with uow:
        s = uow.session
        case = visible_case(s, actor, case_id)
        where = Document.case_id == case.id
        return page_of(
            s,
            select(Document, OrgUnit)
            .join(OrgUnit, OrgUnit.id == Document.issuer_unit_id)
            .where(where)
            .order_by(Document.issued_at, Document.id),
            select(func.count(Document.id)).where(where),
            page,
            per_page,
            lambda rows: [document_view(d, u) for (d, u) in rows],
        )


def document(uow: UnitOfWork, *, actor: Actor, document_id: int) -> tuple[dict[str, Any], int]:
    """One document of a case the caller sees, and the case's version now (its ETag)."""
    with uow:
        s = uow.session
        doc = s.get(Document, document_id)
        case = visible_case(s, actor, doc.case_id if doc is not None else 0)
        return document_view(doc, s.get(OrgUnit, doc.issuer_unit_id)), case.version
