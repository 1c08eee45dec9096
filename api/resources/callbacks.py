"""回访: the hotline's call-back queue, and recording what the caller said."""

from __future__ import annotations

from api.http import (
    ETAG_HEADER,
    IF_MATCH_PARAM,
    Blueprint,
    actor,
    etag,
    expected_version,
    problems,
    rt,
)
from api.schemas import CallbackQueueSchema, CallbackSchema, CaseSchema
from casework.cases import queries as cases
from casework.intake import queries as intake_queries
from casework.intake import service as intake

blp = Blueprint(
    "callbacks", __name__, url_prefix="/api/v1/callbacks", description="回访 Call-backs"
)


@blp.route("", methods=["GET"])
@blp.response(200, CallbackQueueSchema)
@problems(blp, 401, 403)
def queue():
    """待回访工单 Work orders waiting for a call-back within your scope, soonest due first."""
    return intake_queries.callback_queue(rt().reader(), actor=actor())


@blp.route("/<id:order_id>", methods=["POST"])
@blp.doc(parameters=[IF_MATCH_PARAM])
@blp.arguments(CallbackSchema)
@blp.response(200, CaseSchema, headers=ETAG_HEADER)
@problems(blp, 400, 401, 403, 404, 409, 412, 415, 422)
def record(body, order_id):
    """登记回访结果 Record the call-back: satisfied, basically_satisfied and declined close the
    order; dissatisfied sends it back to the handling unit; unreachable is tried once more."""
    intake.record_callback(
        rt().uow(),
        order_id=order_id,
        outcome=body["outcome"],
        note=body.get("note") or "",
        actor=actor(),
        expected_version=expected_version(),
    )
    view = cases.case_detail(rt().reader(), actor=actor(), case_id=order_id)
    return view, 200, etag(view["version"])
