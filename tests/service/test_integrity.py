"""Stale writes, atomicity, and no state machine built per case or per request."""

from __future__ import annotations

import threading

import pytest
import transitions
from sqlalchemy import func, select

import casework.cases.service as cases_mod
import workflows
from casework.cases.service import assign, comment, fire, link
from casework.core.errors import InvalidInput, NotPermitted, VersionConflict
from casework.models import Case, CaseEvent, User
from tests.helpers import get_case, new_case


def _events(rt, case_id):
    """Created, transition and assignment events (clock bookkeeping events not counted)."""
    with rt.reader() as uow:
        return uow.session.scalar(
            select(func.count())
            .select_from(CaseEvent)
            .where(CaseEvent.case_id == case_id, CaseEvent.kind.not_like("deadline%"))
        )


def test_a_stale_copy_cannot_overwrite_a_newer_write(rt, demo):
    """Session B read the case, session A changed it, B's write is refused (version_id_col)."""
    case = new_case(rt, demo, "mediation")
    actor = demo.actor("supervisor.tianhe")
    with rt.reader() as r:
        stale = get_case(r.session, case.id)  # B's copy, version 1
    won = fire(rt.uow(), case_id=case.id, trigger="accept", actor=actor)  # A wins
    assert won.version == stale.version + 1
    b = rt.uow()
    with b:
        mine = b.session.merge(stale, load=False)
        fire(b, case_id=mine.id, trigger="refuse", actor=actor, data={"reason": "重复申请"})
        with pytest.raises(VersionConflict):
            cases_mod.commit_or_conflict(b)
    with rt.reader() as uow:
        stored = get_case(uow.session, case.id)
        assert (stored.state, stored.version) == ("mediating", won.version)
    assert _events(rt, case.id) == 2


def test_two_open_sessions_one_wins_the_other_gets_a_version_conflict(rt, demo):
    if rt.engine.dialect.name != "postgresql":
        pytest.skip(
            "SQLite serialises writers (BEGIN IMMEDIATE): two writing sessions cannot "
            "interleave there; the stale-copy test covers it on SQLite"
        )
    case = new_case(rt, demo, "mediation")
    actor = demo.actor("supervisor.tianhe")
    a, b = rt.uow(), rt.uow()
    with a, b:
        case_a = get_case(a.session, case.id)
        case_b = get_case(b.session, case.id)
        fire(a, case_id=case_a.id, trigger="accept", actor=actor)
        a.commit()
        fire(b, case_id=case_b.id, trigger="refuse", actor=actor, data={"reason": "x"})
        with pytest.raises(VersionConflict):
            cases_mod.commit_or_conflict(b)
    with rt.reader() as uow:
        stored = get_case(uow.session, case.id)
        assert (stored.state, stored.version) == ("mediating", case.version + 1)
    assert _events(rt, case.id) == 2


def test_if_match_style_expected_version(rt, demo):
    case = new_case(rt, demo, "mediation")
    actor = demo.actor("supervisor.tianhe")
    with pytest.raises(VersionConflict) as err:
        fire(
            rt.uow(),
            case_id=case.id,
            trigger="accept",
            actor=actor,
            expected_version=case.version + 5,
        )
    assert err.value.details["current_version"] == case.version
    assert (
        fire(
            rt.uow(), case_id=case.id, trigger="accept", actor=actor, expected_version=case.version
        ).version
        == case.version + 1
    )


def test_concurrent_threads_exactly_one_write_per_version(rt, demo):
    case = new_case(rt, demo, "mediation")
    actor = demo.actor("supervisor.tianhe")
    results: list[str] = []
    barrier = threading.Barrier(4)

    def worker(i: int) -> None:
        barrier.wait()
        try:
            fire(
                rt.uow(),
                case_id=case.id,
                trigger="accept",
                actor=actor,
                expected_version=case.version,
            )
            results.append("ok")
        except VersionConflict:
            results.append("conflict")
        except Exception as exc:  # a transition already made is also a refusal
            results.append(type(exc).__name__)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results.count("ok") == 1, results
    assert all(r in ("conflict", "TransitionNotAllowed") for r in results if r != "ok"), results
    assert _events(rt, case.id) == 2


def test_a_failure_after_the_trigger_leaves_state_and_history_unchanged(rt, demo, monkeypatch):
    case = new_case(rt, demo, "mediation")
    actor = demo.actor("supervisor.tianhe")

    def boom(*a, **kw):
        raise RuntimeError("disk full")

    monkeypatch.setattr(cases_mod, "record", boom)
    with pytest.raises(RuntimeError):
        fire(rt.uow(), case_id=case.id, trigger="accept", actor=actor)
    monkeypatch.undo()
    with rt.reader() as uow:
        stored = get_case(uow.session, case.id)
        assert (stored.state, stored.version, stored.event_seq) == (
            "applied",
            case.version,
            case.event_seq,
        )
    assert _events(rt, case.id) == 1


def test_a_failure_later_in_the_same_unit_of_work_rolls_the_trigger_back(rt, demo):
    case = new_case(rt, demo, "wage_arrears")
    actor = demo.actor("supervisor.tianhe")
    uow = rt.uow()
    with pytest.raises(ZeroDivisionError), uow:
        c = get_case(uow.session, case.id)
        fire(uow, case_id=c.id, trigger="verify", actor=actor)
        uow.session.flush()  # the UPDATE and the event INSERT reached the database ...
        raise ZeroDivisionError("a later step of the use case fails")
    with rt.reader() as r:
        stored = get_case(r.session, case.id)
        assert (stored.state, stored.version) == ("registered", case.version)
    assert _events(rt, case.id) == 1


def test_assignment_is_recorded_and_versioned(rt, demo):
    case = new_case(rt, demo, "mediation", unit="TH-SP-ACME", actor="caseworker.acme")
    with rt.reader() as uow:
        user_id = uow.session.scalar(select(User.id).where(User.username == "caseworker.acme"))
        other_id = uow.session.scalar(select(User.id).where(User.username == "caseworker.shipai"))
    after = assign(
        rt.uow(), case_id=case.id, user_id=user_id, actor=demo.actor("supervisor.tianhe")
    )
    assert after.assignee_id == user_id and after.version == case.version + 1

    with pytest.raises(InvalidInput):  # not a member of the owning unit
        assign(rt.uow(), case_id=case.id, user_id=other_id, actor=demo.actor("supervisor.tianhe"))
    with pytest.raises(VersionConflict):
        assign(
            rt.uow(),
            case_id=case.id,
            user_id=user_id,
            actor=demo.actor("supervisor.tianhe"),
            expected_version=case.version,
        )


def test_no_state_machine_is_built_per_case_or_per_request(rt, demo, monkeypatch):
    built = []
    original = transitions.Machine.__init__

    def counting_init(self, *a, **kw):
        built.append(1)
        original(self, *a, **kw)

    monkeypatch.setattr(transitions.Machine, "__init__", counting_init)
    actor = demo.actor("supervisor.tianhe")
    for _ in range(20):
        case = new_case(rt, demo, "hotline")
        fire(
            rt.uow(),
            case_id=case.id,
            trigger="dispatch",
            actor=actor,
            data={"org_unit_id": case.org_unit_id},
        )
        fire(rt.uow(), case_id=case.id, trigger="accept", actor=actor)
    assert built == []

    assert all(wf.machine.models == [] for wf in workflows.REGISTRY.values())


def test_case_references_count_per_process_and_year(rt, demo):
    refs = [new_case(rt, demo, "mediation").ref for _ in range(3)] + [
        new_case(rt, demo, "legal_aid").ref
    ]
    year = refs[0].split("-")[1]
    assert refs == [
        f"MED-{year}-000001",
        f"MED-{year}-000002",
        f"MED-{year}-000003",
        f"AID-{year}-000001",
    ]
    with rt.reader() as uow:
        assert uow.session.scalar(select(func.count()).select_from(Case)) == 4


def test_a_wage_arrears_case_spawns_a_linked_supervision_case(rt, demo):

    parent = new_case(rt, demo, "wage_arrears", unit="TH-SP", actor="caseworker.shipai")
    child = link(
        rt.uow(),
        parent_id=parent.id,
        actor=demo.actor("caseworker.shipai"),
        workflow="supervision",
        summary="拒不支付，启动一函两书",
    )
    assert (
        child.parent_id == parent.id and child.ref.startswith("SUP-") and child.state == "reported"
    )
    assert (child.org_unit_id, child.employer_id, child.worker_count) == (
        parent.org_unit_id,
        parent.employer_id,
        parent.worker_count,
    )
    with rt.reader() as uow:
        kinds = list(
            uow.session.scalars(
                select(CaseEvent.kind)
                .where(CaseEvent.case_id == parent.id, CaseEvent.kind.not_like("deadline%"))
                .order_by(CaseEvent.seq)
            )
        )
        assert kinds == ["created", "linked"]
        created = uow.session.scalars(
            select(CaseEvent).where(CaseEvent.case_id == child.id, CaseEvent.kind == "created")
        ).one()
        assert created.data["parent"] == parent.ref
    with pytest.raises(InvalidInput):  # mediation does not spawn wage arrears
        med = new_case(rt, demo, "mediation", unit="TH-SP", actor="caseworker.shipai")
        link(
            rt.uow(),
            parent_id=med.id,
            actor=demo.actor("caseworker.shipai"),
            workflow="wage_arrears",
        )
    with pytest.raises(NotPermitted):
        comment(rt.uow(), case_id=parent.id, text="审计意见", actor=demo.actor("auditor"))
