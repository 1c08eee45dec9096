"""Cases: open, list, read, fire a trigger, request escalation, assign, open a linked case,
pause, resume or extend a clock, comment, history, documents, personal-data reveal. Every case
response carries ``ETag: "<version>"``; writes honour If-Match. Each view parses, makes one
service call and answers with one query."""

from __future__ import annotations

from urllib.parse import quote

from flask import Response, url_for

from api.http import (
    ETAG_HEADER,
    IF_MATCH_PARAM,
    Blueprint,
    actor,
    etag,
    expected_version,
    page_args,
    problems,
    rt,
)
from api.schemas import (
    AssignmentSchema,
    CaseCreateSchema,
    CaseListArgs,
    CasePage,
    CaseSchema,
    ClockActSchema,
    ClockExtensionSchema,
    CommentSchema,
    DocumentCreateSchema,
    DocumentIssueSchema,
    DocumentPage,
    DocumentSchema,
    DraftCreateSchema,
    DraftEditSchema,
    EscalationRequestSchema,
    EscalationSchema,
    EventPage,
    EventSchema,
    ExtensionDecisionSchema,
    ExtensionRequestSchema,
    LinkCreateSchema,
    MassIncidentReportSchema,
    MergeSchema,
    PaginationArgs,
    RelatedSchema,
    ReminderSchema,
    RevealedSchema,
    RevealSchema,
    TransitionSchema,
)
from casework.cases import queries as cases
from casework.cases import service as case_service
from casework.clocks import service as clock_service
from casework.documents import queries as documents
from casework.documents import service as document_service
from casework.escalation import queries as escalations
from casework.escalation import service as escalation_service
from casework.referrals import service as referral_service

blp = Blueprint("cases", __name__, url_prefix="/api/v1/cases", description="案件 Cases")
CASE_ID = "/<id:case_id>"
CLOCK = CASE_ID + "/clocks/<string(minlength=1, maxlength=48):rule>"


def _case(case_id: int, status: int = 200, **headers: str):
    view = cases.case_detail(rt().reader(), actor=actor(), case_id=case_id)
    return view, status, {**etag(view["version"]), **headers}


@blp.route("", methods=["POST"])
@blp.arguments(CaseCreateSchema)
@blp.response(
    201,
    CaseSchema,
    headers={
        **ETAG_HEADER,
        "Location": {"description": "The case's URL", "schema": {"type": "string"}},
    },
)
@problems(blp, 400, 401, 403, 404, 415, 422)
def open_case(body):
    """立案 Open a case. The engine routes it to the competent unit of the employer's chain (服务下沉)."""  # noqa: E501 - the summary line of the OpenAPI operation
    workers = [case_service.WorkerInput(**w) for w in body.pop("workers")]
    # A case an agency referred (channel referral) records its sender in the referral ledger.
    case = referral_service.open_case(rt().uow(), actor=actor(), workers=workers, **body)
    return _case(case.id, 201, Location=url_for("cases.case", case_id=case.id))


@blp.route("", methods=["GET"])
@blp.arguments(CaseListArgs, location="query")
@blp.response(200, CasePage)
@problems(blp, 401, 422)
def case_list(args):
    """案件列表 Cases the caller may see (held or started in their subtree), newest first (overdue ones: most overdue first)."""  # noqa: E501 - the summary line of the OpenAPI operation
    assignee = args.get("assignee")
    assignee_id = actor().user_id if assignee == "me" else (int(assignee) if assignee else None)
    return cases.cases(
        rt().reader(),
        actor=actor(),
        workflow=args.get("workflow"),
        state=args.get("state"),
        org_unit_id=args.get("org_unit_id"),
        overdue=args.get("overdue"),
        assignee_id=assignee_id,
        q=args.get("q"),
        cursor=args.get("cursor"),
        **page_args(args),
    ).as_dict()


@blp.route(CASE_ID, methods=["GET"])
@blp.response(200, CaseSchema, headers=ETAG_HEADER)
@problems(blp, 401, 404)
def case(case_id):
    """案件详情 The case, its running deadlines and what the caller may do next."""
    return _case(case_id)


@blp.route(CASE_ID + "/transitions", methods=["POST"])
@blp.doc(parameters=[IF_MATCH_PARAM])
@blp.arguments(TransitionSchema)
@blp.response(200, CaseSchema, headers=ETAG_HEADER)
@problems(blp, 400, 401, 403, 404, 409, 412, 415, 422)
def fire(body, case_id):
    """办理（触发流程操作）Fire a trigger from allowed_triggers."""
    # Held while the answer is read: the request's one session serves it from its identity map.
    held = case_service.fire(
        rt().uow(),
        case_id=case_id,
        trigger=body["trigger"],
        actor=actor(),
        data=body.get("data"),
        comment=body.get("comment"),
        expected_version=expected_version(),
    )
    # Answered as the write left it, even when it took the case out of the actor's sight (退单).
    view = cases.case_after_write(rt().reader(), actor=actor(), case_id=held.id)
    return view, 200, etag(view["version"])


@blp.route(CASE_ID + "/escalations", methods=["POST"])
@blp.doc(parameters=[IF_MATCH_PARAM])
@blp.arguments(EscalationRequestSchema)
@blp.response(201, EscalationSchema, headers=ETAG_HEADER)
@problems(blp, 400, 401, 403, 404, 409, 412, 415, 422)
def request_escalation(body, case_id):
    """申请上提（上代下）Ask the parent union to take the case over, with a reason."""
    esc = escalation_service.request_escalation(
        rt().uow(),
        case_id=case_id,
        actor=actor(),
        reason=body["reason"],
        comment=body["comment"],
        expected_version=expected_version(),
    )
    view, version = escalations.escalation(rt().reader(), actor=actor(), escalation_id=esc.id)
    return view, 201, etag(version)


@blp.route(CASE_ID + "/mass-incident-report", methods=["POST"])
@blp.doc(parameters=[IF_MATCH_PARAM])
@blp.arguments(MassIncidentReportSchema)
@blp.response(200, CaseSchema, headers=ETAG_HEADER)
@problems(blp, 400, 401, 403, 404, 409, 412, 415, 422)
def report_mass_incident(body, case_id):
    """登记群体性事件报告 Record the same-day report of a mass incident to the Party committee and government at the unit's level; its clock is met (a report after the day is marked late)."""  # noqa: E501 - the summary line of the OpenAPI operation
    escalation_service.record_mass_incident_report(
        rt().uow(),
        case_id=case_id,
        actor=actor(),
        reported_to=body["reported_to"],
        note=body.get("note"),
        expected_version=expected_version(),
    )
    return _case(case_id)


@blp.route(CASE_ID + "/assignment", methods=["POST"])
@blp.doc(parameters=[IF_MATCH_PARAM])
@blp.arguments(AssignmentSchema)
@blp.response(200, CaseSchema, headers=ETAG_HEADER)
@problems(blp, 400, 401, 403, 404, 409, 412, 415, 422)
def assign(body, case_id):
    """分派 Assign the case to a caseworker of the owning unit."""
    case_service.assign(
        rt().uow(),
        case_id=case_id,
        user_id=body["user_id"],
        actor=actor(),
        expected_version=expected_version(),
    )
    return _case(case_id)


@blp.route(CASE_ID + "/links", methods=["POST"])
@blp.doc(parameters=[IF_MATCH_PARAM])
@blp.arguments(LinkCreateSchema)
@blp.response(
    201,
    CaseSchema,
    headers={
        **ETAG_HEADER,
        "Location": {"description": "The new case's URL", "schema": {"type": "string"}},
    },
)
@problems(blp, 400, 401, 403, 404, 409, 412, 415, 422)
def link(body, case_id):
    """派生关联案件 Open the linked or parallel case the workflow allows (its spawns), e.g. the 一函两书 supervision case of a wage-arrears case. If-Match is the parent's version; the answer is the new case."""  # noqa: E501 - the summary line of the OpenAPI operation
    child = case_service.link(
        rt().uow(),
        parent_id=case_id,
        actor=actor(),
        workflow=body["workflow"],
        summary=body["summary"],
        org_unit_id=body["org_unit_id"],
        expected_version=expected_version(),
    )
    return _case(child.id, 201, Location=url_for("cases.case", case_id=child.id))


@blp.route(CLOCK + "/extension", methods=["POST"])
@blp.doc(parameters=[IF_MATCH_PARAM])
@blp.arguments(ClockExtensionSchema)
@blp.response(200, CaseSchema, headers=ETAG_HEADER)
@problems(blp, 400, 401, 403, 404, 409, 412, 415, 422)
def extend_clock(body, case_id, rule):
    """延长期限 Extend a clock where its law allows: on the parties' consent or a named officer's approval, within the cap. 422 with the legal reason where the law allows none."""  # noqa: E501 - the summary line of the OpenAPI operation
    clock_service.extend_clock(
        rt().uow(),
        case_id=case_id,
        rule=rule,
        days=body["days"],
        basis=body["basis"],
        approver=body.get("approver"),
        note=body.get("note"),
        actor=actor(),
        expected_version=expected_version(),
    )
    return _case(case_id)


@blp.route(CLOCK + "/pause", methods=["POST"])
@blp.doc(parameters=[IF_MATCH_PARAM])
@blp.arguments(ClockActSchema)
@blp.response(200, CaseSchema, headers=ETAG_HEADER)
@problems(blp, 400, 401, 403, 404, 409, 412, 415, 422)
def pause_clock(body, case_id, rule):
    """暂停计时（中止）Pause a clock whose law lets it stand still, with a reason. 422 with the legal reason for a period the law never suspends."""  # noqa: E501 - the summary line of the OpenAPI operation
    clock_service.pause_clock(
        rt().uow(),
        case_id=case_id,
        rule=rule,
        reason=body["reason"],
        actor=actor(),
        expected_version=expected_version(),
    )
    return _case(case_id)


@blp.route(CLOCK + "/resume", methods=["POST"])
@blp.doc(parameters=[IF_MATCH_PARAM])
@blp.arguments(ClockActSchema)
@blp.response(200, CaseSchema, headers=ETAG_HEADER)
@problems(blp, 400, 401, 403, 404, 409, 412, 415, 422)
def resume_clock(body, case_id, rule):
    """恢复计时 Resume a clock a user paused: the days it had left count again from today."""
    clock_service.resume_clock(
        rt().uow(),
        case_id=case_id,
        rule=rule,
        reason=body["reason"],
        actor=actor(),
        expected_version=expected_version(),
    )
    return _case(case_id)


@blp.route(CASE_ID + "/comments", methods=["POST"])
@blp.doc(parameters=[IF_MATCH_PARAM])
@blp.arguments(CommentSchema)
@blp.response(201, EventSchema, headers=ETAG_HEADER)
@problems(blp, 400, 401, 403, 404, 409, 412, 415, 422)
def comment(body, case_id):
    """添加备注 Add a comment to the case history."""
    ev = case_service.comment(
        rt().uow(),
        case_id=case_id,
        text=body["text"],
        actor=actor(),
        expected_version=expected_version(),
    )
    view, version = cases.event(rt().reader(), actor=actor(), case_id=case_id, seq=ev.seq)
    return view, 201, etag(version)


@blp.route(CLOCK + "/extension-requests", methods=["POST"])
@blp.arguments(ExtensionRequestSchema)
@blp.response(201, EventSchema, headers=ETAG_HEADER)
@problems(blp, 400, 401, 403, 404, 409, 415, 422)
def request_extension(body, case_id, rule):
    """延期申请 The unit holding the case asks the dispatching level for more time on a clock."""
    ev = escalation_service.request_extension(
        rt().uow(),
        case_id=case_id,
        rule=rule,
        days=body["days"],
        reason=body["reason"],
        actor=actor(),
    )
    view, version = cases.event(rt().reader(), actor=actor(), case_id=case_id, seq=ev.seq)
    return view, 201, etag(version)


@blp.route(CLOCK + "/extension-requests/decision", methods=["POST"])
@blp.arguments(ExtensionDecisionSchema)
@blp.response(200, CaseSchema, headers=ETAG_HEADER)
@problems(blp, 400, 401, 403, 404, 409, 415, 422)
def decide_extension(body, case_id, rule):
    """审批延期申请 A supervisor of the dispatching level approves (the clock moves) or refuses."""
    escalation_service.decide_extension(
        rt().uow(),
        case_id=case_id,
        rule=rule,
        approve=body["approve"],
        note=body.get("note") or "",
        actor=actor(),
    )
    return _case(case_id)


@blp.route(CASE_ID + "/related", methods=["GET"])
@blp.response(200, RelatedSchema)
@problems(blp, 401, 404)
def related(case_id):
    """相关来电 Co-workers' calls and cases about the same employer and matter, within the
    related-call window; those of the same process can be merged into this case."""
    return cases.related_calls(rt().reader(), actor=actor(), case_id=case_id)


@blp.route(CASE_ID + "/merges", methods=["POST"])
@blp.arguments(MergeSchema)
@blp.response(200, CaseSchema, headers=ETAG_HEADER)
@problems(blp, 400, 401, 403, 404, 409, 415, 422)
def merge(body, case_id):
    """并案 Merge another open case of the same process and employer into this one."""
    case_service.merge(
        rt().uow(),
        case_id=case_id,
        other_id=body["case_id"],
        representatives=body["representatives"],
        actor=actor(),
    )
    return _case(case_id)


@blp.route(CASE_ID + "/reminders", methods=["POST"])
@blp.arguments(ReminderSchema, required=False)
@blp.response(201, EventSchema, headers=ETAG_HEADER)
@problems(blp, 400, 401, 403, 404, 409, 415, 422)
def remind(body, case_id):
    """催办 Remind the unit holding the case to get on with it (a notice; the case does not
    move)."""
    ev = escalation_service.urge(
        rt().uow(), case_id=case_id, actor=actor(), note=body.get("note") or ""
    )
    view, version = cases.event(rt().reader(), actor=actor(), case_id=case_id, seq=ev.seq)
    return view, 201, etag(version)


@blp.route(CASE_ID + "/events", methods=["GET"])
@blp.arguments(PaginationArgs, location="query")
@blp.response(200, EventPage)
@problems(blp, 401, 404, 422)
def events(args, case_id):
    """办理记录 The history, oldest first, each event hash-chained to the one before."""
    return cases.events(
        rt().reader(), actor=actor(), case_id=case_id, page=args["page"], per_page=args["per_page"]
    ).as_dict()


@blp.route(CASE_ID + "/documents", methods=["POST"])
@blp.doc(parameters=[IF_MATCH_PARAM])
@blp.arguments(DocumentCreateSchema)
@blp.response(201, DocumentSchema, headers=ETAG_HEADER)
@problems(blp, 400, 401, 403, 404, 409, 412, 415, 422)
def issue_document(body, case_id):
    """发文（提示函、意见书、建议书……）Issue a numbered document; its legal basis is cited."""
    doc = document_service.issue_document(
        rt().uow(),
        case_id=case_id,
        actor=actor(),
        kind=body["kind"],
        addressee=body["addressee"],
        reply_due=body.get("reply_due"),
        data=body.get("data"),
        body=body.get("body"),
        expected_version=expected_version(),
    )
    view, version = documents.document(rt().reader(), actor=actor(), document_id=doc.id)
    return view, 201, etag(version)


DOC_ID = CASE_ID + "/documents/<id:document_id>"


def _document(doc_id: int, status: int = 200, case_id: int | None = None):
    view, version = documents.document(
        rt().reader(), actor=actor(), document_id=doc_id, case_id=case_id
    )
    return view, status, etag(version)


@blp.route(CASE_ID + "/documents/drafts", methods=["POST"])
@blp.doc(parameters=[IF_MATCH_PARAM])
@blp.arguments(DraftCreateSchema)
@blp.response(201, DocumentSchema, headers=ETAG_HEADER)
@problems(blp, 400, 401, 403, 404, 409, 412, 415, 422)
def draft_document(body, case_id):
    """起草文书 A draft: no number yet; its 正文 comes from the kind's template (or is given) and may be edited until it is issued."""  # noqa: E501 - the summary line of the OpenAPI operation
    doc = document_service.create_draft(
        rt().uow(),
        case_id=case_id,
        actor=actor(),
        kind=body["kind"],
        addressee=body["addressee"],
        reply_due=body.get("reply_due"),
        data=body.get("data"),
        body=body.get("body"),
        expected_version=expected_version(),
    )
    return _document(doc.id, 201)


@blp.route(DOC_ID, methods=["GET"])
@blp.response(200, DocumentSchema, headers=ETAG_HEADER)
@problems(blp, 401, 404)
def document(case_id, document_id):
    """文书详情 One document of the case (a draft or issued), with its 正文 and hash."""
    return _document(document_id, case_id=case_id)


@blp.route(DOC_ID, methods=["PATCH"])
@blp.doc(parameters=[IF_MATCH_PARAM])
@blp.arguments(DraftEditSchema, required=False)
@blp.response(200, DocumentSchema, headers=ETAG_HEADER)
@problems(blp, 400, 401, 403, 404, 409, 412, 415, 422)
def edit_draft(body, case_id, document_id):
    """修改文书草稿 Change a draft's addressee, 正文 or reply date. An issued document is immutable (409)."""  # noqa: E501 - the summary line of the OpenAPI operation
    doc = document_service.edit_draft(
        rt().uow(),
        case_id=case_id,
        document_id=document_id,
        actor=actor(),
        expected_version=expected_version(),
        **{k: body[k] for k in ("addressee", "body", "reply_due") if k in body},
    )
    return _document(doc.id)


@blp.route(DOC_ID + "/issue", methods=["POST"])
@blp.doc(parameters=[IF_MATCH_PARAM])
@blp.arguments(DocumentIssueSchema, required=False)
@blp.response(200, DocumentSchema, headers=ETAG_HEADER)
@problems(blp, 400, 401, 403, 404, 409, 412, 415, 422)
def issue_draft(body, case_id, document_id):
    """发出文书草稿 Issue a draft as written: it is numbered, its workflow step is taken, its content is hashed into the history; then it is immutable."""  # noqa: E501 - the summary line of the OpenAPI operation
    doc = document_service.issue_draft(
        rt().uow(),
        case_id=case_id,
        document_id=document_id,
        actor=actor(),
        data=body.get("data"),
        expected_version=expected_version(),
    )
    return _document(doc.id)


def _download(case_id: int, document_id: int, fmt: str) -> Response:
    name, media_type, data = documents.document_file(
        rt().reader(), actor=actor(), case_id=case_id, document_id=document_id, fmt=fmt
    )
    # RFC 6266 / 5987: an ASCII fallback, and the 发文字号 as the UTF-8 file name.
    disposition = (
        f'attachment; filename="document-{document_id}.{fmt}"; '
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
        description=f"The document as {what} (attachment, named by its 发文字号)",
        success=True,
    )


@blp.route(DOC_ID + ".pdf", methods=["GET"])
@_file_doc("application/pdf", "PDF (GB/T 9704 layout, fonts embedded)")
@problems(blp, 401, 404, 422)
def document_pdf(case_id, document_id):
    """下载文书（PDF）The document as PDF; a draft carries a 草稿 mark and no number."""
    return _download(case_id, document_id, "pdf")


@blp.route(DOC_ID + ".docx", methods=["GET"])
@_file_doc(
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "DOCX (Word, WPS)",
)
@problems(blp, 401, 404, 422)
def document_docx(case_id, document_id):
    """下载文书（DOCX）The document as DOCX for Word or WPS; a draft carries a 草稿 mark."""
    return _download(case_id, document_id, "docx")


@blp.route(CASE_ID + "/documents", methods=["GET"])
@blp.arguments(PaginationArgs, location="query")
@blp.response(200, DocumentPage)
@problems(blp, 401, 404, 422)
def document_list(args, case_id):
    """案件文书 Documents issued on the case."""
    return documents.documents(
        rt().reader(), actor=actor(), case_id=case_id, **page_args(args)
    ).as_dict()


@blp.route(CASE_ID + "/pii-reveal", methods=["POST"])
@blp.arguments(RevealSchema)
@blp.response(
    200,
    RevealedSchema,
    headers={"Cache-Control": {"description": "no-store", "schema": {"type": "string"}}},
)
@problems(blp, 400, 401, 403, 404, 415, 422)
def reveal(body, case_id):
    """查看完整个人信息 The clear ID number or phone of a worker; who, what and why are recorded."""
    value = case_service.reveal(
        rt().uow(),
        case_id=case_id,
        person_id=body["person_id"],
        field=body["field"],
        reason=body["reason"],
        actor=actor(),
    )
    out = {"person_id": body["person_id"], "field": body["field"], "value": value}
    return out, 200, {"Cache-Control": "no-store"}
