"""The workflow definitions themselves: complete, consistent, exported and diagrammed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import workflows
from workflows.base import (
    CALENDAR,
    HANDLING,
    KINDS,
    LEVELS,
    UNITS,
    WORKING,
    DeadlineRule,
    Guard,
    State,
    Transition,
    Workflow,
    WorkflowDefinitionError,
    data,
    edge,
    edges,
    roles,
)
from workflows.fields import text

ALL = list(workflows.REGISTRY.values())

# Every definition as exported before the transition tables were written (``to_dict`` of each
# workflow, in registry order). Only deliberate changes may differ from it.
GOLDEN = Path(__file__).parent.parent / "data" / "workflow_definitions.json"


def test_five_processes_are_registered():
    assert workflows.names() == ["mediation", "wage_arrears", "legal_aid", "supervision", "hotline"]


@pytest.mark.parametrize("wf", ALL, ids=lambda w: w.name)
def test_every_state_is_reachable_from_the_initial_state(wf: Workflow):
    """From the initial state or a state a case may be opened in (``entries``)."""
    seen, todo = {wf.initial, *wf.entries}, [wf.initial, *wf.entries]
    while todo:
        s = todo.pop()
        for t in wf.transitions_from(s):
            if t.dest not in seen:
                seen.add(t.dest)
                todo.append(t.dest)
    assert seen == set(wf.states)


@pytest.mark.parametrize("wf", ALL, ids=lambda w: w.name)
def test_every_state_and_transition_has_chinese_and_english_labels(wf: Workflow):
    for s in wf.states.values():
        assert s.label_zh and s.label_en and s.label_zh != s.label_en
    for t in wf.transitions:
        assert t.label_zh and t.label_en and t.roles
    for r in wf.deadlines:
        assert r.citation and r.unit in UNITS and r.kind in KINDS


@pytest.mark.parametrize("wf", ALL, ids=lambda w: w.name)
def test_terminal_states_have_no_way_out_and_others_do(wf: Workflow):
    for name, s in wf.states.items():
        assert bool(wf.transitions_from(name)) != s.terminal, name


def test_statutory_rules_carry_the_law():
    mediation = workflows.get("mediation").rule("mediation_period")
    assert (mediation.days, mediation.unit) == (15, CALENDAR)
    assert mediation.citation == "劳动争议调解仲裁法 第十四条"
    assert mediation.runs_in == ("applied", "mediating")
    assert workflows.get("mediation").rule("arbitration_award").extendable_days == 15
    review = workflows.get("legal_aid").rule("review")
    assert review.days == 7 and review.pauses_in == ("materials_pending",)
    opinion = workflows.get("supervision").rule("opinion_letter_reply")
    assert (opinion.days, opinion.unit, opinion.configurable) == (15, WORKING, True)
    inspection = workflows.get("wage_arrears").rule("inspection_completion")
    assert (inspection.days, inspection.unit, inspection.extendable_days) == (60, WORKING, 30)


def test_powers_reserved_to_county_unions():
    assert (
        workflows.get("supervision")
        .transition_for("issue_suggestion_letter", "opinion_refused")
        .min_level
        == "county"
    )
    assert workflows.get("legal_aid").transition_for("grant", "applied").min_level == "county"
    assert (
        workflows.get("wage_arrears").transition_for("refer_criminal", "order_unpaid").min_level
        == "county"
    )


def test_a_contradictory_definition_is_refused_at_import_time():
    with pytest.raises(WorkflowDefinitionError, match="not defined"):
        Workflow(
            name="broken",
            prefix="BRK",
            label_zh="坏",
            label_en="broken",
            initial="a",
            states=[State("a", "甲", "a")],
            transitions=[Transition("go", ("a",), "nowhere", "去", "go", roles("caseworker"))],
        )
    with pytest.raises(WorkflowDefinitionError, match="no way out"):
        Workflow(
            name="stuck",
            prefix="STK",
            label_zh="卡",
            label_en="stuck",
            initial="a",
            states=[State("a", "甲", "a"), State("b", "乙", "b")],
            transitions=[Transition("go", ("a",), "b", "去", "go", roles("caseworker"))],
        )
    with pytest.raises(ValueError, match="unit"):
        DeadlineRule("x", "a", 1, "fortnights", HANDLING, "escalate", "c", "x", "x")


def test_export_has_the_documented_fields():
    for d in (wf.to_dict() for wf in ALL):
        assert {"name", "label_zh", "states", "transitions", "deadlines"} <= set(d)
        for s in d["states"]:
            assert {"name", "label_zh", "terminal"} <= set(s)
        for t in d["transitions"]:
            assert {"trigger", "source", "dest", "label_zh", "roles", "min_level"} <= set(t)
            assert t["min_level"] in (None, *LEVELS)
        for r in d["deadlines"]:
            assert {"state", "days", "unit", "citation", "on_expiry"} <= set(r)


@pytest.mark.parametrize("wf", ALL, ids=lambda w: w.name)
def test_mermaid_diagram_has_every_state_and_edge(wf: Workflow):
    text = wf.mermaid()
    assert text.startswith("stateDiagram-v2\n")
    assert f"[*] --> {wf.initial}" in text
    for name in wf.states:
        assert f" as {name}" in text
    for t in wf.transitions:
        for src in t.source:
            assert f"{src} --> {t.dest}: {t.label_zh} ({t.trigger})" in text


def test_one_machine_per_workflow_shared_by_all_cases():
    machines = [wf.machine for wf in ALL]
    assert len({id(m) for m in machines}) == 5
    for m in machines:
        assert m.models == []  # no case is ever registered (no leak, no slow-down)
        assert not m.auto_transitions


@pytest.mark.parametrize("wf", ALL, ids=lambda w: w.name)
def test_a_required_key_is_always_recorded(wf: Workflow):
    for t in wf.transitions:
        assert set(t.requires) <= set(t.records), t.trigger


def test_definitions_match_the_golden_export():
    """Definitions change only on purpose: a change shows here and in docs/workflows.md. After a
    deliberate change, rewrite the pinned export with
    ``python -m tests.unit.test_workflow_definitions`` and review its diff."""
    expected = json.loads(GOLDEN.read_text(encoding="utf-8"))
    actual = json.loads(json.dumps([wf.to_dict() for wf in ALL], ensure_ascii=False))
    assert [d["name"] for d in actual] == [d["name"] for d in expected]
    for got, want in zip(actual, expected, strict=True):
        assert len(got["transitions"]) == len(want["transitions"]), got["name"]
        for t_got, t_want in zip(got["transitions"], want["transitions"], strict=True):
            assert t_got == t_want, f"{got['name']}: {t_want['trigger']}"
        assert got == want, got["name"]


def test_a_transition_records_its_fields_and_requires_the_starred_ones():
    fields = data("reason*", "performance_due").fields
    t = Transition("go", ("a",), "b", "去", "go", roles("caseworker"), fields=fields)
    assert t.records == ("reason", "performance_due") and t.requires == ("reason",)
    assert t.field("performance_due").kind == "date" and t.field("nope") is None
    with pytest.raises(WorkflowDefinitionError, match="named twice"):
        Transition("go", ("a",), "b", "去", "go", roles("caseworker"), fields=fields + fields)


CW = roles("caseworker")
ALWAYS = Guard("always", "总是", "always", lambda ctx: True)


def test_a_table_row_becomes_a_transition():
    short, full = edges(
        ("go", "a", "b", "去", "go", CW),
        ("stop", ("a", "b"), "c", "停", "stop", CW, "county", data("reason*", "answer"), ALWAYS),
    )
    assert short == Transition("go", ("a",), "b", "去", "go", CW)
    assert full == Transition(
        "stop",
        ("a", "b"),
        "c",
        "停",
        "stop",
        CW,
        min_level="county",
        guards=(ALWAYS,),
        fields=data("reason*", "answer").fields,
    )
    assert edge("stop", "a", "c", "停", "stop", CW, guards=ALWAYS).guards == (ALWAYS,)
    assert edges(("go", "a", "b", "去", "go", CW, None, None, (ALWAYS, ALWAYS)))[0].guards == (
        ALWAYS,
        ALWAYS,
    )


@pytest.mark.parametrize(
    "row",
    [
        ("go", "a", "b", "去", CW),  # English label left out
        ("go", "a", "b", "去", "go", CW, None, data("reason"), ALWAYS, "extra"),
    ],
    ids=["too-short", "too-long"],
)
def test_a_row_of_the_wrong_arity_is_refused(row):
    with pytest.raises(
        WorkflowDefinitionError, match=r"transition row 2 .*expected \(trigger, from"
    ):
        edges(("ok", "a", "b", "好", "ok", CW), row)


def test_a_row_with_columns_in_the_wrong_place_is_refused():
    with pytest.raises(WorkflowDefinitionError, match="who must be a frozenset"):
        edges(("go", "a", "b", "去", "go", "caseworker"))
    with pytest.raises(WorkflowDefinitionError, match="min level must be a level"):
        edges(("go", "a", "b", "去", "go", CW, data("reason")))  # data in the level column
    with pytest.raises(WorkflowDefinitionError, match="guards must be a Guard"):
        edges(("go", "a", "b", "去", "go", CW, None, None, "always"))
    with pytest.raises(WorkflowDefinitionError, match="transition row 1"):
        edges(["go", "a", "b", "去", "go", CW])  # a list, not a row


def test_data_keys_star_the_required_ones():
    assert data() == data() and data().records == ()
    keys = data("agreement_claims*", "performance_due")
    assert keys.records == ("agreement_claims", "performance_due")
    assert keys.requires == ("agreement_claims",)
    with pytest.raises(WorkflowDefinitionError, match="distinct"):
        data("reason", "reason*")
    with pytest.raises(WorkflowDefinitionError, match="identifiers"):
        data("two words")
    with pytest.raises(WorkflowDefinitionError, match="not in workflows.fields.CATALOGUE"):
        data("no_such_key")
    own = text("note*", "说明", "note")
    assert data(own).requires == ("note",) and data(own).fields == (own,)


if (
    __name__ == "__main__"
):  # rewrite the pinned export (see test_definitions_match_the_golden_export)
    GOLDEN.write_text(
        json.dumps([wf.to_dict() for wf in ALL], ensure_ascii=False, indent=1, sort_keys=True)
        + "\n",
        encoding="utf-8",
    )


def test_a_clock_counted_from_a_recorded_date_needs_that_date_on_the_way_in():
    rule = DeadlineRule(
        name="period",
        state="b",
        days=15,
        unit="calendar",
        kind="statutory",
        on_expiry="notify",
        citation="法 第一条",
        label_zh="期限",
        label_en="period",
        starts_from="received_on",
    )
    states = [State("a", "甲", "a"), State("b", "乙", "b"), State("c", "丙", "c", terminal=True)]
    ok = edges(
        ("receive", "a", "b", "收到", "receive", CW, None, data("received_on*")),
        ("end", "b", "c", "结束", "end", CW),
    )
    wf = Workflow(
        name="t",
        prefix="T",
        label_zh="测",
        label_en="t",
        initial="a",
        states=states,
        transitions=ok,
        deadlines=[rule],
    )
    assert wf.to_dict()["deadlines"][0]["starts_from"] == "received_on"
    for entering in (data("received_on"), data("reason*"), None):
        bad = edges(
            ("receive", "a", "b", "收到", "receive", CW, None, entering),
            ("end", "b", "c", "结束", "end", CW),
        )
        with pytest.raises(WorkflowDefinitionError, match="without the required date"):
            Workflow(
                name="t",
                prefix="T",
                label_zh="测",
                label_en="t",
                initial="a",
                states=states,
                transitions=bad,
                deadlines=[rule],
            )
