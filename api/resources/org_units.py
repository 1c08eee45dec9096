"""The org tree: the caller's subtree; admins add and change units."""

from __future__ import annotations

from api.http import Blueprint, actor, page_args, problems, rt
from api.schemas import (
    OrgUnitCreateSchema,
    OrgUnitPatchSchema,
    OrgUnitSchema,
    PaginationArgs,
    page_of,
)
from casework.people import queries as people
from casework.people import service as people_service

blp = Blueprint("org_units", __name__, url_prefix="/api/v1/org-units", description="组织 Org units")
OrgUnitPage = page_of(OrgUnitSchema, "OrgUnitPage")


@blp.route("", methods=["GET"])
@blp.arguments(PaginationArgs, location="query")
@blp.response(200, OrgUnitPage)
@problems(blp, 401, 422)
def list_units(args):
    """本级及下级组织 The caller's unit and every unit below it, in tree order."""
    return people.org_units(rt().reader(), actor=actor(), **page_args(args)).as_dict()


@blp.route("", methods=["POST"])
@blp.arguments(OrgUnitCreateSchema)
@blp.response(201, OrgUnitSchema)
@problems(blp, 400, 401, 403, 404, 409, 415, 422)
def create_unit(body):
    """新建组织（管理员）Create a unit below one in the admin's subtree."""
    unit = people_service.create_org_unit(rt().uow(), actor=actor(), **body)
    return people.org_unit(rt().reader(), actor=actor(), unit_id=unit.id)


@blp.route("/<id:unit_id>", methods=["GET"])
@blp.response(200, OrgUnitSchema)
@problems(blp, 401, 404)
def get_unit(unit_id):
    """组织详情 One unit of the caller's subtree."""
    return people.org_unit(rt().reader(), actor=actor(), unit_id=unit_id)


@blp.route("/<id:unit_id>", methods=["PATCH"])
@blp.arguments(OrgUnitPatchSchema)
@blp.response(200, OrgUnitSchema)
@problems(blp, 400, 401, 403, 404, 415, 422)
def patch_unit(body, unit_id):
    """修改组织（管理员）Rename a unit, change its level, or set its 发文机关代字."""
    people_service.update_org_unit(
        rt().uow(),
        actor=actor(),
        unit_id=unit_id,
        name=body.get("name"),
        level=body.get("level"),
        doc_abbr=body.get("doc_abbr"),
        doc_kind_marker=body.get("doc_kind_marker"),
    )
    return people.org_unit(rt().reader(), actor=actor(), unit_id=unit_id)
