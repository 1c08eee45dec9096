"""Every transition of every workflow: allowed from each source, refused otherwise, with why."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest
from sqlalchemy import select

import workflows
from casework.cases.rules import allowed_triggers
from casework.cases.service import fire
from casework.core.errors import (
    GuardRefused,
    InvalidInput,
    LevelTooLow,
    NotFound,
    NotPermitted,
    TransitionNotAllowed,
    UnknownTrigger,
)
from casework.core.time import local_date
from casework.models import CaseEvent
from tests.helpers import force_state, get_case, good_data, good_facts, new_case, unmet_order
from workflows.base import MERGE_TRIGGER, SYSTEM

EDGES = [
    (wf.name, t.trigger, src)
    for wf in workflows.REGISTRY.values()
    for t in wf.transitions
    for src in t.source
]
ELSEWHERE = list(
    dict.fromkeys(
        (wf.name, t.trigger, next(s for s in wf.states if wf.transition_for(t.trigger, s) is None))
        for wf in workflows.REGISTRY.values()
        for t in wf.transitions
    )
)
LEVELLED = [
    (wf.name, t.trigger, t.source[0], t.min_level)
    for wf in workflows.REGISTRY.values()
    for t in wf.transitions
    if t.min_level
]


def _actor_for(demo, roles, above=False):
    if roles == {SYSTEM}:
        return demo.actor("system")
    # A step decided above the unit holding the case (TH) is taken by its parent's supervisor.
    return demo.actor("supervisor.guangzhou" if above else "supervisor.tianhe")


@pytest.mark.parametrize(("workflow", "trigger", "source"), EDGES, ids=lambda v: str(v))
def test_transition_fires_from_each_source(rt, demo, workflow, trigger, source):
    wf = workflows.get(workflow)
    t = wf.transition_for(trigger, source)
    case = new_case(rt, demo, workflow)
    force_state(rt, case.id, source, attributes=good_facts(workflow, trigger))
    actor = _actor_for(demo, t.roles, t.by_unit_above)
    data = good_data(workflow, trigger, source)
    if t.moves_to:  # 派单: to the unit the case is at (any unit in the actor's subtree would do)
        data[t.moves_to] = case.org_unit_id
    after = fire(rt.uow(), case_id=case.id, trigger=trigger, actor=actor, data=data, comment="测试")
    assert after.state == t.dest
    with rt.reader() as uow:
        stored = get_case(uow.session, case.id)
        assert stored.state == t.dest
        assert stored.version == case.version + 1
        ev = uow.session.scalars(
            select(CaseEvent)
            .where(CaseEvent.case_id == case.id, CaseEvent.kind == "transition")
            .order_by(CaseEvent.seq.desc())
        ).first()
        assert (ev.kind, ev.from_state, ev.to_state, ev.trigger) == (
            "transition",
            source,
            t.dest,
            trigger,
        )
        assert ev.actor == actor.username and ev.data.get("comment") == "测试"
        for key in t.records:
            if key in data:
                assert stored.attributes[key] == data[key]
        assert (stored.closed_at is not None) == wf.is_terminal(t.dest)


@pytest.mark.parametrize(("workflow", "trigger", "state"), ELSEWHERE, ids=lambda v: str(v))
def test_transition_refused_from_other_states_naming_the_valid_ones(
    rt, demo, workflow, trigger, state
):
    wf = workflows.get(workflow)
    case = new_case(rt, demo, workflow)
    force_state(rt, case.id, state)
    t = wf.transitions[[x.trigger for x in wf.transitions].index(trigger)]
    with pytest.raises(TransitionNotAllowed) as err:
        fire(
            rt.uow(),
            case_id=case.id,
            trigger=trigger,
            actor=_actor_for(demo, t.roles, t.by_unit_above),
            data=good_data(workflow, trigger),
        )
    valid = [x.trigger for x in wf.transitions_from(state) if x.trigger != MERGE_TRIGGER]
    assert err.value.details["allowed"] == valid
    assert state in err.value.message_en
    for v in valid:
        assert v in err.value.message_zh
    with rt.reader() as uow:
        stored = get_case(uow.session, case.id)
        assert (stored.state, stored.version) == (state, case.version)


@pytest.mark.parametrize(("workflow", "trigger", "source", "level"), LEVELLED, ids=lambda v: str(v))
def test_minimum_org_level_is_enforced_and_named(rt, demo, workflow, trigger, source, level):
    case = new_case(rt, demo, workflow, unit="TH-SP")  # a township federation
    force_state(rt, case.id, source)
    with pytest.raises(LevelTooLow) as err:
        fire(
            rt.uow(),
            case_id=case.id,
            trigger=trigger,
            actor=demo.actor("supervisor.tianhe"),
            data=good_data(workflow, trigger),
        )
    assert err.value.details["min_level"] == level
    assert level in err.value.message_en and "县（区）总工会" in err.value.message_zh


def test_unknown_trigger_lists_the_valid_ones(rt, demo):
    case = new_case(rt, demo, "mediation")
    with pytest.raises(UnknownTrigger) as err:
        fire(rt.uow(), case_id=case.id, trigger="teleport", actor=demo.actor("supervisor.tianhe"))
    assert err.value.details["allowed"] == ["accept", "refuse", "expire", "withdraw"]


def test_roles_and_scope_decide_who_may_fire(rt, demo):
    case = new_case(rt, demo, "mediation", unit="TH-SP-ACME", actor="caseworker.acme")
    # a caseworker of another unit, an auditor, the hotline operator: not theirs to act on
    for who in ("caseworker.shipai", "auditor", "hotline", "caseworker.nanhuaxi"):
        with pytest.raises((NotPermitted, Exception)) as err:
            fire(rt.uow(), case_id=case.id, trigger="accept", actor=demo.actor(who))
        assert err.type.__name__ in ("NotPermitted", "NotFound"), who
    # the unit's own caseworker may, and so may a supervisor above it
    assert (
        fire(rt.uow(), case_id=case.id, trigger="accept", actor=demo.actor("caseworker.acme")).state
        == "mediating"
    )
    other = new_case(rt, demo, "mediation", unit="TH-SP-ACME", actor="caseworker.acme")
    assert (
        fire(
            rt.uow(), case_id=other.id, trigger="accept", actor=demo.actor("supervisor.tianhe")
        ).state
        == "mediating"
    )


def test_not_permitted_says_which_roles(rt, demo):
    case = new_case(rt, demo, "legal_aid", unit="TH")
    force_state(rt, case.id, "objection_review")
    # supervisor.tianhe also holds 'caseworker': make a caseworker-only actor at the same unit
    caseworker_only = replace(demo.actor("supervisor.tianhe"), roles=frozenset({"caseworker"}))
    with pytest.raises(NotPermitted) as err:
        fire(rt.uow(), case_id=case.id, trigger="uphold_objection", actor=caseworker_only)
    assert err.value.details["roles"] == ["supervisor"]
    assert "supervisor" in err.value.message_zh


def test_system_only_transitions_are_refused_to_people(rt, demo):
    case = new_case(rt, demo, "mediation")
    with pytest.raises(NotPermitted):
        fire(rt.uow(), case_id=case.id, trigger="expire", actor=demo.actor("supervisor.tianhe"))
    assert (
        fire(rt.uow(), case_id=case.id, trigger="expire", actor=demo.actor("system")).state
        == "failed"
    )


def test_a_caseworker_outside_the_subtree_does_not_learn_the_case_exists(rt, demo):

    case = new_case(rt, demo, "wage_arrears", unit="TH-SP", actor="caseworker.shipai")
    with pytest.raises(NotFound):
        fire(rt.uow(), case_id=case.id, trigger="verify", actor=demo.actor("caseworker.nanhuaxi"))


def test_required_data_is_named(rt, demo):
    case = new_case(rt, demo, "mediation")
    with pytest.raises(InvalidInput) as err:
        fire(
            rt.uow(),
            case_id=case.id,
            trigger="refuse",
            actor=demo.actor("supervisor.tianhe"),
            data={"reason": "  "},
        )
    assert err.value.field == "reason"


# -- guards ----------------------------------------------------------------------------------


def _refused(rt, demo, workflow, state, trigger, data, error=GuardRefused, facts=None, **case_kw):
    case = new_case(rt, demo, workflow, **case_kw)
    force_state(rt, case.id, state, attributes=facts)
    with pytest.raises(error) as err:
        fire(
            rt.uow(),
            case_id=case.id,
            trigger=trigger,
            actor=demo.actor("supervisor.tianhe"),
            data=data,
        )
    with rt.reader() as uow:
        assert get_case(uow.session, case.id).state == state
    return err.value


def _passes(rt, demo, workflow, state, trigger, data, facts=None, **case_kw):
    case = new_case(rt, demo, workflow, **case_kw)
    force_state(rt, case.id, state, attributes=facts)
    return fire(
        rt.uow(), case_id=case.id, trigger=trigger, actor=demo.actor("supervisor.tianhe"), data=data
    ).state


def _signed_and_breached(rt, demo, claims):
    case = new_case(rt, demo, "mediation")
    steps = [
        ("accept", {}),
        ("sign_agreement", {"agreement_claims": claims, "performance_due": "2026-12-31"}),
        ("report_breach", {}),
    ]
    for trigger, data in steps:
        fire(
            rt.uow(),
            case_id=case.id,
            trigger=trigger,
            actor=demo.actor("supervisor.tianhe"),
            data=data,
        )
    return case


def test_payment_order_only_for_wage_injury_severance_or_damages(rt, demo):
    case = _signed_and_breached(rt, demo, ["working_time"])
    with pytest.raises(GuardRefused) as err:
        fire(
            rt.uow(),
            case_id=case.id,
            trigger="apply_payment_order",
            actor=demo.actor("supervisor.tianhe"),
        )
    assert err.value.details["guard"] == "payment_order_eligible"
    assert "第十六条" in err.value.message_zh
    case = _signed_and_breached(rt, demo, ["经济补偿"])  # the 中文 label is accepted as the code
    done = fire(
        rt.uow(),
        case_id=case.id,
        trigger="apply_payment_order",
        actor=demo.actor("supervisor.tianhe"),
    )
    assert done.state == "payment_order_applied"
    assert done.attributes["agreement_claims"] == ["severance"]


def test_agreement_claims_are_checked_when_the_agreement_is_signed(rt, demo):
    """A wrong claim is refused at signing, while the agreement can still be fixed, not when a
    payment order is sought after the breach."""
    case = new_case(rt, demo, "mediation")
    fire(rt.uow(), case_id=case.id, trigger="accept", actor=demo.actor("supervisor.tianhe"))
    with pytest.raises(InvalidInput) as err:
        fire(
            rt.uow(),
            case_id=case.id,
            trigger="sign_agreement",
            actor=demo.actor("supervisor.tianhe"),
            data={"agreement_claims": ["overtime_rest"]},
        )
    assert err.value.field == "agreement_claims" and "拖欠劳动报酬" in err.value.reason_zh
    with rt.reader() as uow:
        assert get_case(uow.session, case.id).state == "mediating"


def test_payment_order_guard_reads_what_the_agreement_recorded(rt, demo):
    case = new_case(rt, demo, "mediation")
    force_state(rt, case.id, "mediating")
    actor = demo.actor("supervisor.tianhe")
    fire(
        rt.uow(),
        case_id=case.id,
        trigger="sign_agreement",
        actor=actor,
        data={"agreement_claims": ["injury_medical"], "performance_due": "2026-12-31"},
    )
    fire(rt.uow(), case_id=case.id, trigger="report_breach", actor=actor)
    assert (
        fire(rt.uow(), case_id=case.id, trigger="apply_payment_order", actor=actor).state
        == "payment_order_applied"
    )


def test_criminal_referral_needs_the_provincial_threshold(rt, demo):
    # The union asks 人社 to transfer the case once an order to pay went unmet (the order is
    # recorded); the threshold is the province's (national floor by default).
    order = unmet_order()
    err = _refused(
        rt,
        demo,
        "wage_arrears",
        "order_unpaid",
        "refer_criminal",
        {"months_in_arrears": 2},
        facts=order,
        worker_count=1,
        amount_claimed="4000",
    )
    assert err.details["guard"] == "criminal_threshold" and "立案标准" in err.message_zh
    assert (
        _passes(
            rt,
            demo,
            "wage_arrears",
            "order_unpaid",
            "refer_criminal",
            {"months_in_arrears": 3},
            facts=order,
            worker_count=1,
            amount_claimed="5000",
        )
        == "criminal_transfer_requested"
    )
    assert (
        _passes(
            rt,
            demo,
            "wage_arrears",
            "compensation_ordered",
            "refer_criminal",
            {},
            facts=order,
            worker_count=10,
            amount_claimed="30000",
        )
        == "criminal_transfer_requested"
    )
    _refused(
        rt,
        demo,
        "wage_arrears",
        "order_unpaid",
        "refer_criminal",
        {},
        facts=order,
        worker_count=9,
        amount_claimed="29999.99",
    )


def test_means_test_with_the_migrant_worker_exemption(rt, demo):
    err = _refused(
        rt, demo, "legal_aid", "applied", "grant", {"migrant_worker": False, "claim_type": "wages"}
    )
    assert "第四十二条" in err.message_zh
    _refused(
        rt, demo, "legal_aid", "applied", "grant", {"migrant_worker": True, "claim_type": "other"}
    )
    bad = _refused(
        rt,
        demo,
        "legal_aid",
        "applied",
        "grant",
        {"migrant_worker": True, "claim_type": "discrimination"},
        error=InvalidInput,
    )
    assert bad.field == "claim_type"
    assert (
        _passes(
            rt,
            demo,
            "legal_aid",
            "applied",
            "grant",
            {"migrant_worker": True, "claim_type": "work_injury"},
        )
        == "granted"
    )
    assert (
        _passes(rt, demo, "legal_aid", "applied", "grant", {"means_test_passed": True}) == "granted"
    )


def test_early_aid_only_when_fewer_than_seven_days_remain(rt, demo):

    far = (local_date() + dt.timedelta(days=7)).isoformat()
    near = (local_date() + dt.timedelta(days=6)).isoformat()
    err = _refused(rt, demo, "legal_aid", "applied", "provide_early_aid", {"limitation_date": far})
    assert "第四十四条" in err.message_zh
    assert (
        _passes(rt, demo, "legal_aid", "applied", "provide_early_aid", {"limitation_date": near})
        == "early_aid"  # aid runs while the applicant completes the formalities (第四十四条)
    )
    bad = _refused(
        rt,
        demo,
        "legal_aid",
        "applied",
        "provide_early_aid",
        {"limitation_date": "not-a-date"},
        error=InvalidInput,
    )
    assert bad.field == "limitation_date" and "YYYY-MM-DD" in bad.reason_zh


def test_termination_needs_a_statutory_ground(rt, demo):
    err = _refused(
        rt, demo, "legal_aid", "handling", "terminate", {"ground": "too_busy"}, error=InvalidInput
    )
    assert err.field == "ground" and "自行委托律师或者其他代理人" in err.reason_zh
    ground = {"ground": "受援人有正当理由要求终止法律援助"}
    done = _passes(rt, demo, "legal_aid", "handling", "terminate", ground)
    assert done == "termination_decided"  # open to an objection (第四十九条)


def test_investigation_needs_two_supervisors(rt, demo):
    err = _refused(
        rt, demo, "supervision", "reported", "start_investigation", {"investigators": ["甲", "甲"]}
    )
    assert "两名以上" in err.message_zh
    _refused(rt, demo, "supervision", "reported", "start_investigation", {"investigators": "甲,乙"})


def test_procuratorate_referral_needs_a_group_dispute_on_wages_or_insurance(rt, demo):
    data = {"subject": "social_insurance", "employer_uncooperative": True}
    _refused(
        rt, demo, "supervision", "opinion_refused", "refer_to_procuratorate", data, worker_count=3
    )
    _refused(
        rt,
        demo,
        "supervision",
        "opinion_refused",
        "refer_to_procuratorate",
        {**data, "subject": "working_time"},
    )
    bad = _refused(
        rt,
        demo,
        "supervision",
        "opinion_refused",
        "refer_to_procuratorate",
        {**data, "subject": "overtime"},
        error=InvalidInput,
    )
    assert bad.field == "subject"
    assert (
        _passes(rt, demo, "supervision", "opinion_refused", "refer_to_procuratorate", data)
        == "procuratorate_referred"
    )


def test_callback_records_satisfaction(rt, demo):
    err = _refused(
        rt,
        demo,
        "hotline",
        "result_reported",
        "complete_callback",
        {"satisfaction": "meh"},
        error=InvalidInput,
    )
    assert err.field == "satisfaction" and "基本满意" in err.reason_zh
    assert (
        _passes(
            rt, demo, "hotline", "result_reported", "complete_callback", {"satisfaction": "满意"}
        )
        == "closed"
    )


# -- what a client is offered ----------------------------------------------------------------


def test_allowed_triggers_follow_state_role_level_and_guards(rt, demo):
    case = new_case(rt, demo, "mediation", unit="TH-SP-ACME", actor="caseworker.acme")
    with rt.reader() as uow:
        c = get_case(uow.session, case.id)
        names = [
            o.trigger
            for o in allowed_triggers(
                c, demo.actor("caseworker.acme"), guard_settings={}, today=local_date()
            )
        ]
        assert names == ["accept", "refuse", "withdraw"]  # not the system-only 'expire'
        assert (
            allowed_triggers(c, demo.actor("auditor"), guard_settings={}, today=local_date()) == []
        )
        assert (
            allowed_triggers(
                c, demo.actor("caseworker.shipai"), guard_settings={}, today=local_date()
            )
            == []
        )
    susp = new_case(rt, demo, "supervision", unit="TH-SP", actor="caseworker.shipai")
    force_state(rt, susp.id, "opinion_refused")
    with rt.reader() as uow:
        c = get_case(uow.session, susp.id)
        names = [
            o.trigger
            for o in allowed_triggers(
                c, demo.actor("caseworker.shipai"), guard_settings={}, today=local_date()
            )
        ]
        assert "issue_suggestion_letter" not in names  # township: below county
        assert names == ["close"]
    breached = new_case(rt, demo, "mediation", attributes={"agreement_claims": ["overtime_rest"]})
    force_state(rt, breached.id, "breached")
    with rt.reader() as uow:
        c = get_case(uow.session, breached.id)
        names = [
            o.trigger
            for o in allowed_triggers(
                c, demo.actor("supervisor.tianhe"), guard_settings={}, today=local_date()
            )
        ]
        assert "apply_payment_order" not in names and "refer_to_arbitration" in names


def test_events_are_ordered_per_case(rt, demo):
    case = new_case(rt, demo, "hotline")
    actor = demo.actor("supervisor.tianhe")
    steps = [
        ("dispatch", {"org_unit_id": case.org_unit_id}),
        ("accept", {}),
        ("report_result", {"result": "好"}),
    ]
    for trig, data in steps:
        fire(rt.uow(), case_id=case.id, trigger=trig, actor=actor, data=data)
    with rt.reader() as uow:
        seqs = list(
            uow.session.scalars(
                select(CaseEvent.seq).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id)
            )
        )
        assert seqs == list(range(1, len(seqs) + 1))
        kinds = list(
            uow.session.scalars(
                select(CaseEvent.kind)
                .where(CaseEvent.case_id == case.id, CaseEvent.kind.in_(["created", "transition"]))
                .order_by(CaseEvent.seq)
            )
        )
        assert kinds == ["created", "transition", "transition", "transition"]
