"""Labour-relations early warning (劳动关系预警): the rules raise warnings on the events that can
change them, the disposition clock escalates an undisposed one, a disposition is recorded in the
employer's own chained history, and the nightly reconciliation finds nothing the incremental path
missed — on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest
from chinese_calendar.constants import holidays
from sqlalchemy import select, update

from casework.cases.service import fire
from casework.core import signals
from casework.core.errors import InvalidInput, NotFound, NotPermitted, TransitionNotAllowed
from casework.core.time import SHANGHAI
from casework.history import verify_employers
from casework.intake.service import CallerInput, EmployerInput, file_intake
from casework.models import (
    Case,
    Document,
    Employer,
    EmployerEvent,
    EmployerWarning,
    Notification,
)
from casework.people.service import report_employer_event
from casework.warnings import queries as wq
from casework.warnings.service import dispose, reconcile, set_rule, sweep_warnings
from tests.helpers import force_state, new_case, run_cli

BUILDER = "广州市某建筑劳务有限公司"
BUILDER_CODE = "91440106MA5BD00024"
# A Wednesday in June 2026, far from the Spring Festival, 10:00 in Guangzhou.
T0 = dt.datetime(2026, 6, 10, 10, 0, tzinfo=SHANGHAI).astimezone(dt.UTC)
PHONES = ["13800138001", "13800138002", "13800138003", "13800138004", "13800138005"]


def consult(rt, demo, i: int, at: dt.datetime, employer: str = BUILDER, code=BUILDER_CODE):
    """Co-worker ``i`` calls the 12351 hotline about the employer (a consultation)."""
    return file_intake(
        rt.uow(),
        actor=demo.actor("hotline"),
        caller=CallerInput(name=f"职工{i}", phone=PHONES[i]),
        employer=EmployerInput(name=employer, credit_code=code),
        category="consultation",
        answer="已告知依法维权途径。",
        now=at,
    )


def wage_call(rt, demo, i: int, at: dt.datetime, **kw):
    return file_intake(
        rt.uow(),
        actor=demo.actor("hotline"),
        caller=CallerInput(name=f"职工{i}", phone=PHONES[i]),
        employer=EmployerInput(name=BUILDER, credit_code=BUILDER_CODE),
        category="wage_arrears",
        worker_count=kw.pop("worker_count", 1),
        amount_claimed=kw.pop("amount_claimed", "3000"),
        description="拖欠工资",
        now=at,
        **kw,
    )


def warnings_of(rt, employer_id: int) -> list[EmployerWarning]:
    with rt.reader() as uow:
        rows = uow.session.scalars(
            select(EmployerWarning)
            .where(EmployerWarning.employer_id == employer_id)
            .order_by(EmployerWarning.id)
        ).all()
        for w in rows:
            _ = w.org_unit.code
        return list(rows)


def notices(rt, kind: str) -> list[Notification]:
    with rt.reader() as uow:
        return list(
            uow.session.scalars(
                select(Notification).where(Notification.kind == kind).order_by(Notification.id)
            )
        )


def employer_events(rt, employer_id: int) -> list[str]:
    with rt.reader() as uow:
        return list(
            uow.session.scalars(
                select(EmployerEvent.kind)
                .where(EmployerEvent.employer_id == employer_id)
                .order_by(EmployerEvent.seq)
            )
        )


def test_three_calls_in_thirty_days_raise_yellow_that_escalates_and_a_tip_letter_disposes(rt, demo):
    emp = demo.employer("建筑")
    consult(rt, demo, 0, T0)
    consult(rt, demo, 1, T0 + dt.timedelta(days=12))
    assert warnings_of(rt, emp.id) == []  # two calls are not yet a pattern
    third_at = T0 + dt.timedelta(days=25)
    consult(rt, demo, 2, third_at)

    [w] = warnings_of(rt, emp.id)
    assert (w.rule, w.level, w.status, w.raised_by) == ("hotline_calls", "yellow", "open", "event")
    assert w.evidence["calls"] == 3
    # The employer sits at Shipai street (TH-SP), competent for supervising it: its desk is told.
    assert w.org_unit.code == "TH-SP"
    # 黄: five working days from Sunday 5 July 2026: 6, 7, 8, 9, 10 July.
    assert w.due_on == dt.date(2026, 7, 10)
    raised = notices(rt, "warning_raised")
    assert [n.org_unit_id for n in raised] == [demo.unit("TH-SP").id]  # no supervisor there

    # A fourth call in the same window raises nothing more.
    consult(rt, demo, 3, third_at + dt.timedelta(days=1))
    assert len(warnings_of(rt, emp.id)) == 1

    # Nobody disposed of it: at the end of its last day the sweep escalates it one level.
    assert sweep_warnings(rt, now=w.due_at - dt.timedelta(minutes=1)).escalated == 0
    report = sweep_warnings(rt, now=w.due_at + dt.timedelta(minutes=1))
    assert report.escalated == 1
    [w2] = warnings_of(rt, emp.id)
    assert (w2.level, w2.escalations, w2.org_unit.code) == ("orange", 1, "TH")
    assert w2.due_on > w.due_on
    escalated = notices(rt, "warning_escalated")
    tianhe = demo.actor("supervisor.tianhe").user_id
    assert tianhe in {n.user_id for n in escalated}
    assert "橙色预警" in escalated[0].title
    # The sweep acts once: a second pass at the same time finds nothing due.
    assert sweep_warnings(rt, now=w.due_at + dt.timedelta(minutes=2)).escalated == 0

    # The prefilled 提示函: a supervision case is opened for the employer, investigated and the
    # tip letter issued on it, which disposes of the warning.
    at = w.due_at + dt.timedelta(hours=2)
    done = dispose(
        rt.uow(),
        actor=demo.actor("supervisor.tianhe"),
        warning_id=w.id,
        action="tip_letter",
        investigators=["李监督", "王监督"],
        now=at,
    )
    assert (done.status, done.disposition, done.disposed_on_time) == (
        "disposed",
        "tip_letter",
        False,
    )
    with rt.reader() as uow:
        case = uow.session.get(Case, done.case_id)
        doc = uow.session.scalars(select(Document).where(Document.case_id == case.id)).one()
        assert (case.workflow, case.state, case.employer_id) == (
            "supervision",
            "tip_letter_issued",
            emp.id,
        )
        assert (doc.kind, doc.addressee) == ("tip_letter", BUILDER)
    assert employer_events(rt, emp.id) == [
        "warning_raised",
        "warning_escalated",
        "warning_disposed",
    ]
    with rt.reader() as uow:
        checked, problems = verify_employers(uow)
    assert (checked, problems) == (1, [])

    # The nightly reconciliation on the same data finds nothing new.
    result = reconcile(rt, now=at + dt.timedelta(hours=12))
    assert result.employers >= 1
    assert result.raised == []
    assert len(warnings_of(rt, emp.id)) == 1

    # A disposed warning cannot be disposed of again.
    with pytest.raises(TransitionNotAllowed):
        dispose(
            rt.uow(),
            actor=demo.actor("supervisor.tianhe"),
            warning_id=w.id,
            action="dismiss",
            note="重复处置",
        )


def test_calls_outside_the_window_do_not_count(rt, demo):
    emp = demo.employer("建筑")
    consult(rt, demo, 0, T0)
    consult(rt, demo, 1, T0 + dt.timedelta(days=20))
    consult(rt, demo, 2, T0 + dt.timedelta(days=31))
    assert warnings_of(rt, emp.id) == []


def test_the_reconciliation_finds_what_the_incremental_path_missed(rt, demo):
    emp = demo.employer("建筑")
    system = demo.actor("system")
    set_rule(rt.uow(), actor=system, code="hotline_calls", enabled=False)
    for i in range(3):
        consult(rt, demo, i, T0 + dt.timedelta(days=i))
    assert warnings_of(rt, emp.id) == []
    set_rule(rt.uow(), actor=system, code="hotline_calls", enabled=True)
    result = reconcile(rt, now=T0 + dt.timedelta(days=3))
    assert [r["rule"] for r in result.raised] == ["hotline_calls"]
    [w] = warnings_of(rt, emp.id)
    assert w.raised_by == "reconcile"
    # Run again: nothing more.
    assert reconcile(rt, now=T0 + dt.timedelta(days=3, hours=1)).raised == []


def test_rule_settings_change_thresholds_and_levels(rt, demo):
    emp = demo.employer("建筑")
    system = demo.actor("system")
    cfg = set_rule(
        rt.uow(), actor=system, code="hotline_calls", level="orange", params={"calls": 2}
    )
    assert (cfg.level, cfg.params["calls"], cfg.params["days"]) == ("orange", 2, 30)
    consult(rt, demo, 0, T0)
    consult(rt, demo, 1, T0 + dt.timedelta(days=1))
    [w] = warnings_of(rt, emp.id)
    assert w.level == "orange"
    with pytest.raises(InvalidInput):
        set_rule(rt.uow(), actor=system, code="hotline_calls", params={"calls": 0})
    with pytest.raises(InvalidInput):
        set_rule(rt.uow(), actor=system, code="hotline_calls", params={"nonsense": 1})
    with pytest.raises(NotPermitted):
        set_rule(rt.uow(), actor=demo.actor("supervisor.tianhe"), code="hotline_calls")


def test_large_and_repeat_arrears(rt, demo):
    emp = demo.employer("建筑")
    wage_call(rt, demo, 0, T0, worker_count=12, amount_claimed="50000")
    [large] = warnings_of(rt, emp.id)
    assert (large.rule, large.level) == ("large_arrears", "orange")
    wage_call(rt, demo, 1, T0 + dt.timedelta(days=100), amount_claimed="120000")
    rules = sorted(w.rule for w in warnings_of(rt, emp.id))
    # The second case: large by its sum, and a repeat within twelve months.
    assert rules == ["large_arrears", "large_arrears", "repeat_arrears"]


def test_a_repeat_arrears_warning_stays_one_while_it_is_open(rt, demo):
    """A third and fourth case at the same employer while its 同一用人单位再次发生欠薪 warning
    is open are the same signal: the board shows one warning, not one per case. Once it has been
    disposed of, the next repeat raises a new one (what was done did not stop the arrears)."""
    emp = demo.employer("建筑")
    for i, days in enumerate((0, 10, 20, 30)):
        wage_call(rt, demo, i, T0 + dt.timedelta(days=days))
    repeats = [w for w in warnings_of(rt, emp.id) if w.rule == "repeat_arrears"]
    assert len(repeats) == 1, [(w.basis, w.status) for w in repeats]
    dispose(
        rt.uow(),
        actor=demo.actor("supervisor.tianhe"),
        warning_id=repeats[0].id,
        action="dismiss",
        note="已约谈用人单位",
        now=T0 + dt.timedelta(days=31),
    )
    wage_call(rt, demo, 4, T0 + dt.timedelta(days=40))
    repeats = [w for w in warnings_of(rt, emp.id) if w.rule == "repeat_arrears"]
    assert [w.status for w in repeats] == ["disposed", "open"]


def test_wage_arrears_before_the_spring_festival(rt, demo):
    """The 2026 Spring Festival holiday starts on the day the calendar data says (the package's
    official schedule, seeded into the calendar table); a report 30 days before it warns, one
    in summer does not."""
    emp = demo.employer("建筑")
    with rt.reader() as uow:
        fest = wq.festival_start(uow.session, dt.date(2025, 12, 1), 120)
    # The first day of the official holiday, as the package publishes it.
    assert fest == min(d for d, n in holidays.items() if n == "Spring Festival" and d.year == 2026)
    wage_call(rt, demo, 0, T0)
    assert "festival_arrears" not in {w.rule for w in warnings_of(rt, emp.id)}
    before = dt.datetime.combine(fest - dt.timedelta(days=30), dt.time(10), SHANGHAI)
    wage_call(rt, demo, 1, before.astimezone(dt.UTC))
    festive = [w for w in warnings_of(rt, emp.id) if w.rule == "festival_arrears"]
    assert len(festive) == 1 and festive[0].evidence["festival"] == fest.isoformat()


def test_a_mass_incident_raises_red(rt, demo):
    emp = demo.employer("建筑")
    wage_call(rt, demo, 0, T0, mass_incident=True, worker_count=3)
    assert "red" in {w.level for w in warnings_of(rt, emp.id) if w.rule == "mass_incident"}


def test_an_unanswered_opinion_letter_raises_a_warning_when_its_reply_clock_runs_out(rt, demo):
    emp = demo.employer("建筑")
    case = new_case(rt, demo, "supervision", unit="TH-SP", actor="caseworker.shipai")
    force_state(rt, case.id, "opinion_letter_issued")
    fire(rt.uow(), case_id=case.id, trigger="reply_overdue", actor=demo.actor("system"), now=T0)
    [w] = [w for w in warnings_of(rt, emp.id) if w.rule == "reply_overdue"]
    assert (w.level, w.case_id) == ("orange", case.id)
    assert reconcile(rt, now=T0 + dt.timedelta(hours=1)).raised == []


def test_merging_coworkers_calls_into_one_collective_case(rt, demo):
    emp = demo.employer("建筑")
    for i in range(3):
        wage_call(rt, demo, i, T0 + dt.timedelta(hours=i))
    w = next(w for w in warnings_of(rt, emp.id) if w.rule == "hotline_calls")
    done = dispose(
        rt.uow(), actor=demo.actor("supervisor.tianhe"), warning_id=w.id, action="merge_calls"
    )
    with rt.reader() as uow:
        merged = uow.session.get(Case, done.case_id)
        assert merged.worker_count == 3
        states = set(
            uow.session.scalars(
                select(Case.state).where(
                    Case.employer_id == emp.id, Case.workflow == "wage_arrears"
                )
            )
        )
    assert "merged" in states


def test_dismissing_needs_a_reason_and_a_user_in_scope(rt, demo):
    emp = demo.employer("建筑")
    for i in range(3):
        consult(rt, demo, i, T0 + dt.timedelta(hours=i))
    [w] = warnings_of(rt, emp.id)
    with pytest.raises(InvalidInput):
        dispose(rt.uow(), actor=demo.actor("caseworker.shipai"), warning_id=w.id, action="dismiss")
    with pytest.raises(NotFound):  # Haizhu cannot see a warning held at Shipai
        dispose(
            rt.uow(),
            actor=demo.actor("caseworker.nanhuaxi"),
            warning_id=w.id,
            action="dismiss",
            note="不属实",
        )
    with pytest.raises(NotPermitted):  # the hotline operator does not dispose of warnings
        dispose(
            rt.uow(), actor=demo.actor("hotline"), warning_id=w.id, action="dismiss", note="不属实"
        )
    done = dispose(
        rt.uow(),
        actor=demo.actor("caseworker.shipai"),
        warning_id=w.id,
        action="dismiss",
        note="经核实为同一事项的重复咨询",
        now=T0 + dt.timedelta(hours=5),
    )
    assert (done.disposition, done.disposed_on_time) == ("dismiss", True)


def test_a_user_of_another_branch_sees_the_counts_but_no_item_outside_their_scope(rt, demo):
    emp = demo.employer("建筑")
    mine = new_case(rt, demo, "wage_arrears", unit="TH-SP", actor="caseworker.shipai")
    theirs = new_case(rt, demo, "mediation", unit="HZ-NHX", actor="caseworker.nanhuaxi")
    haizhu = wq.dossier(rt.reader(), actor=demo.actor("caseworker.nanhuaxi"), employer_id=emp.id)
    assert [c["ref"] for c in haizhu["cases"]] == [theirs.ref]
    assert haizhu["counts"]["cases"] == 2
    assert haizhu["outside_scope"]["cases"] == 1
    assert haizhu["outside_scope"]["note_zh"] == "另有 1 件在其他单位办理"
    assert haizhu["warnings"] == []  # the large-arrears warning is held at Shipai
    assert haizhu["outside_scope"]["warnings"] == 1
    assert haizhu["in_scope"] is False
    shipai = wq.dossier(rt.reader(), actor=demo.actor("caseworker.shipai"), employer_id=emp.id)
    assert [c["ref"] for c in shipai["cases"]] == [mine.ref]
    assert [w["rule"] for w in shipai["warnings"]] == ["large_arrears"]
    # Someone with no case about it and the employer outside their part of the tree: not found.
    with pytest.raises(NotFound):
        wq.dossier(rt.reader(), actor=demo.actor("caseworker.acme"), employer_id=emp.id)


def test_the_clean_record_answer(rt, demo):
    emp = demo.employer("科技")
    sup = demo.actor("supervisor.tianhe")
    clean = wq.employer_record(rt.reader(), actor=sup, employer_id=emp.id, years=3)
    assert (clean["clean"], clean["any_open"], clean["any_upheld"]) == (True, False, False)
    new_case(
        rt,
        demo,
        "wage_arrears",
        unit="TH-SP-ACME",
        actor="supervisor.tianhe",
        employer_id=emp.id,
        worker_count=2,
        amount_claimed="1000",
    )
    record = wq.employer_record(rt.reader(), actor=sup, employer_id=emp.id, years=3)
    assert (record["clean"], record["any_open"]) == (False, True)
    assert len(record["cases"]) == 1
    with pytest.raises(InvalidInput):
        wq.employer_record(rt.reader(), actor=sup, employer_id=emp.id, years=0)


def test_audit_verify_catches_an_edited_employer_history(rt, demo, db_url):
    emp = demo.employer("建筑")
    for i in range(3):
        consult(rt, demo, i, T0 + dt.timedelta(hours=i))
    ok = run_cli(db_url, "audit", "verify")
    assert ok.returncode == 0 and "OK: 1 employer histories verified" in ok.stdout
    with rt.engine.begin() as conn:
        conn.execute(
            update(EmployerEvent.__table__)
            .where(EmployerEvent.__table__.c.employer_id == emp.id)
            .values(data={"warning_id": 1, "rule": "hotline_calls", "level": "blue"})
        )
    bad = run_cli(db_url, "audit", "verify")
    assert bad.returncode == 1
    assert f"BROKEN employer#{emp.id}: event #1" in bad.stdout


def test_the_cli_reconciles_and_lists_the_rules(rt, demo, db_url):
    out = run_cli(db_url, "warnings", "rules")
    assert out.returncode == 0 and "hotline_calls" in out.stdout and "黄色预警" in out.stdout
    changed = run_cli(db_url, "warnings", "rule", "hotline_calls", "--param", "calls=4")
    assert changed.returncode == 0 and "calls=4" in changed.stdout
    refused = run_cli(db_url, "warnings", "rule", "hotline_calls", "--param", "calls=0")
    assert refused.returncode == 2
    done = run_cli(db_url, "warnings", "reconcile")
    assert done.returncode == 0 and "0 warnings raised" in done.stdout


def test_employer_search_counts_what_lies_outside_the_scope(rt, demo):
    found = wq.employer_search(rt.reader(), actor=demo.actor("caseworker.shipai"), q="广州市某")
    # Shipai sees the builder and the tech company below it; the caterer is in Haizhu.
    assert sorted(e["name"] for e in found["items"]) == [BUILDER, "广州市某科技有限公司"]
    assert found["outside_scope"] == 1
    by_code = wq.employer_search(rt.reader(), actor=demo.actor("caseworker.shipai"), q=BUILDER_CODE)
    assert [e["name"] for e in by_code["items"]] == [BUILDER]
    assert Employer.__tablename__ == "employers"


def test_a_referral_overdue_signal_raises_blue_once_per_referral(rt, demo):
    """The hook the referral ledger calls when a referral goes overdue: one line in its service,
    inside its transaction."""
    emp = demo.employer("建筑")
    for _ in range(2):  # the same referral signalled twice raises one warning
        with rt.uow() as uow:
            signals.emit(
                uow, signals.REFERRAL_OVERDUE, employer_id=emp.id, at=T0, subject="referral:17"
            )
            uow.commit()
    [w] = warnings_of(rt, emp.id)
    assert (w.rule, w.level, w.basis) == ("referral_overdue", "blue", "referral:17")
    # Ten working days for blue from Wednesday 10 June 2026 (19 June is the Dragon Boat Festival).
    assert w.due_on == dt.date(2026, 6, 25)


def test_a_reported_dismissal_raises_orange_in_its_own_transaction_and_reconcile_adds_nothing(
    rt, demo
):
    """The union-officer rule's event source: a report recorded in the employer's chained history
    and evaluated in the same transaction; switched off, the report is still recorded."""
    emp = demo.employer("建筑")
    seq = report_employer_event(
        rt.uow(),
        actor=demo.actor("caseworker.shipai"),
        employer_id=emp.id,
        kind="union_officer_dismissed",
        occurred_on=dt.date(2026, 6, 9),
        note="工会主席",
        now=T0,
    )
    [w] = warnings_of(rt, emp.id)
    assert (w.rule, w.level, w.basis, w.org_unit.code) == (
        "union_officer_dismissed",
        "orange",
        f"report:{seq}",
        "TH-SP",
    )
    assert w.evidence["occurred_on"] == "2026-06-09"
    # 橙: three working days from Wednesday 10 June 2026.
    assert w.due_on == dt.date(2026, 6, 15)
    assert employer_events(rt, emp.id) == ["union_officer_dismissed", "warning_raised"]
    assert reconcile(rt, now=T0 + dt.timedelta(hours=1)).raised == []
    set_rule(rt.uow(), actor=demo.actor("system"), code="union_officer_dismissed", enabled=False)
    report_employer_event(
        rt.uow(),
        actor=demo.actor("caseworker.shipai"),
        employer_id=emp.id,
        kind="union_officer_dismissed",
        occurred_on=dt.date(2026, 6, 10),
        now=T0 + dt.timedelta(hours=2),
    )
    assert len(warnings_of(rt, emp.id)) == 1
    assert employer_events(rt, emp.id)[-1] == "union_officer_dismissed"
    with rt.reader() as uow:
        assert verify_employers(uow) == (1, [])
