"""Employers: the union body each is placed under, which is where calls about it are routed; an
admin or a supervisor in scope moves one to another unit."""

from __future__ import annotations

from api.http import Blueprint, actor, problems, rt
from api.schemas import EmployerDetailSchema, EmployerPatchSchema
from casework.people import queries as people
from casework.people import service as people_service

blp = Blueprint(
    "employers", __name__, url_prefix="/api/v1/employers", description="用人单位 Employers"
)


@blp.route("/<int(min=1, max=2147483647):employer_id>", methods=["GET"])
@blp.response(200, EmployerDetailSchema)
@problems(blp, 401, 404)
def get_employer(employer_id):
    """用人单位 One employer placed within the caller's subtree, with its moves."""
    return people.employer(rt().reader(), actor=actor(), employer_id=employer_id)


@blp.route("/<int(min=1, max=2147483647):employer_id>", methods=["PATCH"])
@blp.arguments(EmployerPatchSchema)
@blp.response(200, EmployerDetailSchema)
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
    return people.employer(rt().reader(), actor=actor(), employer_id=employer_id)
