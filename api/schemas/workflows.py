"""Workflow definitions as the API shows them."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate

import workflows
from api.schemas.base import (
    d,
    page_of,
)
from workflows.fields import KINDS as FIELD_KINDS

# -- workflows -------------------------------------------------------------------------------


class WfStateSchema(Schema):
    name = fields.String(metadata=d("State code"))
    label_zh = fields.String(metadata=d("状态名称"))
    label_en = fields.String(metadata=d("State label in English"))
    terminal = fields.Boolean(metadata=d("Whether the case is closed in this state"))


class WfGuardSchema(Schema):
    name = fields.String(metadata=d("Guard name"))
    reason_zh = fields.String(metadata=d("拒绝时的说明"))
    reason_en = fields.String(metadata=d("Reason when it refuses, in English"))


class StepChoiceSchema(Schema):
    code = fields.String(metadata=d("Code stored on the case"))
    label_zh = fields.String(metadata=d("选项名称（也可作为输入）"))


class StepFieldSchema(Schema):
    """One typed item of a trigger's data: enough to build a form field from."""

    name = fields.String(metadata=d("Key in the transition's data"))
    type = fields.String(
        validate=validate.OneOf(FIELD_KINDS),
        metadata=d("text, date (YYYY-MM-DD), money (yuan), integer, enum, boolean, person, unit"),
    )
    label_zh = fields.String(metadata=d("字段名称"))
    label_en = fields.String(metadata=d("Field label in English"))
    required = fields.Boolean(metadata=d("Whether the trigger needs it"))
    many = fields.Boolean(metadata=d("Whether it takes a list"))
    choices = fields.List(
        fields.Nested(StepChoiceSchema), metadata=d("For enum: the codes and 中文 labels")
    )
    minimum = fields.Integer(allow_none=True, metadata=d("For integer: the smallest value"))
    maximum = fields.Integer(allow_none=True, metadata=d("For integer: the largest value"))
    max_length = fields.Integer(
        allow_none=True, metadata=d("For text, person and unit: the longest value")
    )
    help_zh = fields.String(metadata=d("填写说明"))


class WfTransitionSchema(Schema):
    trigger = fields.String(metadata=d("Trigger name to POST to /cases/{id}/transitions"))
    source = fields.List(fields.String(), metadata=d("States it may be fired from"))
    dest = fields.String(metadata=d("State it leads to"))
    label_zh = fields.String(metadata=d("操作名称"))
    label_en = fields.String(metadata=d("Label in English"))
    roles = fields.List(fields.String(), metadata=d("Roles that may fire it"))
    min_level = fields.String(
        allow_none=True, metadata=d("Lowest level of the owning unit that may fire it")
    )
    by_unit_above = fields.Boolean(
        metadata=d("Decided only from a unit above the one holding the case (an objection)")
    )
    guards = fields.List(fields.Nested(WfGuardSchema), metadata=d("Rules checked before it fires"))
    records = fields.List(fields.String(), metadata=d("Data keys it records on the case"))
    requires = fields.List(fields.String(), metadata=d("Data keys that must be given"))
    step_fields = fields.List(
        fields.Nested(StepFieldSchema),
        data_key="fields",
        attribute="fields",
        metadata=d("The typed data it takes (POST ... data)"),
    )


class ExtensionBasisSchema(Schema):
    code = fields.String(metadata=d("parties_consent or officer_approval"))
    label_zh = fields.String(metadata=d("双方当事人同意 / 负责人批准"))


class WfDeadlineSchema(Schema):
    name = fields.String(metadata=d("Rule name"))
    state = fields.String(metadata=d("State whose entry starts the clock"))
    runs_in = fields.List(fields.String(), metadata=d("States the clock keeps running in"))
    pauses_in = fields.List(fields.String(), metadata=d("States the clock is paused in"))
    days = fields.Integer(metadata=d("Length in days"))
    tier_days = fields.Dict(
        keys=fields.String(), values=fields.Integer(), metadata=d("Days per complexity tier")
    )
    unit = fields.String(metadata=d("calendar or working days"))
    kind = fields.String(metadata=d("statutory (set by law) or handling (a unit's time to act)"))
    on_expiry = fields.String(metadata=d("What happens on expiry: a trigger, escalate or notify"))
    citation = fields.String(metadata=d("法律依据"))
    label_zh = fields.String(metadata=d("期限名称"))
    label_en = fields.String(metadata=d("Label in English"))
    configurable = fields.Boolean(metadata=d("Whether a setting may change the days"))
    extendable_days = fields.Integer(
        allow_none=True,
        metadata=d("Days lawful extensions may add in all: 0 none allowed, null no cap"),
    )
    extension_unit = fields.String(metadata=d("Unit of the extension"))
    starts_from = fields.String(
        allow_none=True,
        metadata=d(
            "The recorded date field the period counts from (receipt, filing, service); "
            "null: from the day the state is entered"
        ),
    )
    pausable = fields.Boolean(metadata=d("可中止: whether a user may pause it, with a reason"))
    pause_citation = fields.String(metadata=d("中止计算的法律依据, or why the law allows none"))
    extension_bases = fields.List(
        fields.Nested(ExtensionBasisSchema),
        metadata=d("可延长: the bases it may be extended on (none: never)"),
    )
    extension_cap = fields.Integer(
        allow_none=True, metadata=d("Most days extensions may add in all; null: no cap")
    )
    extension_citation = fields.String(metadata=d("延长的法律依据, or why the law allows none"))
    before = fields.String(
        allow_none=True,
        metadata=d("A notice due `days` before the date the case carries under this key"),
    )


class WorkflowSchema(Schema):
    name = fields.String(metadata=d("Workflow name"))
    prefix = fields.String(metadata=d("Reference prefix (MED, WAG, AID, SUP, HOT)"))
    label_zh = fields.String(metadata=d("流程名称"))
    label_en = fields.String(metadata=d("Label in English"))
    initial = fields.String(metadata=d("Initial state"))
    competence = fields.String(metadata=d("Default level competent to handle it"))
    citation = fields.String(metadata=d("法律依据"))
    spawns = fields.List(fields.String(), metadata=d("Workflows a case may spawn as child cases"))
    entries = fields.List(
        fields.String(),
        metadata=d("Other states a case may be opened in (waiting for the application)"),
    )
    mergeable = fields.Boolean(
        metadata=d("Cases of one matter may be merged (the merged one ends in `merged`)")
    )
    returns = fields.List(
        fields.String(),
        metadata=d("Triggers that send the case back to the unit that dispatched it (退单)"),
    )
    states = fields.List(fields.Nested(WfStateSchema), metadata=d("States"))
    transitions = fields.List(fields.Nested(WfTransitionSchema), metadata=d("Transitions"))
    deadlines = fields.List(fields.Nested(WfDeadlineSchema), metadata=d("Deadline rules"))


WorkflowPage = page_of(WorkflowSchema, "WorkflowPage")


# -- each trigger's data, for the OpenAPI document -------------------------------------------


def step_data_name(workflow: str, trigger: str) -> str:
    return f"StepData_{workflow}_{trigger}"


def step_data_schemas() -> dict[str, dict[str, Any]]:
    """One OpenAPI schema per workflow trigger: the ``data`` a transition POST takes."""
    out: dict[str, dict[str, Any]] = {}
    for wf in workflows.REGISTRY.values():
        for trigger in wf.triggers:
            ts = [t for t in wf.transitions if t.trigger == trigger]
            props: dict[str, Any] = {}
            for t in ts:
                for f in t.fields:
                    props.setdefault(f.name, f.json_schema())
            required = sorted(set.intersection(*(set(t.requires) for t in ts)))
            schema: dict[str, Any] = {
                "type": "object",
                "title": f"{wf.label_zh} · {ts[0].label_zh}",
                "description": f"data of '{trigger}' on a {wf.name} case",
                "properties": props,
                "additionalProperties": False,
            }
            if required:
                schema["required"] = required
            out[step_data_name(wf.name, trigger)] = schema
    return out


STEP_DATA_REFS = [{"$ref": f"#/components/schemas/{name}"} for name in step_data_schemas()]
