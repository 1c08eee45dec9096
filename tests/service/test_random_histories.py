"""Random trigger sequences (hypothesis, rule-based): the state is always a defined one, the
history replays to it, and the hash chain verifies."""

from __future__ import annotations

import hypothesis.strategies as st
from hypothesis import HealthCheck, settings
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule
from sqlalchemy import select

import workflows
from casework.cases.service import fire, open_case
from casework.core.errors import DomainError
from casework.history import replay_state, verify_case
from casework.models import CaseEvent
from tests.helpers import get_case, good_data
from workflows.base import SYSTEM

WORKFLOWS = workflows.names()


def test_random_trigger_sequences_keep_state_and_history_consistent(rt, demo):
    actor = demo.actor("supervisor.tianhe")
    system = demo.actor("system")
    owner = demo.unit("TH").id
    employer = demo.employer("建筑").id

    class CaseLife(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.cases: list[tuple[int, str]] = []

        @rule(workflow=st.sampled_from(WORKFLOWS))
        def open(self, workflow):
            case = open_case(
                rt.uow(),
                actor=actor,
                workflow=workflow,
                org_unit_id=owner,
                employer_id=employer,
                worker_count=12,
                amount_claimed="50000",
            )
            self.cases.append((case.id, workflow))

        @precondition(lambda self: self.cases)
        @rule(data=st.data(), with_good_data=st.booleans())
        def fire_something(self, data, with_good_data):
            case_id, workflow = data.draw(st.sampled_from(self.cases))
            wf = workflows.get(workflow)
            trigger = data.draw(st.sampled_from(wf.triggers))
            roles = next(t.roles for t in wf.transitions if t.trigger == trigger)
            who = system if roles == {SYSTEM} else actor
            payload = good_data(workflow, trigger) if with_good_data else {}
            with rt.reader() as uow:
                before = get_case(uow.session, case_id)
            try:
                after = fire(rt.uow(), case_id=case_id, trigger=trigger, actor=who, data=payload)
            except DomainError:
                with rt.reader() as uow:
                    again = get_case(uow.session, case_id)
                assert (again.state, again.version) == (before.state, before.version)
            else:
                t = wf.transition_for(trigger, before.state)
                assert t is not None and after.state == t.dest

        @invariant()
        def consistent(self):
            with rt.reader() as uow:
                for case_id, workflow in self.cases:
                    wf = workflows.get(workflow)
                    case = get_case(uow.session, case_id)
                    assert case.state in wf.states
                    events = uow.session.scalars(
                        select(CaseEvent)
                        .where(CaseEvent.case_id == case_id)
                        .order_by(CaseEvent.seq)
                    ).all()
                    assert replay_state(wf.initial, events) == case.state
                    assert verify_case(uow, case) is None
                    assert (case.closed_at is not None) == wf.is_terminal(case.state)

    CaseLife.TestCase.settings = settings(
        max_examples=12,
        stateful_step_count=25,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        database=None,
    )
    CaseLife.TestCase().runTest()
