"""Clocks on cases and 维权上提一级, walked with a controlled clock (``now=``)."""

from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from casework.cases.service import fire, open_case
from casework.clocks.queries import all_clocks, clock_view
from casework.core.errors import Conflict, InvalidInput, NotPermitted
from casework.escalation.service import lift_one_level, request_escalation, take_over
from casework.escalation.sweep import sweep
from casework.models import CaseEvent, DeadlineAction, Escalation, Notification, User
from casework.people.access import SYSTEM_ACTOR
from tests.helpers import get_case, good_data, run_cli

SH = ZoneInfo("Asia/Shanghai")


def at(y, m, d, h=9):
    return dt.datetime(y, m, d, h, tzinfo=SH)


def _notes(rt, username, kind="escalation"):
    with rt.reader() as uow:
        uid = uow.session.scalar(select(User.id).where(User.username == username))
        return list(
            uow.session.scalars(
                select(Notification).where(Notification.user_id == uid, Notification.kind == kind)
            )
        )


def _unit_notes(rt, unit_id, kind="escalation"):
    with rt.reader() as uow:
        return list(
            uow.session.scalars(
                select(Notification).where(
                    Notification.org_unit_id == unit_id, Notification.kind == kind
                )
            )
        )


def _case(rt, case_id):
    with rt.reader() as uow:
        return get_case(uow.session, case_id)


def _clocks(rt, case_id):
    with rt.reader() as uow:
        case = get_case(uow.session, case_id)
        return [clock_view(case, d) for d in all_clocks(uow.session, case_id)]


# -- routing (服务下沉) -------------------------------------------------------------------------


def test_new_cases_go_down_to_the_lowest_competent_unit(rt, demo):
    hotline = demo.actor("hotline")  # a city-level operator
    acme, building, food = demo.employer("科技"), demo.employer("建筑"), demo.employer("餐饮")

    def owner(workflow, employer, **kw):
        return open_case(
            rt.uow(), actor=hotline, workflow=workflow, employer_id=employer.id, **kw
        ).org_unit.code

    assert owner("mediation", acme) == "TH-SP-ACME"  # enterprise mediation committee
    assert owner("mediation", building) == "TH-SP"  # no union: the township federation
    assert owner("wage_arrears", acme) == "TH-SP"  # wage arrears: township
    assert owner("wage_arrears", food) == "HZ-NHX"
    assert owner("legal_aid", building) == "TH"  # union legal aid: county and above
    assert owner("supervision", acme) == "TH-SP-ACME"
    assert owner("wage_arrears", building, worker_count=12) == "TH"  # collective: one level higher
    assert owner("legal_aid", food, worker_count=30) == "GZ"


def test_a_mass_incident_is_reported_to_parent_and_grandparent_at_once(rt, demo):
    case = open_case(
        rt.uow(),
        actor=demo.actor("hotline"),
        workflow="wage_arrears",
        employer_id=demo.employer("建筑").id,
        worker_count=40,
        mass_incident=True,
    )
    assert case.org_unit.code == "TH"  # collective: township + 1; it stays there
    assert len(_notes(rt, "supervisor.guangzhou", "mass_incident")) == 1  # parent of TH
    assert (
        len(_unit_notes(rt, demo.unit("GD").id, "mass_incident")) == 1
    )  # grandparent (no supervisor user)
    assert _notes(rt, "supervisor.tianhe", "mass_incident") == []


# -- handling expiry lifts the case one level at a time -------------------------------------


def test_handling_expiry_lifts_grassroots_to_city_and_stops_at_the_ceiling(rt, demo):
    t0 = at(2025, 3, 3, 10)  # Monday
    case = open_case(
        rt.uow(),
        actor=demo.actor("hotline"),
        workflow="hotline",
        employer_id=demo.employer("科技").id,
        now=t0,
    )
    assert case.org_unit.code == "TH-SP-ACME"
    [clock] = _clocks(rt, case.id)
    assert (clock["rule"], clock["due"], clock["unit"]) == ("dispatch", "2025-03-04", "working")
    assert sweep(rt, now=at(2025, 3, 4, 23)).expired == 0  # due day not over yet
    path = []
    for day in (5, 7, 11):
        report = sweep(rt, now=at(2025, 3, day))
        assert (report.expired, report.escalated) == (1, 1)
        path.append(_case(rt, case.id).org_unit.code)
    assert path == ["TH-SP", "TH", "GZ"]
    report = sweep(rt, now=at(2025, 3, 13))
    assert (report.expired, report.escalated, report.at_ceiling) == (1, 0, 1)
    for later in (at(2025, 3, 20), at(2025, 6, 1)):
        assert sweep(rt, now=later).expired == 0
    stored = _case(rt, case.id)
    assert (stored.org_unit.code, stored.escalation_level) == ("GZ", 3)
    # exactly one notification at each level
    assert len(_unit_notes(rt, demo.unit("TH-SP").id)) == 1  # no supervisor there: the unit's inbox
    assert len(_notes(rt, "supervisor.tianhe")) == 1
    assert len(_notes(rt, "supervisor.guangzhou")) == 1
    with rt.reader() as uow:
        kinds = list(
            uow.session.scalars(
                select(CaseEvent.kind)
                .where(CaseEvent.case_id == case.id, CaseEvent.kind.like("escalat%"))
                .order_by(CaseEvent.seq)
            )
        )
        assert kinds == ["escalated", "escalated", "escalated", "escalation_at_ceiling"]
        # What the supervisors read names the clock in Chinese, never by its code.
        comments = list(
            uow.session.scalars(select(Escalation.comment).where(Escalation.case_id == case.id))
        )
        assert comments and all(c.startswith("派单时限于 ") for c in comments), comments
        assert not any("dispatch" in c for c in comments), comments
        assert (
            uow.session.scalar(
                select(func.count()).select_from(Escalation).where(Escalation.case_id == case.id)
            )
            == 4
        )
    # the unit the case came from still sees it, and sees what happened
    origin = demo.actor("caseworker.acme")
    assert origin.can_see(stored) and origin.acting_roles(stored) == frozenset()
    with pytest.raises(NotPermitted):
        fire(rt.uow(), case_id=case.id, trigger="dispatch", actor=origin)


def test_the_same_clock_is_never_acted_on_twice(rt, demo):
    case = open_case(
        rt.uow(),
        actor=demo.actor("hotline"),
        workflow="hotline",
        employer_id=demo.employer("科技").id,
        now=at(2025, 3, 3),
    )
    first = sweep(rt, now=at(2025, 3, 5))
    again = sweep(rt, now=at(2025, 3, 5))
    assert (first.expired, again.expired) == (1, 0)
    assert _case(rt, case.id).org_unit.code == "TH-SP"
    with rt.reader() as uow:
        assert (
            uow.session.scalar(
                select(func.count())
                .select_from(DeadlineAction)
                .where(DeadlineAction.action == "expire")
            )
            == 1
        )


def test_dry_run_lists_and_changes_nothing(rt, demo, db_url):
    case = open_case(
        rt.uow(),
        actor=demo.actor("hotline"),
        workflow="hotline",
        employer_id=demo.employer("科技").id,
        now=at(2025, 3, 3),
    )
    out = run_cli(db_url, "sweep", "--now", "2025-03-05T09:00:00+08:00", "--dry-run")
    assert out.returncode == 0, out.stderr
    assert case.ref in out.stdout and "escalate" in out.stdout and "dispatch" in out.stdout
    assert _case(rt, case.id).org_unit.code == "TH-SP-ACME"
    done = run_cli(db_url, "sweep", "--now", "2025-03-05T09:00:00+08:00", "--json")
    assert json.loads(done.stdout)["escalated"] == 1
    assert _case(rt, case.id).org_unit.code == "TH-SP"


# -- statutory expiry fires the workflow's own action ---------------------------------------


def test_mediation_fails_after_15_days_and_the_worker_is_told_arbitration_is_open(rt, demo):
    actor = demo.actor("caseworker.acme")
    case = open_case(
        rt.uow(),
        actor=actor,
        workflow="mediation",
        employer_id=demo.employer("科技").id,
        now=at(2025, 9, 26),
    )  # Friday
    clocks = {c["rule"]: c for c in _clocks(rt, case.id)}
    assert (
        clocks["acceptance_decision"]["due"] == "2025-09-30"
    )  # Sun 28 Sep is a make-up working day
    assert clocks["mediation_period"]["due"] == "2025-10-11"  # 11 Oct is a make-up Saturday
    fire(rt.uow(), case_id=case.id, trigger="accept", actor=actor, now=at(2025, 9, 29))
    assert sweep(rt, now=at(2025, 10, 11, 23)).expired == 0
    report = sweep(rt, now=at(2025, 10, 12))
    assert (report.expired, report.fired) == (1, 1)
    stored = _case(rt, case.id)
    assert stored.state == "failed" and stored.org_unit.code == "TH-SP-ACME"
    with rt.reader() as uow:
        ev = uow.session.scalars(
            select(CaseEvent)
            .where(CaseEvent.case_id == case.id, CaseEvent.kind == "transition")
            .order_by(CaseEvent.seq.desc())
        ).first()
        assert (ev.trigger, ev.actor) == ("expire", "system")
        notes = list(
            uow.session.scalars(
                select(Notification).where(
                    Notification.case_id == case.id, Notification.kind == "deadline_expired"
                )
            )
        )
    assert notes and "申请劳动争议仲裁" in notes[0].body
    assert {c["rule"]: c["status"] for c in _clocks(rt, case.id)} == {
        "acceptance_decision": "met",
        "mediation_period": "expired",
    }


def test_unanswered_opinion_letter_becomes_overdue_after_15_working_days(rt, demo):
    actor = demo.actor("supervisor.tianhe")
    case = open_case(
        rt.uow(),
        actor=actor,
        workflow="supervision",
        org_unit_id=demo.unit("TH").id,
        now=at(2025, 9, 22),
    )
    fire(
        rt.uow(),
        case_id=case.id,
        trigger="start_investigation",
        actor=actor,
        data=good_data("supervision", "start_investigation"),
        now=at(2025, 9, 22),
    )
    fire(
        rt.uow(),
        case_id=case.id,
        trigger="issue_opinion_letter",
        actor=actor,
        data={"served_on": "2025-09-25", "service_method": "direct"},
        now=at(2025, 9, 25),
    )
    reply = next(c for c in _clocks(rt, case.id) if c["rule"] == "opinion_letter_reply")
    # 15 working days after Thu 25 Sep 2025:
    # 26, 28(Sun), 29, 30 Sep, 9, 10, 11(Sat), 13-17, 20-22 Oct
    assert reply["due"] == "2025-10-22"
    sweep(rt, now=at(2025, 10, 23))
    assert _case(rt, case.id).state == "opinion_overdue"
    fire(
        rt.uow(),
        case_id=case.id,
        trigger="issue_suggestion_letter",
        actor=actor,
        now=at(2025, 10, 24),
    )


# -- pause, resume, extension ---------------------------------------------------------------


def test_legal_aid_review_pauses_while_materials_are_missing(rt, demo):
    actor = demo.actor("supervisor.tianhe")
    case = open_case(
        rt.uow(),
        actor=actor,
        workflow="legal_aid",
        org_unit_id=demo.unit("TH").id,
        now=at(2025, 3, 3),
    )
    assert _clocks(rt, case.id)[0]["due"] == "2025-03-12"  # 7 working days
    fire(
        rt.uow(),
        case_id=case.id,
        trigger="request_materials",
        actor=actor,
        data=good_data("legal_aid", "request_materials"),
        now=at(2025, 3, 5),
    )
    review = next(c for c in _clocks(rt, case.id) if c["rule"] == "review")
    assert review["status"] == "paused"
    assert sweep(rt, now=at(2025, 3, 14)).expired == 0  # paused: the old due date passes harmlessly
    fire(rt.uow(), case_id=case.id, trigger="supply_materials", actor=actor, now=at(2025, 3, 17))
    clocks = {c["rule"]: c for c in _clocks(rt, case.id)}
    # 2 of 7 working days were used (4, 5 Mar); 5 remain from Mon 17 Mar: 18-21, 24 Mar
    assert (
        clocks["review"]["status"],
        clocks["review"]["due"],
        clocks["review"]["paused_days"],
    ) == ("running", "2025-03-24", 12)
    assert clocks["materials"]["status"] == "met"
    with rt.reader() as uow:
        kinds = list(
            uow.session.scalars(
                select(CaseEvent.kind)
                .where(
                    CaseEvent.case_id == case.id,
                    CaseEvent.kind.in_(["deadline_paused", "deadline_resumed"]),
                )
                .order_by(CaseEvent.seq)
            )
        )
    assert kinds == ["deadline_paused", "deadline_resumed"]


def test_materials_never_supplied_means_withdrawn(rt, demo):
    actor = demo.actor("supervisor.tianhe")
    case = open_case(
        rt.uow(),
        actor=actor,
        workflow="legal_aid",
        org_unit_id=demo.unit("TH").id,
        now=at(2025, 3, 3),
    )
    fire(
        rt.uow(),
        case_id=case.id,
        trigger="request_materials",
        actor=actor,
        data=good_data("legal_aid", "request_materials"),
        now=at(2025, 3, 5),
    )
    sweep(rt, now=at(2025, 3, 21))  # 15 calendar days after 5 Mar = Thu 20 Mar
    assert _case(rt, case.id).state == "withdrawn"


# -- manual 上代下 ---------------------------------------------------------------------------


def test_a_unit_asks_to_be_relieved_and_a_supervisor_takes_over(rt, demo):
    shipai = demo.actor("caseworker.shipai")
    case = open_case(
        rt.uow(),
        actor=shipai,
        workflow="wage_arrears",
        employer_id=demo.employer("建筑").id,
        now=at(2025, 3, 3),
    )
    with pytest.raises(InvalidInput):
        request_escalation(rt.uow(), case_id=case.id, actor=shipai, reason="lazy", comment="x")
    esc = request_escalation(
        rt.uow(),
        case_id=case.id,
        actor=shipai,
        reason="conflict_of_interest",
        comment="工会主席系企业高管亲属",
        now=at(2025, 3, 4),
    )
    assert (esc.reason, esc.at_ceiling) == ("conflict_of_interest", False)
    stored = _case(rt, case.id)
    assert stored.org_unit.code == "TH" and stored.escalation_level == 1
    assert len(_notes(rt, "supervisor.tianhe")) == 1
    verification = next(c for c in _clocks(rt, case.id) if c["status"] == "running")
    assert (verification["rule"], verification["started_on"]) == (
        "verification",
        "2025-03-04",
    )  # restarted
    # the township keeps read access, but it is no longer theirs to act on
    with pytest.raises(NotPermitted):
        fire(rt.uow(), case_id=case.id, trigger="verify", actor=shipai)
    taken = take_over(
        rt.uow(), case_id=case.id, actor=demo.actor("supervisor.guangzhou"), comment="市总督办"
    )
    assert taken.org_unit.code == "GZ"
    with pytest.raises(NotPermitted):
        take_over(rt.uow(), case_id=case.id, actor=demo.actor("supervisor.tianhe"))


def test_an_escalation_is_recorded_once_per_step_and_level(rt, demo):

    case = open_case(
        rt.uow(),
        actor=demo.actor("caseworker.shipai"),
        workflow="wage_arrears",
        employer_id=demo.employer("建筑").id,
        now=at(2025, 3, 3),
    )
    uow = rt.uow()
    with uow:
        c = get_case(uow.session, case.id)
        lift_one_level(
            uow, c, reason="deadline_expired", actor=SYSTEM_ACTOR, entry_seq=1, now=at(2025, 3, 9)
        )
        uow.commit()
    with uow:
        c = get_case(uow.session, case.id)
        c.escalation_level = 0  # pretend a racing sweeper still saw the old level
        with pytest.raises(Conflict):
            lift_one_level(
                uow,
                c,
                reason="deadline_expired",
                actor=SYSTEM_ACTOR,
                entry_seq=1,
                now=at(2025, 3, 9),
            )


def test_explain_shows_the_arithmetic(rt, demo, db_url):
    case = open_case(
        rt.uow(),
        actor=demo.actor("supervisor.tianhe"),
        workflow="legal_aid",
        org_unit_id=demo.unit("TH").id,
        now=at(2026, 12, 24),
    )
    out = run_cli(db_url, "explain", case.ref)
    assert out.returncode == 0
    assert "法律援助法 第四十三条" in out.stdout and "7 working days from 2026-12-24" in out.stdout
    assert (
        "due 2027-01-04" in out.stdout and "calendar NOT verified" in out.stdout
    )  # 1 Jan 2027 counted: Mon-Fri fallback


def test_deadline_command_contract(rt, db_url):
    out = run_cli(
        db_url, "deadline", "--start", "2025-09-30", "--days", "3", "--unit", "working", "--json"
    )
    assert out.returncode == 0 and json.loads(out.stdout) == {
        "due": "2025-10-11",
        "calendar_verified": True,
    }
    out = run_cli(
        db_url, "deadline", "--start", "2027-03-01", "--days", "15", "--unit", "calendar", "--json"
    )
    assert json.loads(out.stdout) == {"due": "2027-03-16", "calendar_verified": False}
    bad = run_cli(db_url, "deadline", "--start", "someday", "--days", "3", "--unit", "working")
    assert bad.returncode == 2 and "YYYY-MM-DD" in bad.stderr


def test_calendar_commands_import_a_new_year(rt, db_url, tmp_path):
    f = tmp_path / "2027.csv"
    f.write_text(
        "date,is_workday,name\n2027-01-01,false,元旦\n2027-03-16,false,测试假日\n2027-03-13,true,调休上班\n",
        encoding="utf-8",
    )
    assert run_cli(db_url, "calendar", "import", str(f)).returncode == 0
    out = run_cli(
        db_url, "deadline", "--start", "2027-03-01", "--days", "15", "--unit", "calendar", "--json"
    )
    assert json.loads(out.stdout) == {"due": "2027-03-17", "calendar_verified": True}
    assert (
        run_cli(db_url, "calendar", "set", "2027-03-17", "--holiday", "--name", "临时").returncode
        == 0
    )
    out = run_cli(
        db_url, "deadline", "--start", "2027-03-01", "--days", "15", "--unit", "calendar", "--json"
    )
    assert json.loads(out.stdout)["due"] == "2027-03-18"
    show = run_cli(db_url, "calendar", "show", "2027")
    assert "verified" in show.stdout and "调休上班" in show.stdout
    bad = tmp_path / "bad.csv"
    bad.write_text("2027-02-30,true\n", encoding="utf-8")
    res = run_cli(db_url, "calendar", "import", str(bad))
    assert res.returncode == 2 and "YYYY-MM-DD" in res.stderr


WALKS = {
    # workflow: (employer, owners it rises through, final state)
    "hotline": ("科技", ["TH-SP-ACME", "TH-SP", "TH", "GZ"], "registered"),
    "supervision": ("科技", ["TH-SP-ACME", "TH-SP", "TH", "GZ"], "reported"),
    "wage_arrears": ("建筑", ["TH-SP", "TH", "GZ"], "registered"),
    "legal_aid": ("建筑", ["TH", "GZ"], "applied"),
    # the 15-day statutory mediation period ends the climb: the case fails where it is
    "mediation": ("科技", ["TH-SP-ACME", "TH-SP", "TH"], "failed"),
}


@pytest.mark.parametrize("workflow", list(WALKS))
def test_each_workflow_left_alone_rises_to_the_ceiling_or_ends_by_law(rt, demo, workflow):
    employer, expected, final = WALKS[workflow]
    case = open_case(
        rt.uow(),
        actor=demo.actor("hotline"),
        workflow=workflow,
        employer_id=demo.employer(employer).id,
        now=at(2025, 3, 3, 10),
    )
    owners = [case.org_unit.code]
    for day in range(1, 60):
        sweep(rt, now=at(2025, 3, 3) + dt.timedelta(days=day))
        code = _case(rt, case.id).org_unit.code
        if code != owners[-1]:
            owners.append(code)
    stored = _case(rt, case.id)
    assert owners == expected and stored.state == final
    assert stored.origin_org_unit.code == expected[0]
    assert (
        demo.actor(
            "caseworker.acme" if expected[0] == "TH-SP-ACME" else "caseworker.shipai"
        ).can_see(stored)
        or expected[0] == "TH"
    )
    for username, unit in (("supervisor.tianhe", "TH"), ("supervisor.guangzhou", "GZ")):
        assert len(_notes(rt, username)) == (1 if unit in expected[1:] else 0), username
