"""Users: anyone lists the users of their subtree (to pick an assignee); admins add and change."""

from __future__ import annotations

from api.http import Blueprint, actor, page_args, problems, rt
from api.schemas import UserCreateSchema, UserListArgs, UserPatchSchema, UserSchema, page_of
from casework.people import queries as people
from casework.people import service as people_service

blp = Blueprint("users", __name__, url_prefix="/api/v1/users", description="用户 Users")
UserPage = page_of(UserSchema, "UserPage")


@blp.route("", methods=["GET"])
@blp.arguments(UserListArgs, location="query")
@blp.response(200, UserPage)
@problems(blp, 401, 422)
def list_users(args):
    """本级及下级用户 Users of the caller's unit and the units below it."""
    return people.users(
        rt().reader(), actor=actor(), org_unit_id=args.get("org_unit_id"), **page_args(args)
    ).as_dict()


@blp.route("", methods=["POST"])
@blp.arguments(UserCreateSchema)
@blp.response(201, UserSchema)
@problems(blp, 400, 401, 403, 404, 409, 415, 422)
def create_user(body):
    """新建用户（管理员）Create a user in a unit of the admin's subtree."""
    user = people_service.create_user(rt().uow(), actor=actor(), **body)
    return people.user(rt().reader(), actor=actor(), user_id=user.id)


@blp.route("/<id:user_id>", methods=["GET"])
@blp.response(200, UserSchema)
@problems(blp, 401, 404)
def get_user(user_id):
    """用户详情 One user of the caller's subtree."""
    return people.user(rt().reader(), actor=actor(), user_id=user_id)


@blp.route("/<id:user_id>", methods=["PATCH"])
@blp.arguments(UserPatchSchema)
@blp.response(200, UserSchema)
@problems(blp, 400, 401, 403, 404, 415, 422)
def patch_user(body, user_id):
    """修改用户（管理员）Change display name, roles, active flag or password; deactivating or a new
    password revokes the user's tokens."""
    people_service.update_user(rt().uow(), actor=actor(), user_id=user_id, **body)
    return people.user(rt().reader(), actor=actor(), user_id=user_id)
