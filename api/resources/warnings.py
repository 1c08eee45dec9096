"""劳动关系预警: the warnings board of the caller's subtree, one warning, and its disposition."""

from __future__ import annotations

from api.http import Blueprint, actor, etag, expected_version, page_args, problems, rt
from api.schemas import (
    DispositionSchema,
    WarningArgs,
    WarningPage,
    WarningRuleList,
    WarningRulePatchSchema,
    WarningRuleSchema,
    WarningSchema,
)
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


@blp.route("/<id:warning_id>", methods=["GET"])
@blp.response(200, WarningSchema)
@problems(blp, 401, 404)
def get_warning(warning_id):
    """预警详情 One warning held in the caller's subtree (ETag: its version)."""
    view = warnings.warning(rt().reader(), actor=actor(), warning_id=warning_id)
    return view, 200, etag(view["version"])


@blp.route("/<id:warning_id>/disposition", methods=["POST"])
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


rules_blp = Blueprint(
    "warning_rules",
    __name__,
    url_prefix="/api/v1/warning-rules",
    description="预警规则 Early-warning rules (admins)",
)


@rules_blp.route("", methods=["GET"])
@rules_blp.response(200, WarningRuleList)
@problems(rules_blp, 401, 403)
def list_rules():
    """预警规则 Every rule: what it watches and its source, the effective setting, the settings file's default, who changed it last."""  # noqa: E501 - the summary line of the OpenAPI operation
    return {"items": warnings.rules_view(rt().reader(), actor=actor())}


@rules_blp.route("/<string(minlength=1, maxlength=32):code>", methods=["PATCH"])
@rules_blp.arguments(WarningRulePatchSchema)
@rules_blp.response(200, WarningRuleSchema)
@problems(rules_blp, 400, 401, 403, 404, 415, 422)
def patch_rule(body, code):
    """设置预警规则 Switch a rule on or off, change the level it raises or its thresholds and window (admins); recorded, and in force from the next evaluation."""  # noqa: E501 - the summary line of the OpenAPI operation
    warnings_service.set_rule(
        rt().uow(),
        actor=actor(),
        code=code,
        enabled=body.get("enabled"),
        level=body.get("level"),
        params=body.get("params"),
    )
    [view] = warnings.rules_view(rt().reader(), actor=actor(), code=code)
    return view
