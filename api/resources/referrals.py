"""移送与反馈 Referrals: the ledger of what a case's unit referred to which agency (人社 labour
inspection, arbitration, courts, the procuratorate ...), the agency's acts and answers on their
legal clocks, and the 待反馈移送 list across the caller's part of the tree (JSON or CSV). Writes
carry the case's ETag and honour If-Match; each view makes one service call and one query."""

from __future__ import annotations

from api.http import (
    CSV_ALT,
    ETAG_HEADER,
    IF_MATCH_PARAM,
    Blueprint,
    actor,
    csv_download,
    etag,
    expected_version,
    page_args,
    problems,
    rt,
)
from api.schemas import (
    PaginationArgs,
    ReferralAnswerSchema,
    ReferralCreateSchema,
    ReferralExtensionSchema,
    ReferralFilingSchema,
    ReferralListArgs,
    ReferralPage,
    ReferralReceiptSchema,
    ReferralSchema,
)
from casework.referrals import queries as referrals
from casework.referrals import service as referral_service

blp = Blueprint("referrals", __name__, url_prefix="/api/v1", description="移送与反馈 Referrals")
CASE = "/cases/<id:case_id>/referrals"
ONE = CASE + "/<id:referral_id>"
WRITE_PROBLEMS = (400, 401, 403, 404, 409, 412, 415, 422)


def _answer(case_id: int, referral_id: int, status: int = 200):
    view, version = referrals.referral(
        rt().reader(), actor=actor(), case_id=case_id, referral_id=referral_id
    )
    return view, status, etag(version)


@blp.route(CASE, methods=["POST"])
@blp.doc(parameters=[IF_MATCH_PARAM])
@blp.arguments(ReferralCreateSchema)
@blp.response(201, ReferralSchema, headers=ETAG_HEADER)
@problems(blp, *WRITE_PROBLEMS)
def refer(body, case_id):
    """移送 Refer the case's matter to an agency; its law's clock starts, the case's matching step fires."""  # noqa: E501 - the summary line of the OpenAPI operation
    r = referral_service.refer(
        rt().uow(),
        case_id=case_id,
        actor=actor(),
        agency_kind=body["agency_kind"],
        agency_name=body["agency_name"],
        basis=body["basis"],
        matter=body["matter"],
        document_id=body.get("document"),
        procedure=body.get("procedure"),
        sent_on=body.get("sent_on"),
        data=body.get("data"),
        expected_version=expected_version(),
    )
    return _answer(case_id, r.id, 201)


@blp.route(CASE, methods=["GET"])
@blp.arguments(PaginationArgs, location="query")
@blp.response(200, ReferralPage)
@problems(blp, 401, 404, 422)
def case_referrals(args, case_id):
    """案件移送记录 The case's referrals (outbound and inbound), oldest first."""
    return referrals.case_referrals(
        rt().reader(), actor=actor(), case_id=case_id, **page_args(args)
    ).as_dict()


@blp.route(ONE, methods=["GET"])
@blp.response(200, ReferralSchema, headers=ETAG_HEADER)
@problems(blp, 401, 404)
def referral(case_id, referral_id):
    """移送记录 One referral with its clock."""
    return _answer(case_id, referral_id)


@blp.route(ONE + "/receipt", methods=["POST"])
@blp.doc(parameters=[IF_MATCH_PARAM])
@blp.arguments(ReferralReceiptSchema)
@blp.response(200, ReferralSchema, headers=ETAG_HEADER)
@problems(blp, *WRITE_PROBLEMS)
def receipt(body, case_id, referral_id):
    """登记机关收到 The agency received it (and gave its case number): its first clock counts from that day."""  # noqa: E501 - the summary line of the OpenAPI operation
    referral_service.record_receipt(
        rt().uow(),
        case_id=case_id,
        referral_id=referral_id,
        actor=actor(),
        received_on=body["received_on"],
        agency_ref=body.get("agency_ref"),
        expected_version=expected_version(),
    )
    return _answer(case_id, referral_id)


@blp.route(ONE + "/filing", methods=["POST"])
@blp.doc(parameters=[IF_MATCH_PARAM])
@blp.arguments(ReferralFilingSchema)
@blp.response(200, ReferralSchema, headers=ETAG_HEADER)
@problems(blp, *WRITE_PROBLEMS)
def filing(body, case_id, referral_id):
    """登记机关立案 The agency opened its case (立案/受理): its next clock (e.g. 60 working days) starts."""  # noqa: E501 - the summary line of the OpenAPI operation
    referral_service.record_filing(
        rt().uow(),
        case_id=case_id,
        referral_id=referral_id,
        actor=actor(),
        filed_on=body["filed_on"],
        agency_ref=body.get("agency_ref"),
        data=body.get("data"),
        expected_version=expected_version(),
    )
    return _answer(case_id, referral_id)


@blp.route(ONE + "/extension", methods=["POST"])
@blp.doc(parameters=[IF_MATCH_PARAM])
@blp.arguments(ReferralExtensionSchema)
@blp.response(200, ReferralSchema, headers=ETAG_HEADER)
@problems(blp, *WRITE_PROBLEMS)
def extension(body, case_id, referral_id):
    """登记机关延期 The agency extended its period where its law allows (once, at most the law's days)."""  # noqa: E501 - the summary line of the OpenAPI operation
    referral_service.record_extension(
        rt().uow(),
        case_id=case_id,
        referral_id=referral_id,
        actor=actor(),
        note=body["note"],
        days=body.get("days"),
        expected_version=expected_version(),
    )
    return _answer(case_id, referral_id)


@blp.route(ONE + "/answer", methods=["POST"])
@blp.doc(parameters=[IF_MATCH_PARAM])
@blp.arguments(ReferralAnswerSchema)
@blp.response(200, ReferralSchema, headers=ETAG_HEADER)
@problems(blp, *WRITE_PROBLEMS)
def answer(body, case_id, referral_id):
    """登记机关答复 The agency's answer (反馈): outcome and text; the clock stops."""
    referral_service.record_answer(
        rt().uow(),
        case_id=case_id,
        referral_id=referral_id,
        actor=actor(),
        answered_on=body["answered_on"],
        outcome=body["outcome"],
        answer=body["answer"],
        transferred_to=body.get("transferred_to"),
        data=body.get("data"),
        expected_version=expected_version(),
    )
    return _answer(case_id, referral_id)


@blp.route("/referrals", methods=["GET"])
@blp.arguments(ReferralListArgs, location="query")
@blp.response(200, ReferralPage)
@blp.alt_response(200, **CSV_ALT)
@problems(blp, 401, 404, 422)
def referral_list(args):
    """待反馈移送 Referrals of the cases the caller sees, per agency and status, newest first."""
    filters = {
        "agency_kind": args.get("agency_kind"),
        "status": args.get("status"),
        "org_unit_id": args.get("org_unit_id"),
        "direction": args.get("direction"),
    }
    if args["format"] == "csv":
        items = referrals.referrals_for_export(rt().reader(), actor=actor(), **filters)
        return csv_download(referrals.referrals_csv(items), "casework-referrals.csv")
    return referrals.referrals(rt().reader(), actor=actor(), **filters, **page_args(args)).as_dict()
