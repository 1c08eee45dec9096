"""区域提示函 Area-wide tip letters: one 提示函 a union body issues to many employers of its area
or sector (the 2024 一函两书 notice allows publishing it to a region's employers), numbered in its
提示函 sequence, with each recipient's reply tracked; the list (JSON or CSV), one letter with its
recipients, recording a reply, and the letter as PDF or DOCX. And the catalogue of document kinds
with their Chinese labels."""

from __future__ import annotations

from urllib.parse import quote

from flask import Response, request

from api.http import Blueprint, actor, csv_download, page_args, problems, rt
from api.schemas import (
    DocumentKindArgs,
    DocumentKindPage,
    TipLetterCreateSchema,
    TipLetterDetailSchema,
    TipLetterListArgs,
    TipLetterPage,
    TipReplyCreateSchema,
)
from casework.documents import queries as documents
from casework.documents import tip_letter_queries as letters
from casework.documents import tip_letters as letter_service

blp = Blueprint("tip_letters", __name__, url_prefix="/api/v1", description="区域提示函 Tip letters")
ONE = "/tip-letters/<id:letter_id>"


def _detail(letter_id: int):
    return letters.tip_letter(rt().reader(), actor=actor(), letter_id=letter_id)


@blp.route("/tip-letters", methods=["POST"])
@blp.arguments(TipLetterCreateSchema)
@blp.response(201, TipLetterDetailSchema)
@problems(blp, 400, 401, 403, 404, 409, 415, 422)
def issue_tip_letter(body):
    """发出区域提示函 Issue one 提示函 to many employers of your unit's area (named, or all under a unit): numbered in your unit's 提示函 sequence, recorded in each employer's history."""  # noqa: E501 - the summary line of the OpenAPI operation
    letter = letter_service.issue_tip_letter(
        rt().uow(),
        actor=actor(),
        scope=body["scope"],
        employer_ids=body.get("employer_ids"),
        org_unit_id=body.get("org_unit_id"),
        has_union=body.get("has_union"),
        matter=body.get("matter"),
        body=body.get("body"),
        title=body.get("title"),
        basis=body.get("basis"),
        reply_due=body.get("reply_due"),
    )
    return _detail(letter.id), 201


def _wants_csv(args) -> bool:
    if args["format"] == "csv":
        return True
    return request.accept_mimetypes.best_match(["application/json", "text/csv"]) == "text/csv"


@blp.route("/tip-letters", methods=["GET"])
@blp.arguments(TipLetterListArgs, location="query")
@blp.response(200, TipLetterPage)
@blp.alt_response(
    200,
    schema={"type": "string"},
    content_type="text/csv",
    description="JSON, or with format=csv (or Accept: text/csv) a CSV file (UTF-8 with BOM)",
    success=True,
)
@problems(blp, 401, 404, 422)
def tip_letter_list(args):
    """区域提示函 The area-wide 提示函 issued by your unit and the units below it, newest first, with their reply counts."""  # noqa: E501 - the summary line of the OpenAPI operation
    filters = {"org_unit_id": args.get("org_unit_id"), "year": args.get("year")}
    if _wants_csv(args):
        items = letters.tip_letters_for_export(rt().reader(), actor=actor(), **filters)
        return csv_download(letters.tip_letters_csv(items), "casework-tip-letters.csv")
    return letters.tip_letters(rt().reader(), actor=actor(), **filters, **page_args(args)).as_dict()


@blp.route(ONE, methods=["GET"])
@blp.response(200, TipLetterDetailSchema)
@problems(blp, 401, 404)
def tip_letter(letter_id):
    """区域提示函详情 One letter: its text, every recipient and where its reply stands (answered, awaiting, overdue)."""  # noqa: E501 - the summary line of the OpenAPI operation
    return _detail(letter_id)


@blp.route(ONE + "/replies", methods=["POST"])
@blp.arguments(TipReplyCreateSchema)
@blp.response(200, TipLetterDetailSchema)
@problems(blp, 400, 401, 403, 404, 409, 415, 422)
def record_reply(body, letter_id):
    """登记用人单位答复 Record one recipient's reply (once); the letter comes back with counts."""
    letter_service.record_reply(
        rt().uow(),
        actor=actor(),
        letter_id=letter_id,
        employer_id=body["employer_id"],
        replied_on=body["replied_on"],
        summary=body["summary"],
    )
    return _detail(letter_id)


def _download(letter_id: int, fmt: str) -> Response:
    name, media_type, data = letters.tip_letter_file(
        rt().reader(), actor=actor(), letter_id=letter_id, fmt=fmt
    )
    disposition = (
        f'attachment; filename="tip-letter-{letter_id}.{fmt}"; '
        f"filename*=UTF-8''{quote(name, safe='')}"
    )
    return Response(
        data,
        mimetype=media_type,
        headers={"Content-Disposition": disposition, "Cache-Control": "private, no-store"},
    )


def _file_doc(media_type: str, what: str):
    return blp.alt_response(
        200,
        schema={"type": "string", "format": "binary"},
        content_type=media_type,
        description=f"The letter as {what} (attachment, named by its 发文字号)",
        success=True,
    )


@blp.route(ONE + ".pdf", methods=["GET"])
@_file_doc("application/pdf", "PDF (GB/T 9704 layout, fonts embedded)")
@problems(blp, 401, 404)
def tip_letter_pdf(letter_id):
    """下载区域提示函（PDF）The letter as PDF; with more than three recipients 主送 reads 各有关用人单位 and the names follow as its 附件."""  # noqa: E501 - the summary line of the OpenAPI operation
    return _download(letter_id, "pdf")


@blp.route(ONE + ".docx", methods=["GET"])
@_file_doc(
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "DOCX (Word, WPS)",
)
@problems(blp, 401, 404)
def tip_letter_docx(letter_id):
    """下载区域提示函（DOCX）The letter as DOCX for Word or WPS."""
    return _download(letter_id, "docx")


@blp.route("/document-kinds", methods=["GET"])
@blp.arguments(DocumentKindArgs, location="query")
@blp.response(200, DocumentKindPage)
@problems(blp, 401, 422)
def document_kinds(args):
    """文书种类 Every kind of numbered document, with its Chinese label, number marker, legal basis and the processes it belongs to."""  # noqa: E501 - the summary line of the OpenAPI operation
    items = documents.document_kinds(args.get("workflow"))
    return {"items": items, "page": 1, "per_page": max(len(items), 1), "total": len(items)}
