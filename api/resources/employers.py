"""Employers: the dossier (every call, case, document, referral, escalation and warning about
one, as far as the caller's scope allows, with counts of the rest), search by name or credit
code, the clean-record answer for honours vetting, moving one to another union body, its
profile and projects, and events reported about it (a union officer dismissed)."""

from __future__ import annotations

from api.http import Blueprint, actor, page_args, problems, rt
from api.schemas import (
    EmployerDossierSchema,
    EmployerPatchSchema,
    EmployerRecordSchema,
    EmployerReportResultSchema,
    EmployerReportSchema,
    EmployerSearchArgs,
    EmployerSearchPage,
    ProjectLinkSchema,
    RecordArgs,
)
from casework.people import service as people_service
from casework.warnings import queries as dossiers

PROFILE_FIELDS = ("industry", "staff_count", "union_members", "has_union")

blp = Blueprint(
    "employers", __name__, url_prefix="/api/v1/employers", description="用人单位 Employers"
)


@blp.route("", methods=["GET"])
@blp.arguments(EmployerSearchArgs, location="query")
@blp.response(200, EmployerSearchPage)
@problems(blp, 401, 422)
def search_employers(args):
    """查找用人单位 By name (contains) or unified social credit code, within the caller's subtree; the rest is counted."""  # noqa: E501 - the summary line of the OpenAPI operation
    return dossiers.employer_search(rt().reader(), actor=actor(), q=args["q"], **page_args(args))


@blp.route("/<id:employer_id>", methods=["GET"])
@blp.response(200, EmployerDossierSchema)
@problems(blp, 401, 404)
def get_employer(employer_id):
    """用人单位档案 The dossier: its unit, moves, and every call, case, document, escalation and warning about it in the caller's scope, with counts of the rest."""  # noqa: E501 - the summary line of the OpenAPI operation
    return dossiers.dossier(rt().reader(), actor=actor(), employer_id=employer_id)


@blp.route("/<id:employer_id>/record", methods=["GET"])
@blp.arguments(RecordArgs, location="query")
@blp.response(200, EmployerRecordSchema)
@problems(blp, 401, 404, 422)
def employer_record(args, employer_id):
    """守法记录 For honours vetting: cases, warnings and supervision letters of the last years, and whether any is open or upheld."""  # noqa: E501 - the summary line of the OpenAPI operation
    return dossiers.employer_record(
        rt().reader(), actor=actor(), employer_id=employer_id, years=args["years"]
    )


@blp.route("/<id:employer_id>", methods=["PATCH"])
@blp.arguments(EmployerPatchSchema)
@blp.response(200, EmployerDossierSchema)
@problems(blp, 400, 401, 403, 404, 415, 422)
def patch_employer(body, employer_id):
    """调整所属工会或档案 Move an employer to another union body (admins; supervisors whose subtree
    holds both units), or change its profile: industry, staff, union (admins). Recorded; later
    calls about a moved employer route from the new unit."""
    people_service.change_employer(
        rt().uow(),
        actor=actor(),
        employer_id=employer_id,
        org_unit_id=body.get("org_unit_id"),
        reason=body.get("reason"),
        profile={k: body[k] for k in PROFILE_FIELDS if k in body},
    )
    return dossiers.dossier(rt().reader(), actor=actor(), employer_id=employer_id)


@blp.route("/<id:employer_id>/projects", methods=["POST"])
@blp.arguments(ProjectLinkSchema)
@blp.response(201, EmployerDossierSchema)
@problems(blp, 400, 401, 403, 404, 409, 415, 422)
def link_project(body, employer_id):
    """列入工程项目 Place the employer in a construction project as 建设单位, 总承包 or 分包 (admins): an existing project or a new one."""  # noqa: E501 - the summary line of the OpenAPI operation
    people_service.link_project(rt().uow(), actor=actor(), employer_id=employer_id, **body)
    return dossiers.dossier(rt().reader(), actor=actor(), employer_id=employer_id)


@blp.route("/<id:employer_id>/events", methods=["POST"])
@blp.arguments(EmployerReportSchema)
@blp.response(201, EmployerReportResultSchema)
@problems(blp, 400, 401, 403, 404, 415, 422)
def report_event(body, employer_id):
    """登记用人单位事件 Record an event at the employer that is no case of its own (the dismissal of a union officer); the early warning evaluates it at once."""  # noqa: E501 - the summary line of the OpenAPI operation
    seq = people_service.report_employer_event(
        rt().uow(),
        actor=actor(),
        employer_id=employer_id,
        kind=body["kind"],
        occurred_on=body["occurred_on"],
        note=body.get("note"),
    )
    return dossiers.warnings_of_report(
        rt().reader(), actor=actor(), employer_id=employer_id, event_seq=seq
    )
