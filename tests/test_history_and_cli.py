"""The hash-chained history and the command line (run as real subprocesses)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from sqlalchemy import delete, select, update

from casework.cases import comment, fire
from casework.history import event_hash, verify_all
from casework.models import Case, CaseEvent
from tests.conftest import subprocess_env
from tests.helpers import new_case

CLI = str(Path(sys.executable).parent / "casework")


def run_cli(db_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [CLI, *args], env=subprocess_env(db_url), capture_output=True, text=True, timeout=120
    )


def _case_with_history(rt, demo):
    case = new_case(rt, demo, "wage_arrears")
    actor = demo.actor("supervisor.tianhe")
    fire(rt.uow(), case.id, "verify", actor=actor, data={"months_in_arrears": 2})
    comment(rt.uow(), case.id, "已联系用人单位", actor=actor)
    return fire(rt.uow(), case.id, "start_negotiation", actor=actor)


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
        conn.execute(delete(CaseEvent.__table__).where(CaseEvent.__table__.c.case_id == case.id, CaseEvent.__table__.c.seq == case.event_seq))
    out = run_cli(db_url, "audit", "verify", case.ref)
    assert out.returncode == 1 and "events deleted" in out.stdout
    second = _case_with_history(rt, demo)
    with rt.engine.begin() as conn:  # change who acted
        conn.execute(update(CaseEvent.__table__).where(CaseEvent.__table__.c.case_id == second.id, CaseEvent.__table__.c.seq == 3).values(actor="someone.else"))
    out = run_cli(db_url, "audit", "verify", second.ref)
    assert out.returncode == 1 and f"{second.ref}: event #3" in out.stdout
    # a careful forger also recomputes the edited row's hash: the next row no longer links
    third = _case_with_history(rt, demo)
    with rt.reader() as uow:
        ev = uow.session.scalars(select(CaseEvent).where(CaseEvent.case_id == third.id, CaseEvent.seq == 2)).one()
        forged = event_hash(prev_hash=ev.prev_hash, case_id=ev.case_id, seq=2, at=ev.at, actor_id=ev.actor_id,
                            actor=ev.actor, kind=ev.kind, from_state=ev.from_state, to_state=ev.to_state,
                            trigger=ev.trigger, data={"data": {"months_in_arrears": 0}})
    with rt.engine.begin() as conn:
        conn.execute(update(CaseEvent.__table__).where(CaseEvent.__table__.c.id == ev.id).values(data={"data": {"months_in_arrears": 0}}, hash=forged))
    out = run_cli(db_url, "audit", "verify", third.ref)
    assert out.returncode == 1 and f"{third.ref}: event #3" in out.stdout and "prev_hash" in out.stdout


def test_verify_an_unknown_case_is_an_error(rt, db_url):
    out = run_cli(db_url, "audit", "verify", "MED-2026-999999")
    assert out.returncode == 2 and "no case" in out.stderr


def test_history_hashes_chain_each_event_to_the_previous(rt, demo):
    case = _case_with_history(rt, demo)
    with rt.reader() as uow:
        evs = uow.session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.seq)).all()
        stored = uow.session.get(Case, case.id)
    assert [e.kind for e in evs if not e.kind.startswith("deadline")] == ["created", "transition", "comment", "transition"]
    assert evs[0].prev_hash == "0" * 64
    for prev, ev in zip(evs, evs[1:], strict=False):
        assert ev.prev_hash == prev.hash
    assert stored.last_hash == evs[-1].hash and stored.event_seq == len(evs) == evs[-1].seq


def test_init_is_idempotent_and_demo_loads_once(tmp_path):
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    first = run_cli(url, "init")
    assert first.returncode == 0 and "upgraded empty ->" in first.stdout
    again = run_cli(url, "init")
    assert again.returncode == 0 and "up to date" in again.stdout
    demo = run_cli(url, "demo")
    assert demo.returncode == 0 and "18 rows created" in demo.stdout
    assert "demonstrations only" in demo.stderr
    assert "nothing to do" in run_cli(url, "demo").stdout
    assert "not loaded" in run_cli(url, "demo", "--if-empty").stdout


def test_workflows_json_has_the_documented_shape():
    out = subprocess.run([CLI, "workflows", "--json"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0
    defs = json.loads(out.stdout)
    assert [d["name"] for d in defs] == ["mediation", "wage_arrears", "legal_aid", "supervision", "hotline"]
    med = defs[0]
    assert med["label_zh"] == "劳动争议调解"
    assert {"name": "performed", "label_zh": "协议已履行", "label_en": "agreement performed", "terminal": True} in med["states"]
    sign = next(t for t in med["transitions"] if t["trigger"] == "sign_agreement")
    assert sign["source"] == ["mediating"] and sign["dest"] == "agreement_signed" and sign["min_level"] is None
    assert set(sign["roles"]) == {"caseworker", "supervisor"}
    period = next(r for r in med["deadlines"] if r["name"] == "mediation_period")
    assert (period["state"], period["days"], period["unit"], period["on_expiry"]) == ("applied", 15, "calendar", "expire")
    sup = next(d for d in defs if d["name"] == "supervision")
    letter = next(t for t in sup["transitions"] if t["trigger"] == "issue_suggestion_letter")
    assert letter["min_level"] == "county"


def test_workflows_text_and_diagram():
    out = subprocess.run([CLI, "workflows"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0 and "劳动争议调解" in out.stdout and "第十四条" in out.stdout
    diag = subprocess.run([CLI, "diagram", "supervision"], capture_output=True, text=True, timeout=60)
    assert diag.returncode == 0 and diag.stdout.startswith("stateDiagram-v2\n")
    assert "opinion_refused --> suggestion_letter_issued: 向同级行政部门发出建议书 (issue_suggestion_letter)" in diag.stdout
    bad = subprocess.run([CLI, "diagram", "nope"], capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and "unknown workflow" in bad.stderr


def test_the_workflow_reference_page_is_generated_from_the_code():
    from casework.cli import workflows_markdown
    from tests.conftest import ROOT

    page = (ROOT / "docs" / "workflows.md").read_text(encoding="utf-8")
    assert page == workflows_markdown(), "regenerate: casework workflows --markdown > docs/workflows.md"
