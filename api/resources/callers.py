"""The hotline console's caller lookup: a repeat caller's open work, before anything is filed."""

from __future__ import annotations

from api.http import Blueprint, actor, problems, rt
from api.schemas import CallerLookupSchema, CallerMattersSchema
from casework.intake.queries import caller_matters

blp = Blueprint(
    "callers", __name__, url_prefix="/api/v1/callers", description="来电人查询 Caller lookup"
)


@blp.route("", methods=["GET"])
@blp.arguments(CallerLookupSchema, location="query")
@blp.response(200, CallerMattersSchema)
@problems(blp, 401, 403, 422)
def lookup(args):
    """来电人在办事项 A caller's work orders and cases within your scope, newest first (give
    `phone` or `id_number`). Request logs never keep the query string; clients that would rather
    keep the number out of URLs altogether POST it to /callers/lookup."""
    return caller_matters(
        rt().reader(), actor=actor(), phone=args.get("phone"), id_number=args.get("id_number")
    )


@blp.route("/lookup", methods=["POST"])
@blp.arguments(CallerLookupSchema)
@blp.response(200, CallerMattersSchema)
@problems(blp, 401, 403, 415, 422)
def lookup_by_body(body):
    """来电人在办事项（号码放在请求体中） The same lookup with the number in the JSON body."""
    return caller_matters(
        rt().reader(), actor=actor(), phone=body.get("phone"), id_number=body.get("id_number")
    )
