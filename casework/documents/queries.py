"""Reading documents: the catalogue of kinds, a case's documents and their views, and a document's
content (what its template says about the case) rendered as DOCX or PDF."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

import workflows
from casework.cases.queries import case_by_ref, visible_case
from casework.clocks.calendar import load_calendar
from casework.clocks.queries import all_clocks
from casework.clocks.service import rule_days
from casework.core.errors import InvalidInput, NotFound
from casework.core.queries import Page, page_of
from casework.core.settings import Settings
from casework.core.time import iso, local_date
from casework.core.uow import UnitOfWork
from casework.core.vocab import DOCUMENT_FORMATS, LEVEL_LABELS_ZH
from casework.documents import render as renderer
from casework.documents.content import (
    DocumentContent,
    Reply,
    compact,
    paragraphs,
    period_text,
)
from casework.documents.templates import render_body
from casework.models import Case, CaseEvent, Document, OrgUnit
from casework.people.access import Actor
from casework.people.queries import unit_ref
from workflows.base import DeadlineRule, Workflow
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
        "status": doc.status,
        "number": doc.number,
        "issuer": unit_ref(issuer),
        "addressee": doc.addressee,
        "title": doc.title or (kind.label_zh if kind else doc.kind),
        "body": doc.body,
        "citation": doc.citation,
        "created_at": iso(doc.created_at),
        "issued_at": iso(doc.issued_at),
        "reply_due": iso(doc.reply_due),
        "content_hash": doc.content_hash,
        "outcome": doc.outcome,
    }


def documents(
    uow: UnitOfWork, *, actor: Actor, case_id: int, page: int = 1, per_page: int = 20
) -> Page:
    """The case's documents (drafts too), oldest first, each with its issuing unit (one query a
    page)."""
    with uow:
        s = uow.session
        case = visible_case(s, actor, case_id)
        where = Document.case_id == case.id
        return page_of(
            s,
            select(Document, OrgUnit)
            .join(OrgUnit, OrgUnit.id == Document.issuer_unit_id)
            .where(where)
            .order_by(Document.created_at, Document.id),
            select(func.count(Document.id)).where(where),
            page,
            per_page,
            lambda rows: [document_view(d, u) for (d, u) in rows],
        )


def case_document(session: Session, actor: Actor, case_id: int, document_id: int) -> Document:
    """Document ``document_id`` of case ``case_id``, if the actor sees the case (404 otherwise,
    also for a document of another case)."""
    case = visible_case(session, actor, case_id)
    doc = session.get(Document, document_id)
    if doc is None or doc.case_id != case.id:
        raise NotFound("文书不存在", f"no document {document_id} on this case")
    return doc


def document(
    uow: UnitOfWork, *, actor: Actor, document_id: int, case_id: int | None = None
) -> tuple[dict[str, Any], int]:
    """One document of a case the caller sees (of case ``case_id`` when given), and the case's
    version now (its ETag)."""
    with uow:
        s = uow.session
        doc = s.get(Document, document_id)
        case = visible_case(s, actor, doc.case_id if doc is not None else 0)
        if case_id is not None and case.id != case_id:
            raise NotFound("文书不存在", f"no document {document_id} on this case")
        return document_view(doc, s.get(OrgUnit, doc.issuer_unit_id)), case.version


# -- content ---------------------------------------------------------------------------------


class _Empty(dict):
    """A mapping where a key nobody recorded reads as empty (a template tests it with ``if``)."""

    def __missing__(self, key: str) -> str:
        return ""


def _labels(case: Case, kind: DocumentKind, data: dict[str, Any]) -> dict[str, str]:
    """The step's data in words: enumerations by their 中文 labels, lists joined with 、."""
    fields = {}
    if kind.trigger is not None:
        wf = workflows.get(case.workflow)
        for t in wf.transitions:
            if t.trigger == kind.trigger:
                fields.update({f.name: f for f in t.fields})
    out: dict[str, str] = _Empty()
    for key, value in data.items():
        field = fields.get(key)
        items = value if isinstance(value, list) else [value]
        words = [
            field.label_of(str(v)) if field is not None and field.choices else str(v)
            for v in items
            if v is not None and v != ""
        ]
        if isinstance(value, bool):
            words = ["是" if value else "否"]
        out[key] = "、".join(words)
    return out


def _rule(wf: Workflow, name: str | None) -> DeadlineRule | None:
    if name is None:
        return None
    try:
        return wf.rule(name)
    except KeyError:
        return None


def overdue_clocks(session: Session, case: Case, today: dt.date) -> list[dict[str, Any]]:
    """The case's clocks that ran out where it is held now (a 督办函 names them)."""
    wf = workflows.get(case.workflow)
    out = []
    for d in all_clocks(session, case.id):
        # A clock that ran out at the unit holding the case, or one past its date still running.
        ran_out = d.status == "expired" and d.org_unit_id == case.org_unit_id
        if ran_out or (d.status in ("running", "paused") and d.due_on < today):
            rule = _rule(wf, d.rule)
            label = rule.label_zh if rule is not None else d.rule
            out.append({"rule": d.rule, "label": label, "due_on": d.due_on})
    return out


def template_context(
    session: Session,
    case: Case,
    kind: DocumentKind,
    *,
    issuer: OrgUnit,
    addressee: str,
    title: str,
    number: str | None,
    citation: str,
    reply: Reply | None,
    step_data: dict[str, Any] | None,
    today: dt.date,
) -> dict[str, Any]:
    """The variables a body template gets (docs/api.md, Documents → Templates)."""
    wf = workflows.get(case.workflow)
    data = _Empty({**(case.attributes or {}), **(step_data or {})})
    return {
        "kind": kind.name,
        "kind_label": kind.label_zh,
        "title": title,
        "number": number,
        "issuer": {
            "name": issuer.name,
            "code": issuer.code,
            "level_label": LEVEL_LABELS_ZH[issuer.level],
        },
        "holder": {"name": case.org_unit.name, "code": case.org_unit.code},
        "addressee": addressee,
        "case": {
            "ref": case.ref,
            "workflow": case.workflow,
            "workflow_label": wf.label_zh,
            "state_label": wf.state(case.state).label_zh,
            "summary": (case.summary or "").strip(),
            "opened_on": local_date(case.created_at),
            "amount": case.amount_claimed,
            "worker_count": case.worker_count,
            "collective": case.collective,
        },
        "employer_name": case.employer.name if case.employer else "",
        "employer": (
            {"name": case.employer.name, "credit_code": case.employer.credit_code}
            if case.employer
            else None
        ),
        "workers": [w.name for w in case.workers],
        "citation": compact(citation),
        "reply": ({"due": reply.due, "period": reply.period, "ask": reply.ask} if reply else None),
        "data": data,
        "labels": _labels(case, kind, data),
        "overdue": overdue_clocks(session, case, today),
        "today": today,
    }


def reply_of(
    uow: UnitOfWork,
    case: Case,
    kind: DocumentKind,
    due: dt.date | None,
    dated: dt.date,
) -> Reply | None:
    """The reply asked for by ``due``: with its counting rule where a rule gives the date (the
    reply clock of the case, or the kind's own period), the date alone where a user set it."""
    if due is None:
        return None
    wf = workflows.get(case.workflow)
    rule = _rule(wf, kind.reply_rule)
    if rule is not None:
        clocks = [d for d in all_clocks(uow.session, case.id) if d.rule == kind.reply_rule]
        if clocks and clocks[-1].due_on == due:
            c = clocks[-1]
            return Reply(due, period_text(c.days + c.extended_days, c.unit), kind.reply_ask_zh)
        days = rule_days(uow, wf, rule, case)
        if load_calendar(uow.session).due(dated, days, rule.unit).due == due:
            return Reply(due, period_text(days, rule.unit), kind.reply_ask_zh)
    elif kind.reply_days is not None:
        cal = load_calendar(uow.session)
        if cal.due(dated, kind.reply_days, kind.reply_unit).due == due:
            return Reply(due, period_text(kind.reply_days, kind.reply_unit), kind.reply_ask_zh)
    return Reply(due, None, kind.reply_ask_zh)


def expected_reply_due(
    uow: UnitOfWork, case: Case, kind: DocumentKind, dated: dt.date
) -> dt.date | None:
    """The reply date a document issued on ``dated`` would get from its rule (a draft's preview):
    the reply clock's period counted from that day, or the kind's own period."""
    wf = workflows.get(case.workflow)
    rule = _rule(wf, kind.reply_rule)
    if rule is not None:
        days = rule_days(uow, wf, rule, case)
        return load_calendar(uow.session).due(dated, days, rule.unit).due
    if kind.reply_days is not None:
        return load_calendar(uow.session).due(dated, kind.reply_days, kind.reply_unit).due
    return None


def template_dir(settings: Settings) -> Path | None:
    return settings.document_templates


def body_from_template(
    uow: UnitOfWork,
    case: Case,
    kind: DocumentKind,
    *,
    issuer: OrgUnit,
    addressee: str,
    title: str,
    number: str | None,
    citation: str,
    reply: Reply | None,
    step_data: dict[str, Any] | None,
    today: dt.date,
) -> str:
    """The kind's template (the issuer's override, a deployment's, or the built-in one) filled
    in for this case: the 正文, one paragraph a line."""
    context = template_context(
        uow.session,
        case,
        kind,
        issuer=issuer,
        addressee=addressee,
        title=title,
        number=number,
        citation=citation,
        reply=reply,
        step_data=step_data,
        today=today,
    )
    text = render_body(kind.name, issuer.code, context, template_dir(uow.settings))
    return "\n".join(paragraphs(text))


def content_of(uow: UnitOfWork, doc: Document, case: Case, issuer: OrgUnit) -> DocumentContent:
    """What a document says. A draft previews its reply date from the rule; a document issued
    before bodies were kept is written from its template and stored fields."""
    kind = DOCUMENT_KINDS[doc.kind]
    draft = doc.status == "draft"
    dated = local_date(doc.issued_at) if doc.issued_at else local_date()
    due = doc.reply_due
    if draft and due is None:
        due = expected_reply_due(uow, case, kind, dated)
    reply = reply_of(uow, case, kind, due, dated)
    title = doc.title or kind.label_zh
    body = doc.body
    if body is None:
        body = body_from_template(
            uow,
            case,
            kind,
            issuer=issuer,
            addressee=doc.addressee,
            title=title,
            number=doc.number,
            citation=doc.citation,
            reply=reply,
            step_data=doc.step_data,
            today=dated,
        )
    return DocumentContent(
        kind=kind.name,
        kind_label=kind.label_zh,
        issuer_name=doc.issuer_name or issuer.name,
        issuer_code=issuer.code,
        number=doc.number,
        title=title,
        addressee=doc.addressee,
        body=paragraphs(body),
        citation=doc.citation,
        dated=dated,
        reply=reply,
        draft=draft,
    )


def _format(fmt: str) -> str:
    if fmt not in DOCUMENT_FORMATS:
        known = ", ".join(DOCUMENT_FORMATS)
        raise InvalidInput("format", f"文件格式可选：{known}", f"one of {known}")
    return fmt


def filename(doc: Document, fmt: str) -> str:
    """The download's name: the 发文字号 (a draft: 草稿 and its kind)."""
    kind = DOCUMENT_KINDS.get(doc.kind)
    label = kind.label_zh if kind else doc.kind
    stem = doc.number if doc.number else f"草稿-{label}-{doc.id}"
    return f"{stem}.{fmt}"


def _rendered(uow: UnitOfWork, doc: Document, fmt: str) -> tuple[str, str, bytes]:
    s = uow.session
    content = content_of(uow, doc, s.get(Case, doc.case_id), s.get(OrgUnit, doc.issuer_unit_id))
    data = renderer.render(content, fmt, override_dir=template_dir(uow.settings))
    return filename(doc, fmt), DOCUMENT_FORMATS[fmt], data


def document_file(
    uow: UnitOfWork, *, actor: Actor, case_id: int, document_id: int, fmt: str
) -> tuple[str, str, bytes]:
    """A document of a case the actor sees as (file name, media type, bytes)."""
    fmt = _format(fmt)
    with uow:
        doc = case_document(uow.session, actor, case_id, document_id)
        return _rendered(uow, doc, fmt)


def document_file_by_number(
    uow: UnitOfWork, *, case_ref: str, number: str, fmt: str
) -> tuple[str, str, bytes]:
    """The CLI's lookup: the document numbered ``number`` on case ``case_ref``."""
    fmt = _format(fmt)
    with uow:
        s = uow.session
        case = case_by_ref(s, case_ref)
        doc = s.scalars(
            select(Document).where(Document.case_id == case.id, Document.number == number)
        ).first()
        if doc is None:
            raise NotFound("该案件没有此文号的文书", f"no document numbered {number} on {case_ref}")
        return _rendered(uow, doc, fmt)


# -- audit -----------------------------------------------------------------------------------


def stored_content_hash(doc: Document, issuer_code: str) -> str:
    """The hash of what an issued row says now (number, kind, issuer, addressee, title, body,
    basis, dates), computed from the row alone: no template, no clock."""
    kind = DOCUMENT_KINDS.get(doc.kind)
    dated = local_date(doc.issued_at) if doc.issued_at else local_date()
    return DocumentContent(
        kind=doc.kind,
        kind_label=kind.label_zh if kind else doc.kind,
        issuer_name="",
        issuer_code=issuer_code,
        number=doc.number,
        title=doc.title or (kind.label_zh if kind else doc.kind),
        addressee=doc.addressee,
        body=paragraphs(doc.body or ""),
        citation=doc.citation,
        dated=dated,
        reply=Reply(doc.reply_due, None, "") if doc.reply_due else None,
    ).sha256()


def verify_documents(uow: UnitOfWork, case_ref: str | None = None) -> tuple[int, list[str]]:
    """Issued documents whose row no longer says what was issued: the hash of the row now
    against the hash stored on it and in its ``document_issued`` event. Two queries, whatever
    the number of documents. Documents issued before hashes were kept are not counted."""
    with uow:
        s = uow.session
        rows = (
            select(Document, OrgUnit.code, Case.ref)
            .join(OrgUnit, OrgUnit.id == Document.issuer_unit_id)
            .join(Case, Case.id == Document.case_id)
            .where(Document.status == "issued", Document.content_hash.is_not(None))
        )
        events = select(CaseEvent.case_id, CaseEvent.data).where(
            CaseEvent.kind == "document_issued"
        )
        if case_ref is not None:
            rows = rows.where(Case.ref == case_ref)
            events = events.join(Case, Case.id == CaseEvent.case_id).where(Case.ref == case_ref)
        recorded: dict[int, str] = {}
        for _case_id, data in s.execute(events):
            if isinstance(data, dict) and data.get("document_id") and data.get("content_hash"):
                recorded[int(data["document_id"])] = str(data["content_hash"])
        checked, problems = 0, []
        for doc, code, ref in s.execute(rows.order_by(Document.id)):
            checked += 1
            now = stored_content_hash(doc, code)
            if now != doc.content_hash:
                problems.append(f"{ref} {doc.number}: the document was changed after it was issued")
            elif recorded.get(doc.id) != doc.content_hash:
                problems.append(f"{ref} {doc.number}: its hash differs from the one in the history")
        return checked, problems
