"""A user's lawful acts on a clock: pause, resume, extension; and where the law refuses them.

Every test runs on SQLite and on PostgreSQL, with a controlled clock (``now=``).
"""

from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, update

from casework.cases.service import fire, open_case
from casework.clocks.queries import all_clocks, clock_view
from casework.clocks.service import extend_clock, pause_clock, resume_clock
from casework.core.errors import GuardRefused, InvalidInput, NotFound, NotPermitted
from casework.models import CaseEvent, Deadline
from tests.helpers import get_case, good_data, new_case, run_cli

SH = ZoneInfo("Asia/Shanghai")


def at(day: dt.date, h: int = 9) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, h, tzinfo=SH)


def D(y: int, m: int, d: int) -> dt.date:  # noqa: N802 - reads like a date literal
    return dt.date(y, m, d)


def _clock(rt, case_id: int, rule: str) -> dict:
    with rt.reader() as uow:
        case = get_case(uow.session, case_id)
        return next(clock_view(case, d) for d in all_clocks(uow.session, case_id) if d.rule == rule)


def _events(rt, case_id: int, kind: str) -> list[CaseEvent]:
    with rt.reader() as uow:
        return list(
            uow.session.scalars(
                select(CaseEvent)
                .where(CaseEvent.case_id == case_id, CaseEvent.kind == kind)
                .order_by(CaseEvent.seq)
            )
        )


def arbitration_case(rt, demo, accepted_on: dt.date) -> int:
    """A mediation case whose arbitration was accepted on ``accepted_on``: the 45-day award clock
    (劳动争议调解仲裁法 第四十三条) starts that day."""
    actor = demo.actor("supervisor.tianhe")
    case = open_case(
        rt.uow(),
        actor=actor,
        workflow="mediation",
        org_unit_id=demo.unit("TH").id,
        now=at(accepted_on),
    )
    for trigger in ("accept", "fail", "refer_to_arbitration", "record_arbitration_accepted"):
        fire(
            rt.uow(),
            case_id=case.id,
            trigger=trigger,
            actor=actor,
            data=good_data("mediation", trigger),
            now=at(accepted_on),
        )
    return case.id


def negotiation_case(rt, demo, started_on: dt.date) -> int:
    """A wage-arrears case whose negotiation (5 working days, normal tier) starts ``started_on``."""
    actor = demo.actor("supervisor.tianhe")
    case = open_case(
        rt.uow(),
        actor=actor,
        workflow="wage_arrears",
        org_unit_id=demo.unit("TH").id,
        employer_id=demo.employer("建筑").id,
        now=at(started_on),
    )
    fire(
        rt.uow(),
        case_id=case.id,
        trigger="verify",
        actor=actor,
        data={"months_in_arrears": 3},
        now=at(started_on),
    )
    fire(rt.uow(), case_id=case.id, trigger="start_negotiation", actor=actor, now=at(started_on))
    return case.id


# -- the resume defect -----------------------------------------------------------------------

RESUMES = {
    # 45 days from Sun 17 Aug 2025 end on Wed 1 Oct (National Day) and are due Thu 9 Oct. Paused
    # Mon 18 → Thu 21 Aug: 44 days were left (from the counted end, not from 9 Oct), so they end
    # Sat 4 Oct, again a holiday: due Thu 9 Oct (counting from the moved date gave Mon 13 Oct).
    "national-day": (
        "arbitration",
        "arbitration_award",
        D(2025, 8, 17),
        "2025-10-09",
        D(2025, 8, 18),
        D(2025, 8, 21),
        "2025-10-04",
        "2025-10-09",
    ),
    # 45 days from Sun 15 Dec 2024 end Wed 29 Jan 2025 (Spring Festival): due Wed 5 Feb. Paused
    # Mon 16 → Thu 19 Dec: 44 left, ending Sat 1 Feb, a holiday: due Wed 5 Feb (not Sat 8 Feb).
    "spring-festival": (
        "arbitration",
        "arbitration_award",
        D(2024, 12, 15),
        "2025-02-05",
        D(2024, 12, 16),
        D(2024, 12, 19),
        "2025-02-01",
        "2025-02-05",
    ),
    # 5 working days from Fri 26 Sep 2025: Sun 28 (调休), Mon 29, Tue 30 Sep, Thu 9, Fri 10 Oct.
    # Paused Mon 29 Sep with 3 left; resumed Thu 9 Oct: Fri 10, Sat 11 (调休), Mon 13 Oct.
    "working-days": (
        "negotiation",
        "negotiation",
        D(2025, 9, 26),
        "2025-10-10",
        D(2025, 9, 29),
        D(2025, 10, 9),
        "2025-10-13",
        "2025-10-13",
    ),
}


@pytest.mark.parametrize("example", list(RESUMES), ids=list(RESUMES))
def test_resume_counts_remaining_days_from_the_unrolled_due_date(rt, demo, example):
    kind, rule, start, due, paused, resumed, end_after, due_after = RESUMES[example]
    make = arbitration_case if kind == "arbitration" else negotiation_case
    case_id = make(rt, demo, start)
    assert _clock(rt, case_id, rule)["due"] == due
    actor = demo.actor("supervisor.tianhe")
    pause_clock(
        rt.uow(), case_id=case_id, rule=rule, actor=actor, reason="中止审理", now=at(paused)
    )
    resume_clock(
        rt.uow(), case_id=case_id, rule=rule, actor=actor, reason="恢复审理", now=at(resumed)
    )
    clock = _clock(rt, case_id, rule)
    assert (clock["due"], clock["status"]) == (due_after, "running")
    assert clock["period_end"] == end_after
    assert clock["paused_days"] == (resumed - paused).days
    assert _events(rt, case_id, "deadline_resumed")[-1].data["due"] == due_after


def test_explain_shows_the_resumed_arithmetic(rt, demo, db_url):
    case_id = arbitration_case(rt, demo, D(2025, 8, 17))
    actor = demo.actor("supervisor.tianhe")
    pause_clock(
        rt.uow(),
        case_id=case_id,
        rule="arbitration_award",
        actor=actor,
        reason="等待工伤认定结论，中止审理",
        now=at(D(2025, 8, 18)),
    )
    with rt.reader() as uow:
        ref = get_case(uow.session, case_id).ref
    paused = run_cli(db_url, "explain", ref)
    assert paused.returncode == 0, paused.stderr
    assert "[paused] arbitration_award" in paused.stdout
    assert "paused since 2025-08-18: 等待工伤认定结论，中止审理" in paused.stdout
    assert "44 calendar days left after 2025-08-18" in paused.stdout
    resume_clock(
        rt.uow(),
        case_id=case_id,
        rule="arbitration_award",
        actor=actor,
        reason="工伤认定结论已作出",
        now=at(D(2025, 8, 21)),
    )
    out = run_cli(db_url, "explain", ref)
    assert out.returncode == 0, out.stderr
    text = out.stdout
    assert "45 calendar days from 2025-08-17 (start day not counted)" in text
    assert "+ 3 days paused" in text and "+ 0 days extended" in text
    assert "counted to 2025-10-04 (not a working day)" in text
    assert "due 2025-10-09" in text and "2025-10-13" not in text


# -- extensions: only on the bases the law gives, up to its cap ------------------------------


def mediation_case(rt, demo, on: dt.date) -> int:
    """A mediation application received ``on``: the 15-day period (第十四条) starts that day."""
    case = open_case(
        rt.uow(),
        actor=demo.actor("supervisor.tianhe"),
        workflow="mediation",
        org_unit_id=demo.unit("TH").id,
        now=at(on),
    )
    return case.id


def _version(rt, case_id: int) -> int:
    with rt.reader() as uow:
        return get_case(uow.session, case_id).version


def test_mediation_extension_by_consent_has_no_cap(rt, demo):
    case_id = mediation_case(rt, demo, D(2025, 3, 3))  # 15 days: Tue 18 Mar
    actor = demo.actor("supervisor.tianhe")
    assert _clock(rt, case_id, "mediation_period")["due"] == "2025-03-18"
    extend_clock(
        rt.uow(),
        case_id=case_id,
        rule="mediation_period",
        days=15,
        basis="parties_consent",
        note="申请人与被申请人于3月10日书面同意延长调解期限",
        actor=actor,
        now=at(D(2025, 3, 10)),
    )
    # Beyond the 15 days the engine used to invent: the regulation sets no cap.
    extend_clock(
        rt.uow(),
        case_id=case_id,
        rule="mediation_period",
        days=20,
        basis="双方当事人同意",
        note="双方当事人再次书面同意延长",
        actor=actor,
        now=at(D(2025, 3, 28)),
    )
    clock = _clock(rt, case_id, "mediation_period")
    # 18 Mar + 15 = Wed 2 Apr; + 20 = Tue 22 Apr.
    assert (clock["due"], clock["extended_days"]) == ("2025-04-22", 35)
    assert (clock["extension_basis"], clock["extension_basis_label_zh"]) == (
        "parties_consent",
        "双方当事人同意",
    )
    assert clock["extension_note"] == "双方当事人再次书面同意延长"
    assert clock["extension_cap"] is None and clock["extension_bases"] == ["parties_consent"]
    first, second = _events(rt, case_id, "deadline_extended")
    assert first.actor == "supervisor.tianhe"
    assert first.data["basis"] == "parties_consent" and "书面同意" in first.data["note"]
    assert (second.data["days"], second.data["due"]) == (20, "2025-04-22")


def test_mediation_extension_needs_the_parties_consent_on_record(rt, demo):
    case_id = mediation_case(rt, demo, D(2025, 3, 3))
    actor = demo.actor("supervisor.tianhe")
    version = _version(rt, case_id)

    def extend(**kw):
        args = {"days": 5, "basis": "parties_consent", "note": "双方同意"} | kw
        with pytest.raises(InvalidInput) as exc:
            extend_clock(rt.uow(), case_id=case_id, rule="mediation_period", actor=actor, **args)
        return exc.value

    refused = extend(basis="officer_approval", approver="调委会主任 李某")
    assert refused.field == "basis" and "双方当事人同意" in refused.reason_zh
    assert extend(note="  ").field == "note"  # who consented must be recorded
    assert extend(approver="调委会主任 李某").field == "approver"
    assert extend(basis="mutual").field == "basis"
    assert extend(days=0).field == "days"
    assert _version(rt, case_id) == version and not _events(rt, case_id, "deadline_extended")


def test_arbitration_award_extension_by_the_chairs_approval_is_capped_at_15_days(rt, demo):
    case_id = arbitration_case(rt, demo, D(2025, 8, 17))  # counted to Wed 1 Oct, due Thu 9 Oct
    actor = demo.actor("supervisor.tianhe")
    with pytest.raises(InvalidInput) as exc:
        extend_clock(
            rt.uow(),
            case_id=case_id,
            rule="arbitration_award",
            days=10,
            basis="officer_approval",
            actor=actor,
        )
    assert exc.value.field == "approver"
    extend_clock(
        rt.uow(),
        case_id=case_id,
        rule="arbitration_award",
        days=10,
        basis="负责人批准",
        approver="天河区劳动人事争议仲裁委员会主任 李某",
        note="案情复杂，书面批准延期",
        actor=actor,
        now=at(D(2025, 9, 20)),
    )
    clock = _clock(rt, case_id, "arbitration_award")
    # Added to the end as counted (1 Oct), not to the due date it was moved to (9 Oct):
    # Sat 11 Oct 2025 is a make-up working day, so it is due that day.
    assert (clock["period_end"], clock["due"]) == ("2025-10-11", "2025-10-11")
    assert clock["extension_approver"] == "天河区劳动人事争议仲裁委员会主任 李某"
    with pytest.raises(InvalidInput) as exc:
        extend_clock(
            rt.uow(),
            case_id=case_id,
            rule="arbitration_award",
            days=6,
            basis="officer_approval",
            approver="仲裁委主任 李某",
            actor=actor,
        )
    assert exc.value.field == "days"
    assert "最多还可延长 5 日" in exc.value.reason_zh and "第四十三条" in exc.value.reason_zh
    event = _events(rt, case_id, "deadline_extended")[0]
    assert event.data["approver"] == "天河区劳动人事争议仲裁委员会主任 李某"
    assert event.data["basis"] == "officer_approval" and event.actor == "supervisor.tianhe"


def test_labour_inspection_extension_is_30_working_days_by_approval(rt, demo):
    case_id = negotiation_case(rt, demo, D(2025, 3, 3))
    actor = demo.actor("supervisor.tianhe")
    fire(
        rt.uow(),
        case_id=case_id,
        trigger="refer_to_inspection",
        actor=actor,
        data={"reason": "用人单位拒不协商", "violation_date": "2025-01-31"},
        now=at(D(2025, 3, 5)),
    )
    fire(
        rt.uow(),
        case_id=case_id,
        trigger="record_inspection_filed",
        actor=actor,
        data={"filed_on": "2025-03-05", "inspectorate": "天河区劳动保障监察大队"},
        now=at(D(2025, 3, 5)),
    )
    before = _clock(rt, case_id, "inspection_completion")
    extend_clock(
        rt.uow(),
        case_id=case_id,
        rule="inspection_completion",
        days=30,
        basis="officer_approval",
        approver="天河区人社局局长 陈某",
        actor=actor,
    )
    after = _clock(rt, case_id, "inspection_completion")
    assert after["extended_days"] == 30 and after["unit"] == "working"
    assert after["due"] > before["due"]
    for basis, field in (("officer_approval", "days"), ("parties_consent", "basis")):
        with pytest.raises(InvalidInput) as exc:
            extend_clock(
                rt.uow(),
                case_id=case_id,
                rule="inspection_completion",
                days=1,
                basis=basis,
                approver="陈某" if basis == "officer_approval" else None,
                note="x",
                actor=actor,
            )
        assert exc.value.field == field
    with pytest.raises(GuardRefused) as refused:
        pause_clock(
            rt.uow(), case_id=case_id, rule="inspection_completion", actor=actor, reason="等待"
        )
    assert "第十七条" in refused.value.message_zh


# -- pauses: only where the law lets a period stand still ------------------------------------


def test_a_period_the_law_never_suspends_refuses_with_the_reason(rt, demo):
    case_id = mediation_case(rt, demo, D(2025, 3, 3))
    actor = demo.actor("supervisor.tianhe")
    version = _version(rt, case_id)
    with pytest.raises(GuardRefused) as exc:
        pause_clock(
            rt.uow(), case_id=case_id, rule="mediation_period", actor=actor, reason="当事人出差"
        )
    assert exc.value.details["guard"] == "pausable"
    assert "劳动争议调解仲裁法 第十四条" in exc.value.message_zh
    with pytest.raises(GuardRefused) as exc:
        extend_clock(
            rt.uow(),
            case_id=case_id,
            rule="acceptance_decision",
            days=2,
            basis="officer_approval",
            approver="主任",
            actor=actor,
        )
    assert exc.value.details["guard"] == "extendable" and "不能延长" in exc.value.message_zh
    with pytest.raises(NotFound):
        pause_clock(rt.uow(), case_id=case_id, rule="no_such_rule", actor=actor, reason="x")
    assert _version(rt, case_id) == version
    assert not _events(rt, case_id, "deadline_paused")


def test_legal_aid_review_pauses_by_hand_while_materials_are_missing(rt, demo):
    actor = demo.actor("supervisor.tianhe")
    case = open_case(
        rt.uow(),
        actor=actor,
        workflow="legal_aid",
        org_unit_id=demo.unit("TH").id,
        now=at(D(2025, 3, 3)),
    )
    with pytest.raises(InvalidInput) as exc:
        pause_clock(rt.uow(), case_id=case.id, rule="review", actor=actor, reason=" ")
    assert exc.value.field == "reason"
    pause_clock(
        rt.uow(),
        case_id=case.id,
        rule="review",
        actor=actor,
        reason="申请人须就经济状况作出说明",
        now=at(D(2025, 3, 4)),
    )
    clock = _clock(rt, case.id, "review")
    assert (clock["status"], clock["pause_reason"], clock["paused_since"]) == (
        "paused",
        "申请人须就经济状况作出说明",
        "2025-03-04",
    )
    resume_clock(
        rt.uow(),
        case_id=case.id,
        rule="review",
        actor=actor,
        reason="申请人已作出说明",
        now=at(D(2025, 3, 10)),
    )
    # 1 of 7 working days used (4 Mar); 6 left from Mon 10 Mar: 11-14, 17, 18 Mar.
    clock = _clock(rt, case.id, "review")
    assert (clock["status"], clock["due"], clock["pause_reason"]) == ("running", "2025-03-18", None)
    paused, resumed = (_events(rt, case.id, k)[0] for k in ("deadline_paused", "deadline_resumed"))
    assert paused.actor == resumed.actor == "supervisor.tianhe"
    assert paused.data["reason"] == "申请人须就经济状况作出说明"
    assert resumed.data["reason"] == "申请人已作出说明"


def test_a_clock_its_rule_pauses_resumes_only_with_its_state(rt, demo):
    actor = demo.actor("supervisor.tianhe")
    case = open_case(
        rt.uow(),
        actor=actor,
        workflow="legal_aid",
        org_unit_id=demo.unit("TH").id,
        now=at(D(2025, 3, 3)),
    )
    fire(
        rt.uow(),
        case_id=case.id,
        trigger="request_materials",
        actor=actor,
        data=good_data("legal_aid", "request_materials"),
        now=at(D(2025, 3, 5)),
    )
    with pytest.raises(GuardRefused) as exc:
        resume_clock(rt.uow(), case_id=case.id, rule="review", actor=actor, reason="材料已齐")
    assert exc.value.details["guard"] == "paused_by_state" and "补充材料" in exc.value.message_zh
    assert _clock(rt, case.id, "review")["status"] == "paused"


def test_a_users_pause_waits_for_a_user(rt, demo):
    actor = demo.actor("supervisor.tianhe")
    case = open_case(
        rt.uow(),
        actor=actor,
        workflow="legal_aid",
        org_unit_id=demo.unit("TH").id,
        now=at(D(2025, 3, 3)),
    )
    pause_clock(rt.uow(), case_id=case.id, rule="review", actor=actor, reason="等待说明")
    for trigger in ("request_materials", "supply_materials"):
        fire(
            rt.uow(),
            case_id=case.id,
            trigger=trigger,
            actor=actor,
            data=good_data("legal_aid", trigger),
        )
    clock = _clock(rt, case.id, "review")
    assert (clock["status"], clock["pause_reason"]) == ("paused", "等待说明")


def test_handling_clocks_pause_with_a_reason_and_extend_by_approval(rt, demo):
    case_id = negotiation_case(rt, demo, D(2025, 3, 3))  # 5 working days: Mon 10 Mar
    actor = demo.actor("supervisor.tianhe")
    extend_clock(
        rt.uow(),
        case_id=case_id,
        rule="negotiation",
        days=3,
        basis="officer_approval",
        approver="天河区总工会副主席 王某",
        actor=actor,
        now=at(D(2025, 3, 6)),
    )
    assert _clock(rt, case_id, "negotiation")["due"] == "2025-03-13"
    with pytest.raises(InvalidInput) as exc:
        extend_clock(
            rt.uow(),
            case_id=case_id,
            rule="negotiation",
            days=1,
            basis="parties_consent",
            note="x",
            actor=actor,
        )
    assert exc.value.field == "basis"
    pause_clock(
        rt.uow(),
        case_id=case_id,
        rule="negotiation",
        actor=actor,
        reason="企业负责人住院，约定出院后协商",
        now=at(D(2025, 3, 7)),
    )
    with rt.reader() as uow:
        assert get_case(uow.session, case_id).next_due_at is None  # nothing else runs
    with pytest.raises(InvalidInput):
        pause_clock(rt.uow(), case_id=case_id, rule="negotiation", actor=actor, reason="再停")


def test_only_those_acting_on_the_case_change_its_clocks(rt, demo):
    case_id = negotiation_case(rt, demo, D(2025, 3, 3))  # held by Tianhe (TH)
    with pytest.raises(NotPermitted):
        pause_clock(
            rt.uow(),
            case_id=case_id,
            rule="negotiation",
            actor=demo.actor("hotline"),
            reason="x",
        )


# -- the same acts on the command line -------------------------------------------------------


def test_clock_and_link_commands_act_as_the_named_user(rt, demo, db_url):
    mediation = new_case(rt, demo, "mediation", unit="TH")
    out = run_cli(
        db_url,
        "clock",
        "extend",
        mediation.ref,
        "mediation_period",
        "--days",
        "20",
        "--basis",
        "双方当事人同意",
        "--note",
        "双方当事人书面同意延长",
        "--as",
        "supervisor.tianhe",
    )
    assert out.returncode == 0, out.stderr
    assert "extended by 20 days (双方当事人同意)" in out.stdout
    event = _events(rt, mediation.id, "deadline_extended")[0]
    assert event.actor == "supervisor.tianhe" and event.data["note"] == "双方当事人书面同意延长"
    refused = run_cli(
        db_url,
        "clock",
        "pause",
        mediation.ref,
        "mediation_period",
        "--reason",
        "出差",
        "--as",
        "supervisor.tianhe",
    )
    assert refused.returncode == 2 and "第十四条" in refused.stderr
    outsider = run_cli(
        db_url,
        "clock",
        "extend",
        mediation.ref,
        "mediation_period",
        "--days",
        "1",
        "--basis",
        "parties_consent",
        "--note",
        "x",
        "--as",
        "caseworker.nanhuaxi",
    )
    assert outsider.returncode == 2 and len(_events(rt, mediation.id, "deadline_extended")) == 1

    arrears = new_case(rt, demo, "wage_arrears", unit="TH")
    for act, reason in (("pause", "等待职工补充工资条"), ("resume", "已补充")):
        out = run_cli(
            db_url,
            "clock",
            act,
            arrears.ref,
            "verification",
            "--reason",
            reason,
            "--as",
            "supervisor.tianhe",
            "--json",
        )
        assert out.returncode == 0, out.stderr
        assert json.loads(out.stdout)["clock"]["paused"] is (act == "pause")
    out = run_cli(
        db_url, "link", arrears.ref, "--workflow", "supervision", "--as", "supervisor.tianhe"
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("SUP-") and f"linked to {arrears.ref}" in out.stdout
    bad = run_cli(db_url, "link", arrears.ref, "--workflow", "hotline", "--as", "supervisor.tianhe")
    assert bad.returncode == 2 and "workflow" in bad.stderr


def test_a_clock_written_before_its_end_was_kept_resumes_the_same(rt, demo):
    """Clocks from before migration 0007 have no period_end: it is rebuilt from their parts."""
    case_id = arbitration_case(rt, demo, D(2025, 8, 17))
    actor = demo.actor("supervisor.tianhe")
    pause_clock(
        rt.uow(),
        case_id=case_id,
        rule="arbitration_award",
        actor=actor,
        reason="中止审理",
        now=at(D(2025, 8, 18)),
    )
    with rt.engine.begin() as conn:  # set-up only: the row as an older version wrote it
        conn.execute(
            update(Deadline.__table__)
            .where(Deadline.__table__.c.case_id == case_id)
            .values(period_end=None, pause_reason=None)
        )
    assert _clock(rt, case_id, "arbitration_award")["period_end"] == "2025-10-01"
    resume_clock(
        rt.uow(),
        case_id=case_id,
        rule="arbitration_award",
        actor=actor,
        reason="恢复审理",
        now=at(D(2025, 8, 21)),
    )
    clock = _clock(rt, case_id, "arbitration_award")
    assert (clock["period_end"], clock["due"]) == ("2025-10-04", "2025-10-09")
