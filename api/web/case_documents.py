"""文书 on the case page: draft a document of a kind the case's workflow has, read it as it will
print (an HTML preview of the GB/T 9704 parts, or the PDF itself in the browser), edit a draft's
addressee, 正文 and reply date, issue it (numbered; its workflow step taken, with the step's typed
data), and download it as DOCX or PDF. The same services as ``/api/v1/cases/{id}/documents``.

Drafting, editing and issuing each carry the case version the page was drawn from: a stale one
changes nothing and the page says 案件已被他人修改，请刷新. An issued document is immutable."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from flask import Response, flash, redirect, render_template, request, url_for

from api.web.case_page import CASE, STALE, _page, _version
from api.web.core import actor, bp, rt
from api.web.forms import clean, field_of, step_data
from casework import desks
from casework.core.errors import (
    Conflict,
    GuardRefused,
    InvalidInput,
    LevelTooLow,
    NotPermitted,
    TemplateBroken,
    TransitionNotAllowed,
    VersionConflict,
)
from casework.documents import queries as documents
from casework.documents import service as document_service

DOC = CASE + "/documents/<id:document_id>"


def _doc_page(
    case_id: int,
    document_id: int,
    status: int = 200,
    *,
    form: str | None = None,
    errors: dict[str, str] | None = None,
    values: dict[str, Any] | None = None,
    banner: str | None = None,
) -> Any:
    view = desks.document_page(
        rt().reader(), actor=actor(), case_id=case_id, document_id=document_id
    )
    return (
        render_template(
            "document.html",
            view=view,
            c=view["case"],
            d=view["document"],
            form=form,
            errors=errors or {},
            values=values or {},
            banner=banner,
        ),
        status,
    )


def _refused(exc: Exception) -> tuple[int, dict[str, str]]:
    """The status and the form's complaint for a refusal the services raise."""
    if isinstance(exc, InvalidInput):
        return 422, {field_of(exc.field): exc.reason_zh}
    status = 403 if isinstance(exc, NotPermitted) else 409 if isinstance(exc, Conflict) else 422
    if isinstance(exc, TransitionNotAllowed):
        status = 409
    return status, {"_form": exc.message_zh}  # type: ignore[attr-defined]


REFUSALS = (
    InvalidInput,
    GuardRefused,
    LevelTooLow,
    TransitionNotAllowed,
    Conflict,
    NotPermitted,
    TemplateBroken,
)


def _on_document(
    case_id: int,
    document_id: int,
    form_name: str,
    values: dict[str, Any],
    errors: dict[str, str],
    call: Callable[[], object],
    done: Callable[[], str],
) -> Any:
    if errors:
        return _doc_page(case_id, document_id, 422, form=form_name, errors=errors, values=values)
    try:
        call()
    except VersionConflict:
        return _doc_page(case_id, document_id, 409, banner=STALE)
    except REFUSALS as exc:
        status, errors = _refused(exc)
        return _doc_page(case_id, document_id, status, form=form_name, errors=errors, values=values)
    flash(done())
    return redirect(url_for("web.case_document", case_id=case_id, document_id=document_id))


@bp.post(CASE + "/documents/drafts")
def case_document_draft(case_id: int) -> Any:
    """A draft of the chosen kind, its 正文 written from the kind's template: then its page."""
    values, errors = clean(request.form, ("kind", "addressee"))
    if not errors and not values["kind"]:
        errors["kind"] = "请选择文书类型"
    if errors:
        return _page(case_id, 422, form="draft", errors=errors, values=values)
    try:
        doc = document_service.create_draft(
            rt().uow(),
            case_id=case_id,
            actor=actor(),
            kind=values["kind"],
            addressee=values["addressee"],
            expected_version=_version(request.form),
        )
    except VersionConflict:
        return _page(case_id, 409, banner=STALE)
    except REFUSALS as exc:
        status, errors = _refused(exc)
        return _page(case_id, status, form="draft", errors=errors, values=values)
    flash("草稿已生成，可修改后发出")
    return redirect(url_for("web.case_document", case_id=case_id, document_id=doc.id))


@bp.get(DOC)
def case_document(case_id: int, document_id: int) -> Any:
    return _doc_page(case_id, document_id)


def _date(raw: str) -> dt.date | None | str:
    """A reply date from the form: a date, None (blank: the rule's date), or the raw text when
    it is not a date (refused next to the field)."""
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw) if len(raw) == 10 else raw
    except ValueError:
        return raw


@bp.post(DOC + "/edit")
def case_document_edit(case_id: int, document_id: int) -> Any:
    values, errors = clean(request.form, ("addressee", "body", "reply_due"))
    due = _date(values["reply_due"])
    if not errors and isinstance(due, str):
        errors["reply_due"] = "日期格式应为 YYYY-MM-DD"
    return _on_document(
        case_id,
        document_id,
        "edit",
        values,
        errors,
        lambda: document_service.edit_draft(
            rt().uow(),
            case_id=case_id,
            document_id=document_id,
            actor=actor(),
            addressee=values["addressee"],
            body=values["body"],
            reply_due=due,
            expected_version=_version(request.form),
        ),
        lambda: "草稿已保存",
    )


@bp.post(DOC + "/issue")
def case_document_issue(case_id: int, document_id: int) -> Any:
    """Issue the draft as written, with the typed data of the step it takes (if any)."""
    view = desks.document_page(
        rt().reader(), actor=actor(), case_id=case_id, document_id=document_id
    )
    step = view["step"]
    form_name = f"step:{step['trigger']}" if step else "issue"
    data, errors, shown = step_data(request.form, step["fields"] if step else [])
    issued: list[Any] = []
    return _on_document(
        case_id,
        document_id,
        form_name,
        shown,
        errors,
        lambda: issued.append(
            document_service.issue_draft(
                rt().uow(),
                case_id=case_id,
                document_id=document_id,
                actor=actor(),
                data=data or None,
                expected_version=_version(request.form),
            )
        ),
        lambda: f"文书已发出：{issued[0].number}",
    )


def _file(case_id: int, document_id: int, fmt: str) -> Response:
    name, media_type, data = documents.document_file(
        rt().reader(), actor=actor(), case_id=case_id, document_id=document_id, fmt=fmt
    )
    # A PDF may be shown in the browser (预览); otherwise a download named by its 发文字号.
    how = "inline" if fmt == "pdf" and request.args.get("inline") == "1" else "attachment"
    disposition = (
        f"{how}; filename=\"document-{document_id}.{fmt}\"; filename*=UTF-8''{quote(name, safe='')}"
    )
    return Response(
        data,
        mimetype=media_type,
        headers={"Content-Disposition": disposition, "Cache-Control": "private, no-store"},
    )


@bp.get(DOC + ".pdf")
def case_document_pdf(case_id: int, document_id: int) -> Any:
    return _file(case_id, document_id, "pdf")


@bp.get(DOC + ".docx")
def case_document_docx(case_id: int, document_id: int) -> Any:
    return _file(case_id, document_id, "docx")
