"""Workflow definitions as the API shows them."""

from __future__ import annotations

from marshmallow import Schema, fields

from api.schemas.base import (
    d,
    page_of,
)

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
    guards = fields.List(fields.Nested(WfGuardSchema), metadata=d("Rules checked before it fires"))
    records = fields.List(fields.String(), metadata=d("Data keys it records on the case"))
    requires = fields.List(fields.String(), metadata=d("Data keys that must be given"))


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


class WorkflowSchema(Schema):
    name = fields.String(metadata=d("Workflow name"))
    prefix = fields.String(metadata=d("Reference prefix (MED, WAG, AID, SUP, HOT)"))
    label_zh = fields.String(metadata=d("流程名称"))
    label_en = fields.String(metadata=d("Label in English"))
    initial = fields.String(metadata=d("Initial state"))
    competence = fields.String(metadata=d("Default level competent to handle it"))
    citation = fields.String(metadata=d("法律依据"))
    spawns = fields.List(fields.String(), metadata=d("Workflows a case may spawn as child cases"))
    states = fields.List(fields.Nested(WfStateSchema), metadata=d("States"))
    transitions = fields.List(fields.Nested(WfTransitionSchema), metadata=d("Transitions"))
    deadlines = fields.List(fields.Nested(WfDeadlineSchema), metadata=d("Deadline rules"))


WorkflowPage = page_of(WorkflowSchema, "WorkflowPage")
