"""The 12351 work-order loop (docs/domain.md §7): calls answered on the line leave nothing
running; calls a unit must handle are dispatched to it; complaints about a union body go to the
level above it."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from sqlalchemy import func, select

from casework.cases.queries import related_calls
from casework.cases.service import fire, merge
from casework.core.errors import GuardRefused, InvalidInput, NotFound, TransitionNotAllowed
from casework.escalation.sweep import sweep
from casework.intake.queries import callback_queue
from casework.intake.service import CallerInput, EmployerInput, file_intake, record_callback
from casework.models import Case, Deadline, Notification
from tests.helpers import get_case

PHONE = "13812345678"


def with_sample(rt, percent):
    """The runtime with call-backs sampled for ``percent`` % of answered consultations."""
    return dataclasses.replace(
        rt, settings=rt.settings.with_overrides(consultation_callback_percent=percent)
    )


def call(rt, demo, *, category, employer=None, actor="hotline", phone_suffix=None, **kw):
    phone = PHONE if phone_suffix is None else f"1391234561{phone_suffix}"
    return file_intake(
        rt.uow(),
        actor=demo.actor(actor),
        caller=CallerInput(name="张三", phone=phone),
        employer=employer,
        category=category,
        description=kw.pop("description", "来电内容"),
        **kw,
    )


def running_clocks(rt, case_id):
    with rt.reader() as uow:
        return list(
            uow.session.scalars(
                select(Deadline.rule).where(
                    Deadline.case_id == case_id, Deadline.status.in_(("running", "paused"))
                )
            )
        )


def notices(rt) -> int:
    with rt.reader() as uow:
        return uow.session.scalar(select(func.count()).select_from(Notification))


@pytest.mark.parametrize("category", ["consultation", "suggestion"])
def test_a_consultation_answered_on_the_call_leaves_no_clock_and_no_notice(rt, demo, category):
    rt = with_sample(rt, 0)
    before = notices(rt)
    r = call(
        rt,
        demo,
        category=category,
        description="加班费怎么算？",
        answer="工作日加班按150%支付，休息日200%，法定节假日300%。",
    )
    order = r.body["work_order"]
    assert order["state"] == "closed" and r.body["case"] is None
    with rt.reader() as uow:
        stored = get_case(uow.session, order["id"])
        # The operator's own answer is recorded, not a copy of what the caller asked.
        assert stored.attributes["answer"] == "工作日加班按150%支付，休息日200%，法定节假日300%。"
        assert stored.employer_id is None and stored.next_due_at is None
    assert running_clocks(rt, order["id"]) == []
    week_later = dt.datetime.now(dt.UTC) + dt.timedelta(days=7)
    assert sweep(rt, now=week_later).expired == 0
    assert notices(rt) == before


def test_an_answer_is_required_for_a_consultation(rt, demo):
    with pytest.raises(InvalidInput) as err:
        call(rt, demo, category="consultation", description="加班费怎么算？")
    assert err.value.field == "answer"
    with rt.reader() as uow:
        assert uow.session.scalar(select(func.count()).select_from(Case)) == 0


def test_sampled_consultations_wait_for_a_call_back(rt, demo):
    rt = with_sample(rt, 100)
    r = call(rt, demo, category="consultation", answer="已告知。")
    assert r.body["work_order"]["state"] == "answered"
    assert running_clocks(rt, r.body["work_order"]["id"]) == ["answer_callback"]


def test_the_sample_is_the_set_share_of_consultations(rt, demo):
    rt = with_sample(rt, 25)
    states = [
        call(rt, demo, category="consultation", answer="已告知。").body["work_order"]["state"]
        for _ in range(8)
    ]
    assert states.count("answered") == 2 and states.count("closed") == 6


def test_service_help_needs_no_employer_and_is_dispatched(rt, demo):
    r = call(rt, demo, category="service_help", description="申请困难职工帮扶")
    order = r.body["work_order"]
    assert r.body["case"] is None
    # No employer to route by: the receiving unit dispatches it by hand.
    assert order["state"] == "registered" and order["manual_dispatch"] is True
    assert running_clocks(rt, order["id"]) == ["dispatch"]


def test_a_complaint_about_a_union_body_lands_at_the_level_above_it(rt, demo):
    r = call(
        rt,
        demo,
        category="complaint",
        description="街道工会对我的求助推诿不办",
        complained_unit_code="TH-SP",
    )
    order = r.body["work_order"]
    assert r.body["case"] is None and order["state"] == "dispatched"
    assert r.body["routed_to"]["code"] == "TH"
    with rt.reader() as uow:
        stored = get_case(uow.session, order["id"])
        assert stored.org_unit.code == "TH"
        assert stored.attributes["complained_unit"] == "TH-SP"


def test_a_complaint_names_the_unit_complained_about(rt, demo):
    with pytest.raises(InvalidInput) as err:
        call(rt, demo, category="complaint", description="投诉")
    assert err.value.field == "complained_unit_code"
    with pytest.raises(NotFound):
        call(rt, demo, category="complaint", description="投诉", complained_unit_code="NOPE")


def test_a_case_category_still_needs_the_employer(rt, demo):
    with pytest.raises(InvalidInput) as err:
        call(rt, demo, category="wage_arrears")
    assert err.value.field == "employer"
    r = call(
        rt,
        demo,
        category="wage_arrears",
        employer=EmployerInput(name="广州市某建筑劳务有限公司", credit_code="91440106MA5BD00024"),
    )
    assert r.body["case"] is not None


def test_a_closed_case_reports_back_to_its_work_order_by_itself(rt, demo):
    r = call(
        rt,
        demo,
        category="wage_arrears",
        employer=EmployerInput(name="广州市某建筑劳务有限公司", credit_code="91440106MA5BD00024"),
    )
    order_id, case_id = r.body["work_order"]["id"], r.body["case"]["id"]
    worker = demo.actor("caseworker.shipai")
    fire(rt.uow(), case_id=order_id, trigger="accept", actor=worker)  # 签收
    for trigger, data in (
        ("verify", {"months_in_arrears": 2}),
        ("start_negotiation", {}),
        ("record_payment", {"amount_paid": "8600"}),
        ("complete_callback", {"satisfaction": "满意"}),
    ):
        fire(rt.uow(), case_id=case_id, trigger=trigger, actor=worker, data=data)
    with rt.reader() as uow:
        order = get_case(uow.session, order_id)
        case = get_case(uow.session, case_id)
        assert case.state == "resolved"
        assert order.state == "result_reported"
        assert order.attributes["result"].startswith(f"{case.ref} 已解决")
        # Handling is done: the order now waits for the hotline's call-back, on its own clock.
    assert running_clocks(rt, order_id) == ["callback"]
    done = fire(
        rt.uow(),
        case_id=order_id,
        trigger="complete_callback",
        actor=demo.actor("hotline"),
        data={"satisfaction": "satisfied"},
    )
    assert done.state == "closed" and running_clocks(rt, order_id) == []


def _reported(rt, demo):
    """A wage-arrears call whose case closed, its work order waiting for the call-back."""
    r = call(
        rt,
        demo,
        category="wage_arrears",
        employer=EmployerInput(name="广州市某建筑劳务有限公司", credit_code="91440106MA5BD00024"),
    )
    order_id, case_id = r.body["work_order"]["id"], r.body["case"]["id"]
    worker = demo.actor("caseworker.shipai")
    fire(rt.uow(), case_id=order_id, trigger="accept", actor=worker)
    fire(rt.uow(), case_id=case_id, trigger="reject", actor=worker, data={"reason": "重复登记"})
    return order_id


def test_a_dissatisfied_call_back_sends_the_order_back_with_a_notice(rt, demo):
    order_id = _reported(rt, demo)
    before = notices(rt)
    order = record_callback(
        rt.uow(),
        order_id=order_id,
        outcome="不满意",
        note="工资仍未到账",
        actor=demo.actor("hotline"),
    )
    assert order.state == "accepted" and order.org_unit.code == "TH-SP"
    assert order.attributes["satisfaction"] == "dissatisfied"
    assert running_clocks(rt, order_id) == ["handling"]  # the handling clock starts again
    with rt.reader() as uow:
        sent = uow.session.scalars(
            select(Notification).where(Notification.kind == "callback_dissatisfied")
        ).all()
        assert sent and all(n.case_id == order_id for n in sent)
        assert "发回" in sent[0].title and notices(rt) > before


def test_an_unreachable_caller_is_tried_once_more_then_the_order_closes(rt, demo):
    order_id = _reported(rt, demo)
    hotline = demo.actor("hotline")
    first = record_callback(rt.uow(), order_id=order_id, outcome="无法联系", actor=hotline)
    assert first.state == "result_reported" and first.attributes["callback_attempts"] == 1
    queue = callback_queue(rt.reader(), actor=hotline)
    assert [(i["id"], i["attempts"]) for i in queue["items"]] == [(order_id, 1)]
    # The console's short button word 未接通 names the same outcome.
    second = record_callback(rt.uow(), order_id=order_id, outcome="未接通", actor=hotline)
    assert second.state == "closed" and second.attributes["satisfaction"] == "unreachable"
    assert callback_queue(rt.reader(), actor=hotline)["items"] == []


@pytest.mark.parametrize("outcome", ["satisfied", "基本满意", "declined"])
def test_a_call_back_closes_the_order(rt, demo, outcome):
    order_id = _reported(rt, demo)
    queue = callback_queue(rt.reader(), actor=demo.actor("hotline"))["items"]
    assert [i["id"] for i in queue] == [order_id] and queue[0]["result"].endswith(
        "不予立案：重复登记"
    )
    done = record_callback(
        rt.uow(), order_id=order_id, outcome=outcome, actor=demo.actor("hotline")
    )
    assert done.state == "closed" and running_clocks(rt, order_id) == []


def test_a_call_back_outcome_must_be_one_of_the_five(rt, demo):
    order_id = _reported(rt, demo)
    with pytest.raises(InvalidInput) as err:
        record_callback(rt.uow(), order_id=order_id, outcome="还行", actor=demo.actor("hotline"))
    assert err.value.field == "outcome" and "拒绝回访" in err.value.reason_zh


def test_an_unknown_employer_dispatched_by_hand_opens_its_case_there_and_later_calls_follow(
    rt, demo
):
    new = EmployerInput(name="某未登记装修公司")
    first = call(rt, demo, category="wage_arrears", employer=new)
    order_id = first.body["work_order"]["id"]
    assert first.body["work_order"]["manual_dispatch"] is True and first.body["case"] is None
    shipai = demo.unit("TH-SP")
    province = demo.unit("GD")  # above the city hotline: not its to dispatch to
    with pytest.raises(InvalidInput) as err:  # 派单 needs the unit
        fire(rt.uow(), case_id=order_id, trigger="dispatch", actor=demo.actor("hotline"))
    assert err.value.field == "org_unit_id"
    sent = fire(
        rt.uow(),
        case_id=order_id,
        trigger="dispatch",
        actor=demo.actor("hotline"),
        data={"org_unit_id": shipai.id, "note": "属石牌街道辖区"},
    )
    assert sent.state == "dispatched" and sent.org_unit.code == "TH-SP"
    assert running_clocks(rt, order_id) == ["acceptance"]
    with rt.reader() as uow:
        order = get_case(uow.session, order_id)
        case = get_case(uow.session, ref=order.attributes["case_ref"])
        assert (case.workflow, case.org_unit.code, case.parent_id) == (
            "wage_arrears",
            "TH-SP",
            order_id,
        )
        assert case.employer.org_unit.code == "TH-SP"  # placed where it was dispatched
    again = call(rt, demo, category="wage_arrears", employer=new, description="又拖欠了")
    assert again.body["routed_to"]["code"] == "TH-SP"
    assert again.body["work_order"]["manual_dispatch"] is False
    # A unit outside the dispatcher's part of the tree is refused, and nothing moves.
    other = call(rt, demo, category="wage_arrears", employer=EmployerInput(name="某新开餐馆"))
    other_id = other.body["work_order"]["id"]
    for target in (province.id, 999999):
        with pytest.raises(InvalidInput) as err:
            fire(
                rt.uow(),
                case_id=other_id,
                trigger="dispatch",
                actor=demo.actor("hotline"),
                data={"org_unit_id": target},
            )
        assert err.value.field == "org_unit_id"
    with rt.reader() as uow:
        stays = get_case(uow.session, other_id)
        assert (stays.state, stays.org_unit.code) == ("registered", "GZ")


def test_three_co_workers_are_related_merged_and_the_case_turns_collective(rt, demo):
    builder = EmployerInput(name="广州市某建筑劳务有限公司", credit_code="91440106MA5BD00024")
    filed = [
        file_intake(
            rt.uow(),
            actor=demo.actor("hotline"),
            caller=CallerInput(name=f"工友{i}", phone=f"1381234560{i}"),
            employer=builder,
            category="wage_arrears",
            worker_count=4,
            description="工地拖欠工资",
        ).body
        for i in range(3)
    ]
    first, *others = [f["case"]["id"] for f in filed]
    worker = demo.actor("caseworker.shipai")
    related = related_calls(rt.reader(), actor=worker, case_id=first)
    mergeable = {i["id"] for i in related["items"] if i["mergeable"]}
    assert mergeable == set(others)
    orders = [i for i in related["items"] if i["workflow"] == "hotline"]
    assert {o["id"] for o in orders} == {f["work_order"]["id"] for f in filed[1:]}
    before = notices(rt)
    merge(rt.uow(), case_id=first, other_id=others[0], actor=worker)
    merged = merge(
        rt.uow(),
        case_id=first,
        other_id=others[1],
        actor=worker,
        representatives=["工友0", "工友1"],
    )
    assert merged.worker_count == 12 and len(merged.workers) == 3
    assert merged.collective is True and merged.attributes["representatives"] == ["工友0", "工友1"]
    # A collective wage-arrears dispute starts one level up: it rises to the district.
    assert merged.org_unit.code == "TH" and notices(rt) > before
    with rt.reader() as uow:
        for other in others:
            gone = get_case(uow.session, other)
            assert gone.state == "merged" and gone.closed_at is not None
            assert gone.attributes["merged_into"] == merged.ref
    assert running_clocks(rt, others[0]) == []
    with pytest.raises(TransitionNotAllowed):  # a merged case is closed: it merges no more
        merge(rt.uow(), case_id=first, other_id=others[0], actor=demo.actor("supervisor.tianhe"))


def test_only_cases_of_one_matter_merge(rt, demo):
    wage = call(
        rt,
        demo,
        category="wage_arrears",
        employer=EmployerInput(name="广州市某建筑劳务有限公司", credit_code="91440106MA5BD00024"),
    ).body["case"]["id"]
    other = file_intake(
        rt.uow(),
        actor=demo.actor("hotline"),
        caller=CallerInput(name="王五", phone="13812345699"),
        employer=EmployerInput(name="广州市某科技有限公司", credit_code="91440101MA5AC0001E"),
        category="wage_arrears",
        description="另一家",
    ).body["case"]["id"]
    with pytest.raises(InvalidInput) as err:
        merge(rt.uow(), case_id=wage, other_id=other, actor=demo.actor("supervisor.tianhe"))
    assert err.value.field == "case_id"
    with pytest.raises(InvalidInput):
        merge(rt.uow(), case_id=wage, other_id=wage, actor=demo.actor("supervisor.tianhe"))


def test_an_order_can_be_returned_only_within_two_working_days_of_dispatch(rt, demo):
    builder = EmployerInput(name="广州市某建筑劳务有限公司", credit_code="91440106MA5BD00024")
    monday = dt.datetime(2025, 3, 3, 2, tzinfo=dt.UTC)  # 10:00 in Shanghai, a working Monday
    late = call(rt, demo, category="wage_arrears", employer=builder, now=monday)
    order_id = late.body["work_order"]["id"]
    with rt.reader() as uow:
        assert get_case(uow.session, order_id).attributes["return_by"] == "2025-03-05"
    worker = demo.actor("caseworker.shipai")
    thursday = monday + dt.timedelta(days=3)
    with pytest.raises(GuardRefused) as err:
        fire(
            rt.uow(),
            case_id=order_id,
            trigger="return_order",
            actor=worker,
            data={"reason": "非本辖区"},
            now=thursday,
        )
    assert err.value.details["guard"] == "return_in_time"
    wednesday = monday + dt.timedelta(days=2)
    back = fire(
        rt.uow(),
        case_id=order_id,
        trigger="return_order",
        actor=worker,
        data={"reason": "非本辖区"},
        now=wednesday,
    )
    assert back.state == "registered" and back.org_unit.code == "GZ"


def test_the_handling_limit_of_each_tier_is_a_setting(rt, demo):
    days = {"hotline.handling.difficult": 8}
    rt = dataclasses.replace(rt, settings=rt.settings.with_overrides(deadline_days=days))
    builder = EmployerInput(name="广州市某建筑劳务有限公司", credit_code="91440106MA5BD00024")
    worker = demo.actor("caseworker.shipai")
    limits = {}
    for i, tier in enumerate(("normal", "difficult", "complex")):
        r = call(
            rt,
            demo,
            category="wage_arrears",
            employer=builder,
            complexity=tier,
            phone_suffix=i,
        )
        signed = fire(rt.uow(), case_id=r.body["work_order"]["id"], trigger="accept", actor=worker)
        with rt.reader() as uow:
            clock = uow.session.scalars(
                select(Deadline).where(Deadline.case_id == signed.id, Deadline.rule == "handling")
            ).one()
            limits[tier] = clock.days
    assert limits == {"normal": 5, "difficult": 8, "complex": 15}
