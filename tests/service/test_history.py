"""The hash-chained history, its verification (`casework audit verify`) and the generated
workflow reference."""

from __future__ import annotations

from sqlalchemy import delete, select, update

from casework.cases.service import comment, fire
from casework.cli.reference import workflows_markdown
from casework.history import event_hash, verify_all
from casework.models import Case, CaseEvent
from tests.conftest import ROOT
from tests.helpers import new_case, run_cli


def _case_with_history(rt, demo):
    case = new_case(rt, demo, "wage_arrears")
    actor = demo.actor("supervisor.tianhe")
    fire(rt.uow(), case_id=case.id, trigger="verify", actor=actor, data={"months_in_arrears": 2})
    comment(rt.uow(), case_id=case.id, text="已联系用人单位", actor=actor)
    return fire(rt.uow(), case_id=case.id, trigger="start_negotiation", actor=actor)


def test_an_untouched_history_verifies(rt, demo, db_url):
    case = _case_with_history(rt, demo)
    with rt.reader() as uow:
        assert verify_all(uow.session) == (1, [])
    out = run_cli(db_url, "audit", "verify", case.ref)
    assert out.returncode == 0, out.stderr
    assert "OK: 1 case histories verified" in out.stdout


def test_editing_one_stored_event_is_detected_and_named(rt, demo, db_url):
    case = _case_with_history(rt, demo)
    other = _case_with_history(rt, demo)
    with rt.engine.begin() as conn:  # someone edits the database behind the engine's back
        conn.execute(
            update(CaseEvent.__table__)
            .where(CaseEvent.__table__.c.case_id == case.id, CaseEvent.__table__.c.seq == 2)
            .values(data={"data": {"months_in_arrears": 0}})
        )
    out = run_cli(db_url, "audit", "verify")
    assert out.returncode == 1
    assert f"BROKEN {case.ref}: event #2" in out.stdout
    assert other.ref not in out.stdout
    assert run_cli(db_url, "audit", "verify", other.ref).returncode == 0


def test_rewriting_the_chain_or_deleting_the_newest_event_is_detected(rt, demo, db_url):
    case = _case_with_history(rt, demo)
    with rt.engine.begin() as conn:
        conn.execute(
            delete(CaseEvent.__table__).where(
                CaseEvent.__table__.c.case_id == case.id,
                CaseEvent.__table__.c.seq == case.event_seq,
            )
        )
    out = run_cli(db_url, "audit", "verify", case.ref)
    assert out.returncode == 1 and "events deleted" in out.stdout
    second = _case_with_history(rt, demo)
    with rt.engine.begin() as conn:  # change who acted
        conn.execute(
            update(CaseEvent.__table__)
            .where(CaseEvent.__table__.c.case_id == second.id, CaseEvent.__table__.c.seq == 3)
            .values(actor="someone.else")
        )
    out = run_cli(db_url, "audit", "verify", second.ref)
    assert out.returncode == 1 and f"{second.ref}: event #3" in out.stdout
    # a careful forger also recomputes the edited row's hash: the next row no longer links
    third = _case_with_history(rt, demo)
    with rt.reader() as uow:
        ev = uow.session.scalars(
            select(CaseEvent).where(CaseEvent.case_id == third.id, CaseEvent.seq == 2)
        ).one()
        forged = event_hash(
            prev_hash=ev.prev_hash,
            case_id=ev.case_id,
            seq=2,
            at=ev.at,
            actor_id=ev.actor_id,
            actor=ev.actor,
            kind=ev.kind,
            from_state=ev.from_state,
            to_state=ev.to_state,
            trigger=ev.trigger,
            data={"data": {"months_in_arrears": 0}},
        )
    with rt.engine.begin() as conn:
        conn.execute(
            update(CaseEvent.__table__)
            .where(CaseEvent.__table__.c.id == ev.id)
            .values(data={"data": {"months_in_arrears": 0}}, hash=forged)
        )
    out = run_cli(db_url, "audit", "verify", third.ref)
    assert (
        out.returncode == 1 and f"{third.ref}: event #3" in out.stdout and "prev_hash" in out.stdout
    )


def test_verify_an_unknown_case_is_an_error(rt, db_url):
    out = run_cli(db_url, "audit", "verify", "MED-2026-999999")
    assert out.returncode == 2 and "no case" in out.stderr


def test_history_hashes_chain_each_event_to_the_previous(rt, demo):
    case = _case_with_history(rt, demo)
    with rt.reader() as uow:
        evs = uow.session.scalars(
            select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.seq)
        ).all()
        stored = uow.session.get(Case, case.id)
    assert [e.kind for e in evs if not e.kind.startswith("deadline")] == [
        "created",
        "transition",
        "comment",
        "transition",
    ]
    assert evs[0].prev_hash == "0" * 64
    for prev, ev in zip(evs, evs[1:], strict=False):
        assert ev.prev_hash == prev.hash
    assert stored.last_hash == evs[-1].hash and stored.event_seq == len(evs) == evs[-1].seq


def test_the_workflow_reference_page_is_generated_from_the_code():

    page = (ROOT / "docs" / "workflows.md").read_text(encoding="utf-8")
    assert page == workflows_markdown(), (
        "regenerate: casework workflows --markdown > docs/workflows.md"
    )
