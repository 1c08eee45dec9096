"""The 12351 hotline: a call becomes a work order, routed down to the unit closest to the worker."""

from __future__ import annotations

from flask import request

from api.http import IDEMPOTENCY_PARAM, Blueprint, actor, problems, rt
from api.schemas import IntakeResultSchema, IntakeSchema
from casework.intake import service as intake

blp = Blueprint(
    "intakes", __name__, url_prefix="/api/v1/intakes", description="热线工单 Hotline intakes"
)


@blp.route("", methods=["POST"])
@blp.doc(parameters=[IDEMPOTENCY_PARAM])
@blp.arguments(IntakeSchema)
@blp.response(201, IntakeResultSchema)
@problems(blp, 400, 401, 403, 415, 422)
def file_intake(body):
    """来电登记 File a call. Categories that need a case open one at the competent unit; a repeat
    call about the same worker and employer attaches to the open case (merged_into)."""
    caller, emp = body["caller"], body.get("employer")
    result = intake.file_intake(
        rt().uow(),
        actor=actor(),
        caller=intake.CallerInput(caller["name"], caller["phone"], caller.get("id_number")),
        employer=intake.EmployerInput(emp["name"], emp.get("credit_code"), emp.get("org_unit_code"))
        if emp is not None
        else None,
        category=body["category"],
        complexity=body["complexity"],
        worker_count=body["worker_count"],
        amount_claimed=body.get("amount_claimed"),
        description=body["description"],
        answer=body.get("answer"),
        complained_unit_code=body.get("complained_unit_code"),
        mass_incident=body["mass_incident"],
        idempotency_key=request.headers.get("Idempotency-Key"),
    )
    return result.body, 201
