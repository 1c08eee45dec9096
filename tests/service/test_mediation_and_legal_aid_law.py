"""Issue 11 (mediation, legal aid) and issue 10 (statutory clocks start at receipt): each
finding as a user of the engine would see it, on a controlled clock where dates matter."""

from __future__ import annotations

import dataclasses
import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

import workflows
from casework.cases.service import fire, link
from casework.clocks.queries import all_clocks, clock_view
from casework.core.errors import GuardRefused, InvalidInput, NotPermitted
from casework.core.settings import load_settings
from casework.escalation.sweep import sweep
from casework.intake.service import CallerInput, EmployerInput, file_intake
from casework.models import Notification
from casework.people.access import SYSTEM_ACTOR, load_actor
from casework.people.service import create_user
from tests.helpers import force_state, get_case, new_case

SH = ZoneInfo("Asia/Shanghai")
BOSS = "supervisor.tianhe"  # head of the Tianhe (county) federation, which decides on aid
ABOVE = "supervisor.guangzhou"  # the city federation above it


def at(y, m, d, h=10):
    return dt.datetime(y, m, d, h, tzinfo=SH)


def _clocks(rt, case_id) -> dict[str, dict]:
    with rt.reader() as uow:
        case = get_case(uow.session, case_id)
        return {d.rule: clock_view(case, d) for d in all_clocks(uow.session, case_id)}


def _case(rt, case_id):
    with rt.reader() as uow:
        return get_case(uow.session, case_id)


def _fire(rt, demo, case_id, trigger, data=None, *, by=BOSS, now=None):
    return fire(
        rt.uow(), case_id=case_id, trigger=trigger, actor=demo.actor(by), data=data, now=now
    )


def _call(rt, demo, category, now):
    builder = demo.employer("建筑")
    return file_intake(
        rt.uow(),
        actor=demo.actor("hotline"),
        caller=CallerInput(name="张三", phone="13800138000"),
        employer=EmployerInput(builder.name, builder.credit_code),
        category=category,
        description="与单位发生争议",
        now=now,
    )


# -- issue 10: statutory clocks start at receipt ---------------------------------------------


def test_dispute_call_mediation_period_starts_on_the_recorded_receipt_date(rt, demo):
    call = _call(rt, demo, "dispute", at(2025, 3, 3))  # a Monday
    case_id = call.body["case"]["id"]
    case = _case(rt, case_id)
    assert case.state == "awaiting_application"
    # The call is not the application: no mediation period runs yet.
    assert "mediation_period" not in _clocks(rt, case_id)
    assert sweep(rt, now=at(2025, 3, 25)).fired == 0
    assert _case(rt, case_id).state == "awaiting_application"
    assert case.org_unit.code == "TH-SP"  # no union at the employer: the township mediates
    by = "caseworker.shipai"
    with pytest.raises(GuardRefused) as err:  # before the call
        _fire(
            rt,
            demo,
            case_id,
            "receive_application",
            {"received_on": "2025-03-02"},
            by=by,
            now=at(2025, 3, 26),
        )
    assert "来电" in err.value.message_zh
    with pytest.raises(GuardRefused):  # in the future
        _fire(
            rt,
            demo,
            case_id,
            "receive_application",
            {"received_on": "2025-03-27"},
            by=by,
            now=at(2025, 3, 26),
        )
    _fire(
        rt,
        demo,
        case_id,
        "receive_application",
        {"received_on": "2025-03-24"},
        by=by,
        now=at(2025, 3, 26),
    )
    clocks = _clocks(rt, case_id)
    period = clocks["mediation_period"]
    assert (period["started_on"], period["due"]) == ("2025-03-24", "2025-04-08")
    assert clocks["acceptance_decision"]["started_on"] == "2025-03-24"
    # Fifteen days after the receipt, not after the call, the case fails by itself.
    assert sweep(rt, now=at(2025, 4, 8, 23)).fired == 0
    sweep(rt, now=at(2025, 4, 9))
    assert _case(rt, case_id).state == "failed"


def test_a_case_opened_in_applied_counts_from_the_receipt_date_given_or_the_opening_day(rt, demo):
    today = at(2025, 3, 10)
    given = new_case(rt, demo, "mediation", attributes={"received_on": "2025-03-07"}, now=today)
    assert given.state == "applied"
    assert _clocks(rt, given.id)["mediation_period"]["started_on"] == "2025-03-07"
    plain = new_case(rt, demo, "mediation", now=today)
    assert plain.attributes["received_on"] == "2025-03-10"
    assert _clocks(rt, plain.id)["mediation_period"]["started_on"] == "2025-03-10"
    for bad in ("2025-03-11", "next week"):
        with pytest.raises(InvalidInput) as err:
            new_case(rt, demo, "mediation", attributes={"received_on": bad}, now=today)
        assert err.value.field == "attributes.received_on"
    with pytest.raises(InvalidInput) as err:
        new_case(rt, demo, "mediation", state="mediating", now=today)
    assert err.value.field == "state"
    # The established contract: open in applied, then accept.
    assert _fire(rt, demo, plain.id, "accept", now=today).state == "mediating"


def test_legal_aid_review_runs_from_receipt_of_the_application(rt, demo):
    call = _call(rt, demo, "legal_aid", at(2025, 3, 3))
    case_id = call.body["case"]["id"]
    assert _case(rt, case_id).state == "awaiting_application"
    assert _clocks(rt, case_id) == {}
    _fire(
        rt, demo, case_id, "receive_application", {"received_on": "2025-03-05"}, now=at(2025, 3, 6)
    )
    review = _clocks(rt, case_id)["review"]
    assert (review["started_on"], review["due"]) == ("2025-03-05", "2025-03-14")


# -- mediation -----------------------------------------------------------------------------


def test_mediation_acceptance_rule_cites_the_regulation_article_it_relies_on():
    rule = workflows.get("mediation").rule("acceptance_decision")
    assert rule.citation == "企业劳动争议协商调解规定 第二十二条"
    assert (rule.days, rule.unit, rule.configurable) == (3, "working", True)


def test_agreement_signed_runs_a_clock_on_the_performance_date(rt, demo):
    case = new_case(rt, demo, "mediation", now=at(2025, 3, 3))
    _fire(rt, demo, case.id, "accept", now=at(2025, 3, 3))
    with pytest.raises(InvalidInput) as err:  # an agreement states when it is performed
        _fire(
            rt, demo, case.id, "sign_agreement", {"agreement_claims": ["wages"]}, now=at(2025, 3, 5)
        )
    assert err.value.field == "performance_due"
    _fire(
        rt,
        demo,
        case.id,
        "sign_agreement",
        {"agreement_claims": ["wages"], "performance_due": "2025-03-20"},
        now=at(2025, 3, 5),
    )
    clock = _clocks(rt, case.id)["performance"]
    assert (clock["due"], clock["kind"], clock["on_expiry"]) == (
        "2025-03-20",
        "statutory",
        "notify",
    )
    assert sweep(rt, now=at(2025, 3, 19)).reminders == 1  # the day before: due soon
    report = sweep(rt, now=at(2025, 3, 21))
    assert (report.expired, report.notified >= 1) == (1, True)
    with rt.reader() as uow:
        notes = uow.session.scalars(
            select(Notification).where(
                Notification.case_id == case.id, Notification.kind == "deadline_expired"
            )
        ).all()
        assert notes and "履行期限" in notes[0].title
    assert _case(rt, case.id).state == "agreement_signed"  # the parties decide what next
    assert _fire(rt, demo, case.id, "report_breach").state == "breached"
    assert _clocks(rt, case.id)["performance"]["status"] == "expired"


def test_agreement_offers_arbitral_review_within_15_days_and_judicial_confirmation_within_30(
    rt, demo
):
    def signed(mediator=None):
        case = new_case(rt, demo, "mediation", now=at(2025, 3, 3))
        _fire(rt, demo, case.id, "accept", now=at(2025, 3, 3))
        data = {
            "agreement_claims": ["damages"],
            "performance_due": "2025-06-30",
            "effective_on": "2025-03-05",
        }
        if mediator:
            data["mediator"] = mediator
        _fire(rt, demo, case.id, "sign_agreement", data, now=at(2025, 3, 5))
        return case

    review = {"arbitration_commission": "天河区劳动人事争议仲裁委员会"}
    late = signed()
    with pytest.raises(GuardRefused) as err:
        _fire(rt, demo, late.id, "apply_arbitral_review", review, now=at(2025, 3, 21))
    assert "十五日" in err.value.message_zh and "第七十四条" in err.value.message_zh
    ok = signed()
    _fire(rt, demo, ok.id, "apply_arbitral_review", review, now=at(2025, 3, 20))
    assert _case(rt, ok.id).state == "confirmation_applied"
    assert _clocks(rt, ok.id)["performance"]["status"] == "running"  # still tracked
    court = {"court": "天河区人民法院"}
    enterprise = signed("enterprise")
    with pytest.raises(GuardRefused) as err:
        _fire(rt, demo, enterprise.id, "apply_judicial_confirmation", court, now=at(2025, 3, 6))
    assert "人民调解法 第三十三条" in err.value.message_zh
    people = signed("基层人民调解组织")
    with pytest.raises(GuardRefused):
        _fire(rt, demo, people.id, "apply_judicial_confirmation", court, now=at(2025, 4, 5))
    _fire(rt, demo, people.id, "apply_judicial_confirmation", court, now=at(2025, 4, 4))
    _fire(rt, demo, people.id, "record_confirmation", {"confirmation_outcome": "confirmed"})
    _fire(rt, demo, people.id, "report_breach")
    assert _fire(rt, demo, people.id, "apply_enforcement").state == "enforcement_applied"
    # An unconfirmed agreement goes to arbitration or a payment order, not to enforcement.
    plain = signed()
    _fire(rt, demo, plain.id, "report_breach")
    with pytest.raises(GuardRefused):
        _fire(rt, demo, plain.id, "apply_enforcement")


def test_arbitration_limitation_is_computed_on_the_case_and_feeds_early_legal_aid(rt, demo):
    now = at(2025, 3, 10)
    case = new_case(rt, demo, "mediation", now=now)
    _fire(rt, demo, case.id, "accept", {"limitation_starts_on": "2024-03-14"}, now=now)
    assert _case(rt, case.id).attributes["limitation_date"] == "2025-03-14"
    # Wages owed while the employment lasts: no limitation until it ends, then one year.
    _fire(rt, demo, case.id, "record_limitation", {"wages_in_employment": True}, now=now)
    assert _case(rt, case.id).attributes["limitation_date"] is None
    _fire(rt, demo, case.id, "record_limitation", {"employment_ended_on": "2024-02-29"}, now=now)
    assert _case(rt, case.id).attributes["limitation_date"] == "2025-02-28"
    _fire(
        rt,
        demo,
        case.id,
        "record_limitation",
        {"wages_in_employment": False, "limitation_starts_on": "2024-03-14"},
        now=now,
    )
    # The legal-aid case opened from it knows the date: aid may be given at once (第四十四条).
    aid = link(rt.uow(), parent_id=case.id, actor=demo.actor(BOSS), workflow="legal_aid", now=now)
    assert aid.attributes["limitation_date"] == "2025-03-14"
    assert _fire(rt, demo, aid.id, "provide_early_aid", {"lawyer": "李律师"}, now=now).state == (
        "early_aid"
    )


def test_arbitration_acceptance_five_days_is_marked_to_verify_and_configurable(rt):
    rule = workflows.get("mediation").rule("arbitration_acceptance")
    assert rule.configurable and "待核实" in rule.citation
    settings = load_settings(
        {**_env(rt), "CASEWORK_DEADLINE_MEDIATION_ARBITRATION_ACCEPTANCE": "7"}
    )
    assert settings.deadline_days["mediation.arbitration_acceptance"] == 7


def _env(rt) -> dict[str, str]:
    return {"CASEWORK_DATABASE_URL": rt.settings.database_url}


# -- legal aid -------------------------------------------------------------------------------


def _aid(rt, demo, state, attributes=None):
    case = new_case(rt, demo, "legal_aid")
    force_state(rt, case.id, state, attributes=attributes)
    return case


def test_objection_may_be_raised_against_a_termination(rt, demo):
    case = _aid(rt, demo, "handling")
    _fire(rt, demo, case.id, "terminate", {"ground": "own_lawyer"})
    assert _case(rt, case.id).state == "termination_decided"
    _fire(rt, demo, case.id, "object", {"objection": "并未自行委托律师"})
    assert _case(rt, case.id).state == "termination_objection_review"
    assert _fire(rt, demo, case.id, "uphold_objection", by=ABOVE).state == "handling"
    _fire(rt, demo, case.id, "terminate", {"ground": "concealment"})
    _fire(rt, demo, case.id, "object", {"objection": "不服"})
    assert _fire(rt, demo, case.id, "reject_objection", by=ABOVE).state == "terminated"
    other = _aid(rt, demo, "handling")
    _fire(rt, demo, other.id, "terminate", {"ground": "other", "reason": "规章规定的其他情形"})
    assert _fire(rt, demo, other.id, "accept_termination").state == "terminated"


def test_termination_grounds_include_concealment_false_evidence_and_other(rt, demo):
    field = workflows.get("legal_aid").transition_for("terminate", "handling").field("ground")
    labels = dict(field.choices)
    assert labels["concealment"] == "故意隐瞒与案件有关的重要事实或者提供虚假证据"
    assert labels["other"] == "法律法规规定的其他情形"
    case = _aid(rt, demo, "handling")
    done = _fire(
        rt, demo, case.id, "terminate", {"ground": "故意隐瞒与案件有关的重要事实或者提供虚假证据"}
    )
    assert done.attributes["ground"] == "concealment"


def test_early_aid_also_for_urgent_preservation_and_then_formalities_and_a_decision(rt, demo):
    now = at(2025, 3, 3)
    for basis in ("property_preservation", "evidence_preservation", "需要立即申请先予执行"):
        case = new_case(rt, demo, "legal_aid", now=now)
        _fire(
            rt,
            demo,
            case.id,
            "provide_early_aid",
            {"early_aid_basis": basis, "lawyer": "李律师"},
            now=now,
        )
        assert _case(rt, case.id).state == "early_aid"
    clocks = _clocks(rt, case.id)
    assert clocks["review"]["status"] == "met"
    follow = clocks["early_aid_decision"]
    assert (follow["status"], follow["due"], follow["unit"]) == ("running", "2025-03-12", "working")
    # The institution still decides once the formalities are done.
    done = _fire(rt, demo, case.id, "grant", {"means_test_passed": True}, now=at(2025, 3, 7))
    assert done.state == "handling"
    assert _clocks(rt, case.id)["early_aid_decision"]["status"] == "met"
    refused = new_case(rt, demo, "legal_aid", now=now)
    _fire(
        rt, demo, refused.id, "provide_early_aid", {"early_aid_basis": "advance_execution"}, now=now
    )
    assert _fire(rt, demo, refused.id, "deny", {"reason": "不符合条件"}).state == "denied"
    other = new_case(rt, demo, "legal_aid", now=now)
    with pytest.raises(GuardRefused) as err:
        _fire(
            rt, demo, other.id, "provide_early_aid", {"early_aid_basis": "other_statutory"}, now=now
        )
    assert "第四十四条" in err.value.message_zh
    _fire(
        rt,
        demo,
        other.id,
        "provide_early_aid",
        {"early_aid_basis": "other_statutory", "early_aid_legal_basis": "某省法律援助条例"},
        now=now,
    )


def test_means_test_exemptions_cover_all_of_article_42_and_union_members_by_setting(rt, demo):
    for exemption in ("vulnerable_group", "社会救助、司法救助或者优抚对象", "migrant_wages_injury"):
        case = _aid(rt, demo, "applied")
        assert _fire(rt, demo, case.id, "grant", {"means_test_exemption": exemption}).state == (
            "granted"
        )
    case = _aid(rt, demo, "applied")
    with pytest.raises(GuardRefused) as err:
        _fire(rt, demo, case.id, "grant", {"means_test_exemption": "other_statutory"})
    assert "第四十二条" in err.value.message_zh
    _fire(
        rt,
        demo,
        case.id,
        "grant",
        {"means_test_exemption": "other_statutory", "exemption_basis": "某省法律援助条例"},
    )
    member = _aid(rt, demo, "applied")
    with pytest.raises(GuardRefused):
        _fire(rt, demo, member.id, "grant", {"union_member": True})
    lenient = dataclasses.replace(
        rt,
        settings=rt.settings.with_overrides(
            guard_settings={
                **rt.settings.guard_settings,
                "union_aid_members_without_means_test": True,
            }
        ),
    )
    assert (
        fire(
            lenient.uow(),
            case_id=member.id,
            trigger="grant",
            actor=demo.actor(BOSS),
            data={"union_member": True},
        ).state
        == "granted"
    )
    assert (
        load_settings(
            {**_env(rt), "CASEWORK_UNION_AID_MEMBERS_WITHOUT_MEANS_TEST": "1"}
        ).guard_settings["union_aid_members_without_means_test"]
        is True
    )


def test_objection_is_decided_above_the_deciding_unit(rt, demo):
    case = _aid(rt, demo, "denied")
    _fire(rt, demo, case.id, "object", {"objection": "我符合条件"})
    with pytest.raises(NotPermitted) as err:
        _fire(rt, demo, case.id, "uphold_objection")  # Tianhe decided; it cannot review itself
    assert "上级" in err.value.message_zh
    assert _fire(rt, demo, case.id, "uphold_objection", by=ABOVE).state == "granted"
    clock = _clocks(rt, case.id)["objection_decision"]
    assert (clock["days"], clock["on_expiry"], clock["status"]) == (5, "notify", "met")


def test_grant_and_deny_are_decided_by_the_head_not_any_caseworker(rt, demo):
    create_user(
        rt.uow(),
        actor=SYSTEM_ACTOR,
        username="caseworker.tianhe",
        display_name="天河区总工会办案员",
        org_code="TH",
        roles=["caseworker"],
        password="long-enough-pw",
    )
    with rt.reader() as uow:
        caseworker = load_actor(uow.session, "caseworker.tianhe")
    case = _aid(rt, demo, "applied")
    for trigger, data in (("grant", {"means_test_passed": True}), ("deny", {"reason": "不符合"})):
        with pytest.raises(NotPermitted) as err:
            fire(rt.uow(), case_id=case.id, trigger=trigger, actor=caseworker, data=data)
        assert err.value.details["roles"] == ["supervisor"]
    assert _fire(rt, demo, case.id, "deny", {"reason": "不符合经济困难标准"}).state == "denied"


def test_request_materials_asks_for_everything_missing_at_once(rt, demo):
    case = new_case(rt, demo, "legal_aid", now=at(2025, 3, 3))
    items = ["劳动合同", "工资流水", "身份证明"]
    _fire(rt, demo, case.id, "request_materials", {"missing_materials": items}, now=at(2025, 3, 4))
    assert _case(rt, case.id).attributes["missing_materials"] == items
    _fire(rt, demo, case.id, "supply_materials", now=at(2025, 3, 6))
    with pytest.raises(GuardRefused) as err:
        _fire(
            rt,
            demo,
            case.id,
            "request_materials",
            {"missing_materials": ["社保记录"]},
            now=at(2025, 3, 7),
        )
    assert "一次性告知" in err.value.message_zh and "第四十三条" in err.value.message_zh
    assert _case(rt, case.id).state == "applied"


def _titles(rt, case_id, kind="deadline_expired"):
    with rt.reader() as uow:
        return [
            n.title
            for n in uow.session.scalars(
                select(Notification).where(
                    Notification.case_id == case_id, Notification.kind == kind
                )
            )
        ]


def test_arbitration_limitation_notices_come_30_and_7_days_before_it_ends(rt, demo):
    now = at(2025, 3, 3)
    case = new_case(rt, demo, "mediation", now=now)
    _fire(rt, demo, case.id, "accept", {"limitation_starts_on": "2024-05-01"}, now=now)
    clocks = _clocks(rt, case.id)
    assert clocks["limitation_notice_30"]["due"] == "2025-04-01"
    assert clocks["limitation_notice_7"]["due"] == "2025-04-24"
    # An interruption: the period runs again from the recorded day; the notices follow it.
    later = at(2025, 3, 10)
    _fire(rt, demo, case.id, "record_limitation", {"limitation_starts_on": "2024-06-01"}, now=later)
    with rt.reader() as uow:
        stored = get_case(uow.session, case.id)
        views = [clock_view(stored, d) for d in all_clocks(uow.session, case.id)]
    thirty = [(v["due"], v["status"]) for v in views if v["rule"] == "limitation_notice_30"]
    # 2 May 2025 falls in the Labour Day holiday: the notice comes on the next working day.
    assert thirty == [("2025-04-01", "stopped"), ("2025-05-06", "running")]
    sweep(rt, now=at(2025, 5, 7))  # the mediation period failed long ago; the case waits
    assert _case(rt, case.id).state == "failed"
    titles = _titles(rt, case.id)
    assert sum("仲裁时效届满前三十日" in t for t in titles) == 1
    assert not any("七日" in t for t in titles)
    sweep(rt, now=at(2025, 5, 27))
    sweep(rt, now=at(2025, 5, 28))  # never twice
    titles = _titles(rt, case.id)
    assert sum("仲裁时效届满前七日" in t for t in titles) == 1
    assert sum("仲裁时效届满前三十日" in t for t in titles) == 1


def test_a_limitation_close_at_hand_is_notified_at_once_and_arbitration_stops_the_notices(rt, demo):
    now = at(2025, 3, 3)
    case = new_case(rt, demo, "mediation", now=now)
    _fire(rt, demo, case.id, "accept", {"limitation_starts_on": "2024-03-06"}, now=now)
    clocks = _clocks(rt, case.id)
    assert "limitation_notice_30" not in clocks  # its day has passed
    assert clocks["limitation_notice_7"]["due"] == "2025-03-03"  # the last notice: at once
    _fire(rt, demo, case.id, "fail", now=now)
    _fire(
        rt, demo, case.id, "refer_to_arbitration", {"arbitration_commission": "天河仲裁委"}, now=now
    )
    assert _clocks(rt, case.id)["limitation_notice_7"]["status"] == "met"
