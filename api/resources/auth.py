"""Log in (token), log out (revoke), and who am I."""

from __future__ import annotations

from flask import request

from api.http import Blueprint, actor, problems, public, rt
from api.schemas import LoginSchema, TokenSchema, UserSchema
from casework.core.time import iso
from casework.people import auth
from casework.people import queries as people

blp = Blueprint("auth", __name__, url_prefix="/api/v1", description="登录与当前用户 Authentication")


@blp.route("/auth/token", methods=["POST"])
@public
@blp.doc(security=[])
@blp.arguments(LoginSchema)
@blp.response(201, TokenSchema, description="A new token")
@problems(blp, 400, 401, 415, 422, 429)
def login(body):
    """登录，获取令牌 Log in: exchange a username and password for a bearer token."""
    issued = auth.login(
        rt().uow(),
        username=body["username"],
        password=body["password"],
        client=request.remote_addr or "unknown",
    )
    return {
        "token": issued.token,
        "expires_at": iso(issued.expires_at),
        "user": people.user_view(issued.user),
    }


@blp.route("/auth/token", methods=["DELETE"])
@blp.response(204, description="The token is revoked")
@problems(blp, 401)
def logout():
    """注销令牌 Log out: revoke the token this request carries."""
    token = request.headers.get("Authorization", "").split(" ", 1)[-1].strip()
    auth.revoke(rt().uow(), token)
    return ""


@blp.route("/me", methods=["GET"])
@blp.response(200, UserSchema)
@problems(blp, 401)
def me():
    """当前用户 The calling user, their roles and unit."""
    return people.me(rt().reader(), actor=actor())
