"""The referral and feedback ledger (移送与反馈台账) on both databases: a wage-arrears case referred
to labour inspection, the agency's receipt and 立案, the 60-working-day clock from 立案, the
overdue sweep (督办 to the referring unit's supervisors, an event, a line on the joint-meeting
agenda), an inbound procuratorate clue opening a case, and the joint-meeting pack listing both.
"""

from __future__ import annotations

import datetime as dt
import io

import pytest
from docx import Document as Docx
from sqlalchemy import select

from casework.cases.queries import case_detail
from casework.clocks.calendar import load_calendar
from casework.clocks.queries import active_clocks
from casework.core.errors import InvalidInput, TransitionNotAllowed
from casework.core.time import end_of_day, local_date
from casework.models import CaseEvent, EmployerWarning, Notification, Referral
from casework.referrals import queries, service
from casework.referrals.pack import joint_meeting_docx
from casework.referrals.sweep import chase_overdue
from casework.warnings import service as warnings_service  # noqa: F401 - listens to signals
from tests.helpers import force_state, get_case, new_case, run_cli

SUP = "supervisor.tianhe"
CLUE = {
    "workflow": "supervision",
    "employer": {"name": "广州市某建筑劳务有限公司", "credit_code": "91440106MA5BD00024"},
    "worker_count": 12,
    "amount_claimed": "50000",
    "summary": "检察机关会商：某建筑劳务公司拖欠农民工工资且拒不配合",
}


def _negotiating(rt, demo):
    case = new_case(rt, demo, "wage_arrears", unit="TH", actor=SUP)
    force_state(rt, case.id, "negotiating")
    return case


def _refer(rt, demo, case, **kw):
    args = {
        "agency_kind": "labour_inspection",
        "agency_name": "天河区劳动保障监察大队",
        "basis": "工会法 第二十三条；保障农民工工资支付条例 第五十一条",
        "matter": "某建筑劳务公司拖欠12名农民工工资共5万元，经协商拒不支付",
        "data": {"violation_date": (local_date() - dt.timedelta(days=60)).isoformat()},
    }
    args.update(kw)
    return service.refer(rt.uow(), case_id=case.id, actor=demo.actor(SUP), **args)


def _notices(rt, kind="referral_overdue"):
    with rt.reader() as uow:
        return list(uow.session.scalars(select(Notification).where(Notification.kind == kind)))


def _events(rt, case_id, kind):
    with rt.reader() as uow:
        return list(
            uow.session.scalars(
                select(CaseEvent).where(CaseEvent.case_id == case_id, CaseEvent.kind == kind)
            )
        )


def test_a_wage_case_referred_to_inspection_is_chased_when_the_60_working_days_pass(rt, demo):
    case = _negotiating(rt, demo)
    today = local_date()
    r = _refer(rt, demo, case)
    # The ledger act fired the case's own step in the same transaction.
    with rt.reader() as uow:
        assert get_case(uow.session, case.id).state == "inspection_referred"
        cal = load_calendar(uow.session)
    assert r.stage == "acceptance" and r.due_on == cal.add_working_days(today, 5)
    assert "若干规定 第十八条" in r.citation

    r = service.record_receipt(
        rt.uow(),
        case_id=case.id,
        referral_id=r.id,
        actor=demo.actor(SUP),
        received_on=today,
        agency_ref="穗天人社监〔2026〕118号",
    )
    assert r.received_on == today and r.agency_ref == "穗天人社监〔2026〕118号"
    r = service.record_filing(
        rt.uow(), case_id=case.id, referral_id=r.id, actor=demo.actor(SUP), filed_on=today
    )
    due = cal.add_working_days(today, 60)
    assert (r.stage, r.due_on) == ("investigation", due)
    assert "劳动保障监察条例 第十七条" in r.citation
    with rt.reader() as uow:
        held = get_case(uow.session, case.id)
        assert held.state == "inspection"  # record_inspection_filed fired
        clock = next(d for d in active_clocks(uow.session, case.id))
        assert (clock.rule, clock.started_on, clock.due_on) == ("inspection_completion", today, due)

    # The day after the due day, the sweep chases it: once, however often it runs.
    later = end_of_day(due) + dt.timedelta(hours=1)
    assert chase_overdue(rt, now=later - dt.timedelta(days=1)).chased == 0
    first = chase_overdue(rt, now=later)
    again = chase_overdue(rt, now=later + dt.timedelta(days=3))
    assert (first.chased, again.chased) == (1, 0)
    notices = _notices(rt)
    assert [n.user_id for n in notices] == [demo.actor(SUP).user_id]  # the TH supervisor
    assert "督办" in notices[0].title and "联席会议" in notices[0].body
    [event] = _events(rt, case.id, "referral_overdue")
    assert event.data["due_on"] == due.isoformat() and event.data["agenda"] is True
    # The employer's early warning heard it in the same transaction: one blue warning.
    with rt.reader() as uow:
        [w] = uow.session.scalars(
            select(EmployerWarning).where(
                EmployerWarning.employer_id == case.employer_id,
                EmployerWarning.rule == "referral_overdue",
            )
        ).all()
    assert (w.rule, w.level, w.basis) == ("referral_overdue", "blue", f"referral:{r.id}")

    pack = queries.joint_meeting(rt.reader(), actor=demo.actor(SUP), year=today.year, now=later)
    inspection = next(a for a in pack["agencies"] if a["agency_kind"] == "labour_inspection")
    assert (inspection["sent"], inspection["open"], inspection["overdue"]) == (1, 1, 1)
    [line] = pack["agenda"]
    assert line["case_ref"] == case.ref and line["due_on"] == due.isoformat()

    # The agency answers late: the clock stops and the answer counts as late.
    answered_on = today  # recorded today (a date in the future is refused)
    r = service.record_answer(
        rt.uow(),
        case_id=case.id,
        referral_id=r.id,
        actor=demo.actor(SUP),
        answered_on=answered_on,
        outcome="已依法处理（责令改正、责令支付、裁决等）",
        answer="已责令该公司限期支付拖欠工资",
    )
    assert r.outcome == "handled" and r.stage is None and r.chase_at is None and r.missed
    pack = queries.joint_meeting(rt.reader(), actor=demo.actor(SUP), year=today.year)
    assert pack["totals"]["answered_late"] == 1 and pack["answers"][0]["on_time"] is False


def test_the_clock_of_a_referral_counts_from_the_agencys_receipt(rt, demo):
    case = _negotiating(rt, demo)
    today = local_date()
    sent = today - dt.timedelta(days=20)
    r = _refer(rt, demo, case, sent_on=sent)
    with rt.reader() as uow:
        cal = load_calendar(uow.session)
    assert r.due_on == cal.add_working_days(sent, 5)
    received = today - dt.timedelta(days=2)
    r = service.record_receipt(
        rt.uow(), case_id=case.id, referral_id=r.id, actor=demo.actor(SUP), received_on=received
    )
    assert r.due_on == cal.add_working_days(received, 5)
    # Sent 20 days ago and past its acceptance clock now: listed as overdue.
    overdue = queries.referrals(rt.reader(), actor=demo.actor(SUP), status="overdue")
    awaiting = queries.referrals(rt.reader(), actor=demo.actor(SUP), status="awaiting")
    expected_overdue = cal.add_working_days(received, 5) < today
    assert overdue.total == int(expected_overdue) and awaiting.total == int(not expected_overdue)


def test_dates_may_not_lie_in_the_future_or_before_the_step_before(rt, demo):
    case = _negotiating(rt, demo)
    today = local_date()
    r = _refer(rt, demo, case, sent_on=today - dt.timedelta(days=3))
    act = {"case_id": case.id, "referral_id": r.id, "actor": demo.actor(SUP)}
    with pytest.raises(InvalidInput) as err:
        service.record_receipt(rt.uow(), **act, received_on=today + dt.timedelta(days=1))
    assert err.value.field == "received_on" and "不能晚于今天" in err.value.reason_zh
    with pytest.raises(InvalidInput) as err:
        service.record_receipt(rt.uow(), **act, received_on=today - dt.timedelta(days=4))
    assert err.value.field == "received_on" and "不能早于移送日期" in err.value.reason_zh
    service.record_receipt(rt.uow(), **act, received_on=today - dt.timedelta(days=2))
    with pytest.raises(InvalidInput) as err:
        service.record_filing(rt.uow(), **act, filed_on=today - dt.timedelta(days=3))
    assert err.value.field == "filed_on" and "不能早于机关收到日期" in err.value.reason_zh
    with pytest.raises(InvalidInput) as err:
        _refer(rt, demo, case, sent_on=today + dt.timedelta(days=1))
    assert err.value.field == "sent_on"


def test_the_union_never_refers_to_the_police_itself(rt, demo):
    case = _negotiating(rt, demo)
    with pytest.raises(InvalidInput) as err:
        _refer(rt, demo, case, agency_kind="公安机关", agency_name="天河区公安分局")
    assert err.value.field == "agency_kind"
    assert (
        "提请人力资源社会保障部门" in err.value.reason_zh and "移送公安机关" in err.value.reason_zh
    )
    with rt.reader() as uow:
        assert uow.session.scalar(select(Referral.id)) is None  # nothing written


def test_an_extension_is_the_agencys_laws_once(rt, demo):
    case = _negotiating(rt, demo)
    today = local_date()
    r = _refer(rt, demo, case)
    act = {"case_id": case.id, "referral_id": r.id, "actor": demo.actor(SUP)}
    with pytest.raises(InvalidInput) as err:  # acceptance has no extension
        service.record_extension(rt.uow(), **act, note="延期")
    assert err.value.field == "days"
    service.record_filing(rt.uow(), **act, filed_on=today)
    with pytest.raises(InvalidInput):
        service.record_extension(rt.uow(), **act, note="批准", days=31)
    r = service.record_extension(rt.uow(), **act, note="经区人社局负责人批准延长")
    with rt.reader() as uow:
        cal = load_calendar(uow.session)
    assert r.extended_days == 30 and r.due_on == cal.add_working_days(today, 90)
    assert "可以延长30个工作日" in r.citation
    with pytest.raises(InvalidInput):
        service.record_extension(rt.uow(), **act, note="再次延期")


def test_arbitration_on_a_failed_mediation_moves_the_mediation_case(rt, demo):
    case = new_case(rt, demo, "mediation", unit="TH", actor=SUP)
    force_state(rt, case.id, "failed")
    today = local_date()
    r = service.refer(
        rt.uow(),
        case_id=case.id,
        actor=demo.actor(SUP),
        agency_kind="arbitration",
        agency_name="天河区劳动人事争议仲裁委员会",
        basis="劳动争议调解仲裁法 第十四条",
        matter="调解不成，协助职工申请仲裁",
    )
    act = {"case_id": case.id, "referral_id": r.id, "actor": demo.actor(SUP)}
    service.record_filing(rt.uow(), **act, filed_on=today)
    with rt.reader() as uow:
        assert get_case(uow.session, case.id).state == "arbitration_accepted"
        cal = load_calendar(uow.session)
    r = service.record_extension(rt.uow(), **act, note="仲裁委主任批准延期")
    assert r.stage == "award" and r.due_on == cal.roll(today + dt.timedelta(days=60))
    service.record_answer(
        rt.uow(), **act, answered_on=today, outcome="settled", answer="仲裁调解结案"
    )
    with rt.reader() as uow:
        case_now = get_case(uow.session, case.id)
        assert case_now.state == "arbitration_closed"
        assert case_now.attributes["award"] == "仲裁调解结案"
    with pytest.raises(TransitionNotAllowed):
        service.record_receipt(rt.uow(), **act, received_on=today)


def test_an_inbound_procuratorate_clue_opens_a_case_with_its_sender(rt, demo):
    today = local_date()
    case = service.open_case(
        rt.uow(),
        actor=demo.actor(SUP),
        channel="referral",
        referred_by={
            "agency_kind": "人民检察院",
            "agency_name": "天河区人民检察院",
            "reference": "穗天检会〔2026〕7号",
            "received_on": today,
        },
        **CLUE,
    )
    view = case_detail(rt.reader(), actor=demo.actor(SUP), case_id=case.id)
    assert view["channel"] == "referral"
    assert view["referred_by"]["agency_name"] == "天河区人民检察院"
    assert view["referred_by"]["agency_kind"] == "procuratorate"
    pack = queries.joint_meeting(rt.reader(), actor=demo.actor(SUP), year=today.year)
    [line] = pack["inbound"]
    assert line["case_ref"] == case.ref and line["reference"] == "穗天检会〔2026〕7号"
    with pytest.raises(InvalidInput) as err:
        service.open_case(rt.uow(), actor=demo.actor(SUP), channel="referral", **CLUE)
    assert err.value.field == "referred_by"
    with pytest.raises(InvalidInput) as err:
        service.open_case(
            rt.uow(),
            actor=demo.actor(SUP),
            channel="walk_in",
            referred_by={"agency_kind": "court", "agency_name": "天河区人民法院"},
            **CLUE,
        )
    assert err.value.field == "referred_by"


def test_the_joint_meeting_pack_lists_the_agenda_and_the_clue_in_csv_and_docx(rt, demo, db_url):
    today = local_date()
    case = _negotiating(rt, demo)
    r = _refer(rt, demo, case, sent_on=today - dt.timedelta(days=30))
    service.open_case(
        rt.uow(),
        actor=demo.actor(SUP),
        channel="referral",
        referred_by={"agency_kind": "procuratorate", "agency_name": "天河区人民检察院"},
        **CLUE,
    )
    out = run_cli(db_url, "sweep", "--json")  # the CLI's sweep runs the referral pass too
    assert out.returncode == 0, out.stderr
    with rt.reader() as uow:
        assert uow.session.get(Referral, r.id).overdue_at is not None
    pack = queries.joint_meeting(rt.reader(), actor=demo.actor(SUP), year=today.year)
    text = queries.joint_meeting_csv(pack)
    assert "联席会议议程：逾期未反馈" in text and "天河区人民检察院" in text
    doc = Docx(io.BytesIO(joint_meeting_docx(pack)))
    words = "\n".join(p.text for p in doc.paragraphs) + "\n".join(
        c.text for t in doc.tables for row in t.rows for c in row.cells
    )
    assert "政府与工会联席会议" in doc.paragraphs[0].text
    assert case.ref in words and "天河区劳动保障监察大队" in words and "天河区人民检察院" in words
