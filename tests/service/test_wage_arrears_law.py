"""Wage arrears against the statutes (issue 11): who refers a crime, when inspection clocks run,
and the lawful branches between an order to pay and the police (docs/domain.md §4)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

import workflows
from casework.cases.service import fire
from casework.core.errors import GuardRefused, InvalidInput, LevelTooLow, TransitionNotAllowed
from casework.escalation.sweep import sweep
from casework.models import Deadline, Notification
from tests.helpers import force_state, get_case, new_case

SH = ZoneInfo("Asia/Shanghai")
WAGES = "wage_arrears"


def at(y, m, d, h=9):
    return dt.datetime(y, m, d, h, tzinfo=SH)


def _fire(rt, demo, case, trigger, data=None, *, now, who="supervisor.tianhe"):
    return fire(
        rt.uow(), case_id=case.id, trigger=trigger, actor=demo.actor(who), data=data, now=now
    )


def _clocks(rt, case_id):
    with rt.reader() as uow:
        return {
            d.rule: d
            for d in uow.session.scalars(
                select(Deadline).where(Deadline.case_id == case_id).order_by(Deadline.id)
            )
        }


ORDER = {
    "order_issued_on": "2025-03-03",
    "order_department": "天河区人力资源和社会保障局",
    "order_deadline": "2025-03-10",
    "order_service": "送达本人、同住成年家属或单位收件人",
}


def _ordered(rt, demo, **case_kw):
    """A case where 人社 opened an inspection and ordered payment by 2025-03-10."""
    case = new_case(rt, demo, WAGES, **case_kw)
    force_state(rt, case.id, "inspection")
    _fire(rt, demo, case, "record_payment_order", ORDER, now=at(2025, 3, 3))
    return case


def test_criminal_referral_is_the_union_asking_hrss_after_an_unmet_order(rt, demo):
    # An absconded employer no longer goes straight to the police from the union's desk.
    case = new_case(rt, demo, WAGES)
    force_state(rt, case.id, "absconded")
    with pytest.raises(TransitionNotAllowed):
        _fire(rt, demo, case, "refer_criminal", {"months_in_arrears": 4}, now=at(2025, 3, 3))
    # Absconded: the order may be posted at the premises (法释〔2013〕3号 第四条).
    posted = {**ORDER, "order_service": "posted"}
    assert _fire(rt, demo, case, "record_payment_order", posted, now=at(2025, 3, 3)).state == (
        "payment_ordered"
    )
    # Before the deadline passes the order is not "unmet".
    with pytest.raises(GuardRefused) as err:
        _fire(rt, demo, case, "report_order_unpaid", now=at(2025, 3, 10))
    assert err.value.details["guard"] == "order_deadline_passed"
    _fire(rt, demo, case, "report_order_unpaid", now=at(2025, 3, 11))
    asked = _fire(
        rt,
        demo,
        case,
        "refer_criminal",
        {"months_in_arrears": 4, "hrss_department": "天河区人社局"},
        now=at(2025, 3, 12),
    )
    assert asked.state == "criminal_transfer_requested"
    done = _fire(
        rt,
        demo,
        case,
        "record_criminal_transfer",
        {"transferred_on": "2025-03-14", "police": "天河区公安分局"},
        now=at(2025, 3, 17),
    )
    assert done.state == "criminal_referred"
    assert done.attributes["transferred_on"] == "2025-03-14"
    assert done.attributes["order_department"] == "天河区人力资源和社会保障局"
    assert done.attributes["order_service"] == "posted"


def test_criminal_referral_needs_a_recorded_order_not_met(rt, demo):
    case = new_case(rt, demo, WAGES)
    # A case in the state without the order recorded (e.g. data lost): refused, naming the law.
    force_state(rt, case.id, "order_unpaid")
    with pytest.raises(GuardRefused) as err:
        _fire(rt, demo, case, "refer_criminal", {"months_in_arrears": 4}, now=at(2025, 3, 12))
    assert err.value.details["guard"] == "order_not_met"
    assert "责令支付" in err.value.message_zh and "第二百七十六条之一" in err.value.message_zh
    # The transfer is recorded with its date: without it the step is refused.
    other = new_case(rt, demo, WAGES)
    force_state(rt, other.id, "criminal_transfer_requested")
    with pytest.raises(InvalidInput) as bad:
        _fire(rt, demo, other, "record_criminal_transfer", {"police": "公安"}, now=at(2025, 3, 3))
    assert bad.value.field == "transferred_on"
    # 人社 may decline: the case goes back to the unmet order and its other remedies.
    back = _fire(
        rt, demo, other, "record_transfer_declined", {"reason": "证据不足"}, now=at(2025, 3, 3)
    )
    assert back.state == "order_unpaid"


def test_an_order_dated_in_the_future_or_due_before_it_was_made_is_refused(rt, demo):
    case = new_case(rt, demo, WAGES)
    force_state(rt, case.id, "inspection")
    for wrong in ({"order_deadline": "2025-03-01"}, {"order_issued_on": "2025-03-04"}):
        with pytest.raises(GuardRefused) as err:
            _fire(rt, demo, case, "record_payment_order", {**ORDER, **wrong}, now=at(2025, 3, 3))
        assert err.value.details["guard"] == "order_dates"


def test_inspection_period_runs_from_the_recorded_filing_date(rt, demo):
    case = new_case(rt, demo, WAGES)
    force_state(rt, case.id, "negotiating")
    referred = _fire(
        rt,
        demo,
        case,
        "refer_to_inspection",
        {"violation_date": "2025-01-31", "reason": "拒不协商"},
        now=at(2025, 3, 3),
    )
    assert referred.state == "inspection_referred"
    clocks = _clocks(rt, case.id)
    assert "inspection_completion" not in clocks  # the 60 days do not start at the referral
    accept = clocks["inspection_decision"]
    assert (accept.days, accept.unit, accept.started_on) == (5, "working", dt.date(2025, 3, 3))
    assert accept.due_on == dt.date(2025, 3, 10)
    assert "若干规定 第十八条" in accept.citation and "第十七条" not in accept.citation
    # Filed on Wed 5 March, recorded on Fri 7 March: the 60 working days count from the 5th.
    filed = _fire(
        rt,
        demo,
        case,
        "record_inspection_filed",
        {"filed_on": "2025-03-05", "inspectorate": "天河区劳动保障监察大队"},
        now=at(2025, 3, 7),
    )
    assert filed.state == "inspection"
    clocks = _clocks(rt, case.id)
    assert clocks["inspection_decision"].status == "met"
    period = clocks["inspection_completion"]
    assert (period.days, period.started_on) == (60, dt.date(2025, 3, 5))
    # 60 working days from 5 March 2025 (Qingming 4 Apr, Labour Day 1–5 May with the 27 Apr
    # make-up day, Dragon Boat 31 May–2 Jun) end on Tue 3 June; from the referral on 3 March
    # they would have ended on Fri 30 May.
    assert period.due_on == dt.date(2025, 6, 3)
    assert "第十七条" in period.citation
    with pytest.raises(GuardRefused):  # a filing dated tomorrow would start the clock late
        other = new_case(rt, demo, WAGES)
        force_state(rt, other.id, "inspection_referred")
        _fire(
            rt,
            demo,
            other,
            "record_inspection_filed",
            {"filed_on": "2025-03-08"},
            now=at(2025, 3, 7),
        )


def test_inspection_extension_is_thirty_working_days_on_approval():
    rule = workflows.get(WAGES).rule("inspection_completion")
    assert (rule.extendable_days, rule.extension_unit or rule.unit) == (30, "working")
    assert rule.starts_from == "filed_on"


def test_referral_to_inspection_refused_after_the_two_year_look_back(rt, demo):
    case = new_case(rt, demo, WAGES)
    force_state(rt, case.id, "negotiating")
    with pytest.raises(InvalidInput) as missing:
        _fire(rt, demo, case, "refer_to_inspection", {"reason": "拒不协商"}, now=at(2025, 3, 3))
    assert missing.value.field == "violation_date"
    with pytest.raises(GuardRefused) as err:
        _fire(
            rt,
            demo,
            case,
            "refer_to_inspection",
            {"violation_date": "2023-03-02"},
            now=at(2025, 3, 3),
        )
    assert err.value.details["guard"] == "within_look_back" and "第二十条" in err.value.message_zh
    # Two years to the day is still within the period.
    ok = _fire(
        rt, demo, case, "refer_to_inspection", {"violation_date": "2023-03-03"}, now=at(2025, 3, 3)
    )
    assert ok.state == "inspection_referred"


def test_unmet_order_leads_to_additional_compensation_of_50_to_100_percent(rt, demo):
    case = _ordered(rt, demo)
    _fire(rt, demo, case, "report_order_unpaid", now=at(2025, 3, 11))
    for rate in (49, 101):
        with pytest.raises(InvalidInput) as err:
            _fire(
                rt,
                demo,
                case,
                "record_compensation_order",
                {"compensation_rate": rate},
                now=at(2025, 3, 12),
            )
        assert err.value.field == "compensation_rate"
    done = _fire(
        rt,
        demo,
        case,
        "record_compensation_order",
        {
            "compensation_rate": "100",
            "compensation_amount": "50000",
            "compensation_deadline": "2025-03-20",
        },
        now=at(2025, 3, 12),
    )
    assert done.state == "compensation_ordered"
    assert (done.attributes["compensation_rate"], done.attributes["compensation_amount"]) == (
        100,
        "50000.00",
    )


def test_payment_order_deadline_is_watched_and_its_passing_notified(rt, demo):
    case = _ordered(rt, demo)
    clock = _clocks(rt, case.id)["payment_order_deadline"]
    assert clock.due_on == dt.date(2025, 3, 10)
    assert sweep(rt, now=at(2025, 3, 11, 1)).expired == 1
    with rt.reader() as uow:
        kinds = [
            n.kind
            for n in uow.session.scalars(
                select(Notification).where(Notification.case_id == case.id)
            )
        ]
        assert "deadline_expired" in kinds
        assert get_case(uow.session, case.id).state == "payment_ordered"  # the union records it


def test_court_enforcement_of_an_unmet_payment_order(rt, demo):
    case = _ordered(rt, demo)
    _fire(rt, demo, case, "report_order_unpaid", now=at(2025, 3, 11))
    done = _fire(
        rt,
        demo,
        case,
        "record_court_enforcement",
        {"enforcement_applied_on": "2025-03-12", "court": "天河区人民法院"},
        now=at(2025, 3, 12),
    )
    assert done.state == "court_enforcement"
    assert done.attributes["court"] == "天河区人民法院"
    paid = _fire(rt, demo, case, "record_payment", {"amount_paid": "50000"}, now=at(2025, 4, 1))
    assert paid.state == "paid"


def test_naming_and_dishonest_list_after_an_unmet_order(rt, demo):
    case = _ordered(rt, demo)
    _fire(rt, demo, case, "report_order_unpaid", now=at(2025, 3, 11))
    listed = _fire(
        rt,
        demo,
        case,
        "record_public_listing",
        {
            "measure": "列入拖欠农民工工资失信联合惩戒对象名单",
            "listed_on": "2025-03-20",
            "department": "广州市人力资源和社会保障局",
        },
        now=at(2025, 3, 21),
    )
    # Listing is a measure alongside the others: the case stays where it was.
    assert listed.state == "order_unpaid"
    assert listed.attributes["measure"] == "dishonest_list"
    # Without an order recorded as unmet, no listing.
    bare = new_case(rt, demo, WAGES)
    force_state(rt, bare.id, "order_unpaid")
    with pytest.raises(GuardRefused) as err:
        _fire(
            rt,
            demo,
            bare,
            "record_public_listing",
            {"measure": "public_naming", "listed_on": "2025-03-20"},
            now=at(2025, 3, 21),
        )
    assert err.value.details["guard"] == "order_not_met"


def test_general_contractor_pays_first_on_construction_projects(rt, demo):
    data = {"liable_party": "general_contractor", "liable_unit": "某建设集团有限公司"}
    case = new_case(rt, demo, WAGES)
    force_state(rt, case.id, "negotiating")
    with pytest.raises(GuardRefused) as err:
        _fire(rt, demo, case, "demand_contractor_payment", data, now=at(2025, 3, 3))
    assert err.value.details["guard"] == "construction_project"
    built = new_case(rt, demo, WAGES)
    force_state(rt, built.id, "negotiating", attributes={"project": "天河某住宅项目"})
    builder = {"liable_party": "建设单位以未结清的工程款为限先行垫付", "liable_unit": "某置业公司"}
    done = _fire(rt, demo, built, "demand_contractor_payment", builder, now=at(2025, 3, 3))
    assert done.state == "contractor_liable"
    assert done.attributes["liable_party"] == "builder_advance"
    # If the contractor does not pay either, labour inspection is the next step.
    referred = _fire(
        rt, demo, built, "refer_to_inspection", {"violation_date": "2025-02-01"}, now=at(2025, 3, 4)
    )
    assert referred.state == "inspection_referred"


def test_emergency_fund_also_when_the_employer_cannot_pay_for_now(rt, demo):
    case = new_case(rt, demo, WAGES)
    force_state(rt, case.id, "negotiating")
    with pytest.raises(InvalidInput) as err:
        _fire(
            rt, demo, case, "request_emergency_fund", {"fund_amount": "20000"}, now=at(2025, 3, 3)
        )
    assert err.value.field == "unable_reason"
    done = _fire(
        rt,
        demo,
        case,
        "request_emergency_fund",
        {"fund_amount": "20000", "unable_reason": "工程款未结算，一时难以支付"},
        now=at(2025, 3, 3),
    )
    assert done.state == "fund_requested"
    # Still a county-level act.
    low = new_case(rt, demo, WAGES, unit="TH-SP")
    force_state(rt, low.id, "negotiating")
    with pytest.raises(LevelTooLow):
        _fire(
            rt,
            demo,
            low,
            "request_emergency_fund",
            {"fund_amount": "1", "unable_reason": "周转困难"},
            now=at(2025, 3, 3),
        )


def test_repayment_due_is_monitored_with_a_reminder_and_an_overdue_notice(rt, demo):
    case = new_case(rt, demo, WAGES)
    force_state(rt, case.id, "negotiating")
    with pytest.raises(GuardRefused):  # a date already past cannot be monitored
        _fire(
            rt,
            demo,
            case,
            "sign_repayment_agreement",
            {"repayment_due": "2025-03-02"},
            now=at(2025, 3, 3),
        )
    _fire(
        rt,
        demo,
        case,
        "sign_repayment_agreement",
        {"repayment_due": "2025-03-14"},
        now=at(2025, 3, 3),
    )
    clock = _clocks(rt, case.id)["repayment_due"]
    assert (clock.due_on, clock.status) == (dt.date(2025, 3, 14), "running")
    assert sweep(rt, now=at(2025, 3, 13, 8)).reminders == 1
    assert sweep(rt, now=at(2025, 3, 14, 18)).expired == 0
    assert sweep(rt, now=at(2025, 3, 15, 1)).expired == 1
    with rt.reader() as uow:
        notes = {
            n.kind: n
            for n in uow.session.scalars(
                select(Notification).where(Notification.case_id == case.id)
            )
        }
    assert {"due_soon", "deadline_expired"} <= set(notes)
    assert "约定还款日" in notes["deadline_expired"].title


def test_criminal_thresholds_are_provincial_settings(rt, demo):
    # Guangdong, class-one cities (广州 …): ¥20,000 for one worker, ¥100,000 for 10+ workers
    # (粤高法发〔2015〕4号). One worker owed ¥15,000 for 4 months meets the national floor
    # (¥5,000) but not Guangdong's.
    guangdong = dataclasses.replace(
        rt,
        settings=rt.settings.with_overrides(
            guard_settings={
                **rt.settings.guard_settings,
                "criminal_single_amount": "20000",
                "criminal_group_amount": "100000",
            }
        ),
    )
    data = {"months_in_arrears": 4, "hrss_department": "天河区人社局"}

    def refer(runtime):
        case = _ordered(rt, demo, worker_count=1, amount_claimed="15000")
        _fire(rt, demo, case, "report_order_unpaid", now=at(2025, 3, 11))
        return fire(
            runtime.uow(),
            case_id=case.id,
            trigger="refer_criminal",
            actor=demo.actor("supervisor.tianhe"),
            data=data,
            now=at(2025, 3, 12),
        )

    with pytest.raises(GuardRefused) as err:
        refer(guangdong)
    assert err.value.details["guard"] == "criminal_threshold"
    assert refer(rt).state == "criminal_transfer_requested"  # the national floor
