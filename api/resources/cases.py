"""Cases: open, list, read, move forward, escalate, assign, comment, history, documents,
personal-data reveal. Every case response carries ``ETag: "<version>"``; writes honour If-Match."""

from __future__ import annotations

from flask import url_for

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
    CommentSchema,
    DocumentCreateSchema,
    DocumentPage,
    DocumentSchema,
    EscalationRequestSchema,
    EscalationSchema,
    EventPage,
    EventSchema,
    PaginationArgs,
    RevealedSchema,
    RevealSchema,
    TransitionSchema,
)
from casework import usecases

blp = Blueprint("cases", __name__, url_prefix="/api/v1/cases", description="案件 Cases")


def _with_etag(view: dict, status: int = 200, **headers: str):
    return view, status, {**etag(view["version"]), **headers}


@blp.route("", methods=["POST"])
@blp.arguments(CaseCreateSchema)
@blp.response(201, CaseSchema, headers={**ETAG_HEADER, "Location": {"description": "The case's URL", "schema": {"type": "string"}}})
@problems(blp, 400, 401, 403, 404, 415, 422)
def create_case(body):
    """立案 Open a case. The engine routes it to the competent unit of the employer's chain (服务下沉)."""
    view = usecases.create_case(rt().uow(), actor(), **body)
    return _with_etag(view, 201, Location=url_for("cases.get_case", case_id=view["id"]))


@blp.route("", methods=["GET"])
@blp.arguments(CaseListArgs, location="query")
@blp.response(200, CasePage)
@problems(blp, 401, 422)
def list_cases(args):
    """案件列表 Cases the caller may see (held or started in their subtree), newest first."""
    assignee = args.get("assignee")
    assignee_id = actor().user_id if assignee == "me" else (int(assignee) if assignee else None)
    return usecases.list_cases(
        rt().reader(), actor(), workflow=args.get("workflow"), state=args.get("state"),
        org_unit_id=args.get("org_unit_id"), overdue=args.get("overdue"), assignee_id=assignee_id,
        q=args.get("q"), **page_args(args),
    ).as_dict()


@blp.route("/<int(min=1, max=2147483647):case_id>", methods=["GET"])
@blp.response(200, CaseSchema, headers=ETAG_HEADER)
@problems(blp, 401, 404)
def get_case(case_id):
    """案件详情 The case, its running deadlines and what the caller may do next."""
    return _with_etag(usecases.get_case_view(rt().reader(), actor(), case_id))


@blp.route("/<int(min=1, max=2147483647):case_id>/transitions", methods=["POST"])
@blp.doc(parameters=[IF_MATCH_PARAM])
@blp.arguments(TransitionSchema)
@blp.response(200, CaseSchema, headers=ETAG_HEADER)
@problems(blp, 400, 401, 403, 404, 409, 412, 415, 422)
def transition(body, case_id):
    """办理（触发流程操作）Fire a trigger from allowed_triggers."""
    view = usecases.transition(rt().uow(), actor(), case_id, body["trigger"], comment_text=body.get("comment"),
                               data=body.get("data"), expected_version=expected_version())
    return _with_etag(view)


@blp.route("/<int(min=1, max=2147483647):case_id>/escalations", methods=["POST"])
@blp.doc(parameters=[IF_MATCH_PARAM])
@blp.arguments(EscalationRequestSchema)
@blp.response(201, EscalationSchema, headers=ETAG_HEADER)
@problems(blp, 400, 401, 403, 404, 409, 412, 415, 422)
def escalate(body, case_id):
    """申请上提（上代下）Ask the parent union to take the case over, with a reason."""
    view, version = usecases.escalate(rt().uow(), actor(), case_id, reason=body["reason"],
                                      comment_text=body["comment"], expected_version=expected_version())
    return view, 201, etag(version)


@blp.route("/<int(min=1, max=2147483647):case_id>/assignment", methods=["POST"])
@blp.doc(parameters=[IF_MATCH_PARAM])
@blp.arguments(AssignmentSchema)
@blp.response(200, CaseSchema, headers=ETAG_HEADER)
@problems(blp, 400, 401, 403, 404, 409, 412, 415, 422)
def assign(body, case_id):
    """分派 Assign the case to a caseworker of the owning unit."""
    return _with_etag(usecases.assign_case(rt().uow(), actor(), case_id, body["user_id"],
                                           expected_version=expected_version()))


@blp.route("/<int(min=1, max=2147483647):case_id>/comments", methods=["POST"])
@blp.doc(parameters=[IF_MATCH_PARAM])
@blp.arguments(CommentSchema)
@blp.response(201, EventSchema, headers=ETAG_HEADER)
@problems(blp, 400, 401, 403, 404, 409, 412, 415, 422)
def add_comment(body, case_id):
    """添加备注 Add a comment to the case history."""
    ev, version = usecases.add_comment(rt().uow(), actor(), case_id, body["text"], expected_version=expected_version())
    return ev, 201, etag(version)


@blp.route("/<int(min=1, max=2147483647):case_id>/events", methods=["GET"])
@blp.arguments(PaginationArgs, location="query")
@blp.response(200, EventPage)
@problems(blp, 401, 404, 422)
def events(args, case_id):
    """办理记录 The history, oldest first, each event hash-chained to the one before."""
    return usecases.case_events(rt().reader(), actor(), case_id, page=args["page"],
                                per_page=args["per_page"]).as_dict()


@blp.route("/<int(min=1, max=2147483647):case_id>/documents", methods=["POST"])
@blp.doc(parameters=[IF_MATCH_PARAM])
@blp.arguments(DocumentCreateSchema)
@blp.response(201, DocumentSchema, headers=ETAG_HEADER)
@problems(blp, 400, 401, 403, 404, 409, 412, 415, 422)
def issue_document(body, case_id):
    """发文（提示函、意见书、建议书……）Issue a numbered document; its legal basis is cited."""
    doc, version = usecases.issue_document(rt().uow(), actor(), case_id, kind=body["kind"], addressee=body["addressee"],
                                           reply_due=body.get("reply_due"), data=body.get("data"),
                                           expected_version=expected_version())
    return doc, 201, etag(version)


@blp.route("/<int(min=1, max=2147483647):case_id>/documents", methods=["GET"])
@blp.arguments(PaginationArgs, location="query")
@blp.response(200, DocumentPage)
@problems(blp, 401, 404, 422)
def documents(args, case_id):
    """案件文书 Documents issued on the case."""
    return usecases.case_documents(rt().reader(), actor(), case_id, **page_args(args)).as_dict()


@blp.route("/<int(min=1, max=2147483647):case_id>/pii-reveal", methods=["POST"])
@blp.arguments(RevealSchema)
@blp.response(200, RevealedSchema, headers={"Cache-Control": {"description": "no-store", "schema": {"type": "string"}}})
@problems(blp, 400, 401, 403, 404, 415, 422)
def reveal(body, case_id):
    """查看完整个人信息 The clear ID number or phone of a worker; who, what and why are recorded."""
    out = usecases.reveal_personal_data(rt().uow(), actor(), case_id, person_id=body["person_id"],
                                        field=body["field"], reason=body["reason"])
    return out, 200, {"Cache-Control": "no-store"}
