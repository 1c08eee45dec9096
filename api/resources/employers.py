"""Employers: the dossier (every call, case, document, escalation and warning about one, as far
as the caller's scope allows, with counts of the rest), search by name or credit code, the
clean-record answer for honours vetting, and moving one to another union body."""

from __future__ import annotations

from api.http import Blueprint, actor, page_args, problems, rt
from api.schemas import (
    EmployerDossierSchema,
    EmployerPatchSchema,
    EmployerRecordSchema,
    EmployerSearchArgs,
    EmployerSearchPage,
    RecordArgs,
)
from casework.people import service as people_service
from casework.warnings import queries as dossiers

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


@blp.route("/<int(min=1, max=2147483647):employer_id>", methods=["GET"])
@blp.response(200, EmployerDossierSchema)
@problems(blp, 401, 404)
def get_employer(employer_id):
    """用人单位档案 The dossier: its unit, moves, and every call, case, document, escalation and warning about it in the caller's scope, with counts of the rest."""  # noqa: E501 - the summary line of the OpenAPI operation
    return dossiers.dossier(rt().reader(), actor=actor(), employer_id=employer_id)


@blp.route("/<int(min=1, max=2147483647):employer_id>/record", methods=["GET"])
@blp.arguments(RecordArgs, location="query")
@blp.response(200, EmployerRecordSchema)
@problems(blp, 401, 404, 422)
def employer_record(args, employer_id):
    """守法记录 For honours vetting: cases, warnings and supervision letters of the last years, and whether any is open or upheld."""  # noqa: E501 - the summary line of the OpenAPI operation
    return dossiers.employer_record(
        rt().reader(), actor=actor(), employer_id=employer_id, years=args["years"]
    )


@blp.route("/<int(min=1, max=2147483647):employer_id>", methods=["PATCH"])
@blp.arguments(EmployerPatchSchema)
@blp.response(200, EmployerDossierSchema)
@problems(blp, 400, 401, 403, 404, 415, 422)
def patch_employer(body, employer_id):
    """调整所属工会 Move an employer to another union body (admins; supervisors whose subtree
    holds both units). Recorded; later calls about it route from the new unit."""
    people_service.move_employer(
        rt().uow(),
        actor=actor(),
        employer_id=employer_id,
        org_unit_id=body["org_unit_id"],
        reason=body.get("reason"),
    )
    return dossiers.dossier(rt().reader(), actor=actor(), employer_id=employer_id)
