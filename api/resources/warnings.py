"""劳动关系预警: the warnings board of the caller's subtree, one warning, and its disposition."""

from __future__ import annotations

from api.http import Blueprint, actor, etag, expected_version, page_args, problems, rt
from api.schemas import DispositionSchema, WarningArgs, WarningPage, WarningSchema
from casework.warnings import queries as warnings
from casework.warnings import service as warnings_service

blp = Blueprint(
    "warnings", __name__, url_prefix="/api/v1/warnings", description="劳动关系预警 Early warnings"
)


@blp.route("", methods=["GET"])
@blp.arguments(WarningArgs, location="query")
@blp.response(200, WarningPage)
@problems(blp, 401, 404, 422)
def list_warnings(args):
    """预警看板 Warnings held by units of the caller's subtree: open first, red first, earliest due first."""  # noqa: E501 - the summary line of the OpenAPI operation
    return warnings.warnings(
        rt().reader(),
        actor=actor(),
        level=args.get("level"),
        status=args.get("status"),
        org_unit_id=args.get("org_unit_id"),
        **page_args(args),
    ).as_dict()


@blp.route("/<int(min=1, max=2147483647):warning_id>", methods=["GET"])
@blp.response(200, WarningSchema)
@problems(blp, 401, 404)
def get_warning(warning_id):
    """预警详情 One warning held in the caller's subtree (ETag: its version)."""
    view = warnings.warning(rt().reader(), actor=actor(), warning_id=warning_id)
    return view, 200, etag(view["version"])


@blp.route("/<int(min=1, max=2147483647):warning_id>/disposition", methods=["POST"])
@blp.arguments(DispositionSchema)
@blp.response(200, WarningSchema)
@problems(blp, 400, 401, 403, 404, 409, 412, 415, 422)
def dispose(body, warning_id):
    """处置预警 Issue the prefilled 提示函, open a supervision case, merge co-workers' calls, put on the joint-meeting agenda, or dismiss with a reason."""  # noqa: E501 - the summary line of the OpenAPI operation
    warnings_service.dispose(
        rt().uow(),
        actor=actor(),
        warning_id=warning_id,
        action=body["action"],
        note=body.get("note"),
        investigators=body.get("investigators") or (),
        addressee=body.get("addressee"),
        case_ids=body.get("case_ids") or (),
        expected_version=expected_version(),
    )
    view = warnings.warning(rt().reader(), actor=actor(), warning_id=warning_id)
    return view, 200, etag(view["version"])
