"""Who may do what outside the workflow steps: one table, one ``require``; and the pure check
chain of a trigger, on objects built in memory (no database)."""

from __future__ import annotations

import datetime as dt

import pytest

from casework.cases.rules import allowed_triggers, check_fire
from casework.core.errors import (
    InvalidInput,
    LevelTooLow,
    NotPermitted,
    TransitionNotAllowed,
    UnknownTrigger,
)
from casework.models import Case, OrgUnit
from casework.people.access import PERMISSIONS, SYSTEM_ACTOR, Actor, may, require

COUNTY = OrgUnit(id=3, code="TH", name="天河区总工会", level="county", path="/1/2/3/")
TOWNSHIP = OrgUnit(id=5, code="TH-SP", name="石牌街道总工会", level="township", path="/1/2/3/5/")
OTHER = OrgUnit(id=4, code="HZ", name="海珠区总工会", level="county", path="/1/2/4/")


def actor(roles: str, unit: OrgUnit, user_id: int = 7) -> Actor:
    return Actor(
        user_id, f"user{user_id}", frozenset(roles.split()), unit.id, unit.path, unit.level
    )


def case_at(unit: OrgUnit, workflow: str = "supervision", state: str = "investigating") -> Case:
    return Case(
        id=1, ref="SUP-2026-000001", workflow=workflow, state=state, org_unit_id=unit.id,
        org_unit=unit, origin_org_unit_id=unit.id, origin_org_unit=unit, worker_count=1,
        collective=False, mass_incident=False, complexity="normal", attributes={},
        created_by_id=99,
    )  # fmt: skip


def test_every_act_names_its_roles_and_says_why_it_refuses():
    for act, rule in PERMISSIONS.items():
        assert rule.roles, act
        assert rule.refused_zh and rule.refused_en and rule.refused_zh != rule.refused_en, act


def test_case_acts_use_the_roles_held_on_that_case():
    case = case_at(TOWNSHIP)
    assert may(actor("caseworker", TOWNSHIP), "comment", case)
    assert not may(actor("caseworker", COUNTY), "comment", case)  # not their unit's case
    assert may(actor("supervisor", COUNTY), "take_over", case)  # a supervisor above it
    assert not may(actor("supervisor", OTHER), "take_over", case)  # another branch
    assert not may(actor("auditor", COUNTY), "comment", case)
    assert may(SYSTEM_ACTOR, "assign", case) and not may(SYSTEM_ACTOR, "reveal_pii", case)


def test_require_refuses_with_the_tables_words():
    with pytest.raises(NotPermitted) as err:
        require(actor("auditor", COUNTY), "create_user")
    assert err.value.message_zh == "只有管理员可以新建用户"
    with pytest.raises(NotPermitted) as err:
        require(actor("operator", TOWNSHIP), "issue_document", case_at(TOWNSHIP), kind_zh="意见书")
    assert err.value.message_zh == "只有承办单位的办案人员或上级主管可以发出意见书"
    require(actor("admin", COUNTY), "manage_calendar")  # allowed: no error


def test_the_check_chain_runs_in_order_without_a_database():
    today = dt.date(2026, 3, 2)
    worker = actor("caseworker", TOWNSHIP)
    case = case_at(TOWNSHIP)
    with pytest.raises(UnknownTrigger):
        check_fire(case, "teleport", worker, {}, guard_settings={}, today=today)
    with pytest.raises(TransitionNotAllowed):
        check_fire(case, "start_investigation", worker, {}, guard_settings={}, today=today)
    with pytest.raises(NotPermitted):  # the right trigger, but an auditor
        check_fire(case, "issue_tip_letter", actor("auditor", TOWNSHIP), {}, guard_settings={},
                   today=today)  # fmt: skip
    refused = case_at(TOWNSHIP, state="opinion_refused")
    with pytest.raises(NotPermitted):  # a 建议书 is signed by a chair, not any caseworker
        check_fire(refused, "issue_suggestion_letter", worker, {}, guard_settings={}, today=today)
    with pytest.raises(LevelTooLow):  # ... of a county federation or above
        check_fire(refused, "issue_suggestion_letter", actor("supervisor", TOWNSHIP), {},
                   guard_settings={}, today=today)  # fmt: skip
    closing = case_at(TOWNSHIP, state="procuratorate_referred")
    with pytest.raises(InvalidInput):  # close needs its outcome
        check_fire(closing, "close", worker, {}, guard_settings={}, today=today)
    t, recorded = check_fire(
        closing, "close", worker, {"outcome": " 已整改 "}, guard_settings={}, today=today
    )
    assert t.dest == "closed" and recorded == {"outcome": "已整改"}
    listed = [o.trigger for o in allowed_triggers(case, worker, guard_settings={}, today=today)]
    assert "issue_tip_letter" in listed and "issue_suggestion_letter" not in listed
