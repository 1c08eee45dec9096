"""一函两书 as the law has it (issue 11): who signs, when the employer's time runs, where a case
goes when the union needs a higher level, the steps the process lacked, and which province's
rules a deployment cites."""

from __future__ import annotations

import dataclasses
import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

import workflows
from casework.cases.service import fire
from casework.core.errors import GuardRefused, NotPermitted
from casework.core.settings import load_settings
from casework.core.time import local_date
from casework.demo import DEMO_JURISDICTION
from casework.documents.service import issue_document
from casework.escalation.service import request_escalation
from casework.escalation.sweep import sweep
from casework.models import CaseEvent, Deadline, Document, Escalation, Notification
from casework.runtime import Runtime
from tests.helpers import TEST_KEYS, force_state, get_case, new_case
from workflows.documents import kinds_for

SH = ZoneInfo("Asia/Shanghai")
EMPLOYER = "广州市某建筑劳务有限公司"


def at(y, m, d, h=9):
    return dt.datetime(y, m, d, h, tzinfo=SH)


def _in(rt: Runtime, jurisdiction: str) -> Runtime:
    """The same database served under ``CASEWORK_JURISDICTION=jurisdiction``."""
    env = {
        **TEST_KEYS,
        "CASEWORK_DATABASE_URL": rt.settings.database_url,
        "CASEWORK_JURISDICTION": jurisdiction,
    }
    return dataclasses.replace(rt, settings=load_settings(env))


def _case(rt, case_id):
    with rt.reader() as uow:
        return get_case(uow.session, case_id)


def _clocks(rt, case_id):
    with rt.reader() as uow:
        return {
            d.rule: d
            for d in uow.session.scalars(
                select(Deadline).where(Deadline.case_id == case_id).order_by(Deadline.id)
            )
        }


def _fire(rt, demo, case, trigger, data=None, *, actor="supervisor.tianhe", now=None):
    return fire(
        rt.uow(), case_id=case.id, trigger=trigger, actor=demo.actor(actor), data=data, now=now
    )


def _issue(rt, demo, case, kind, data=None, *, actor="supervisor.tianhe", now=None):
    return issue_document(
        rt.uow(),
        case_id=case.id,
        actor=demo.actor(actor),
        kind=kind,
        addressee=EMPLOYER,
        data=data,
        now=now,
    )


SERVED = {"served_on": dt.date.today().isoformat(), "service_method": "direct"}


def _walk_every_document_and_clock(rt, demo) -> list[int]:
    """Three county cases that between them issue every supervision document and start every
    supervision clock; their ids."""
    inv = {"investigators": ["监督员甲", "监督员乙"]}
    declined = new_case(rt, demo, "supervision")
    _issue(rt, demo, declined, "supervision_decline", {"reason": "不属于监督事项"})

    main = new_case(rt, demo, "supervision")
    _fire(rt, demo, main, "consult_employer", {"consultation": "约谈"})
    _fire(rt, demo, main, "start_investigation", inv)
    _issue(rt, demo, main, "tip_letter")
    _issue(rt, demo, main, "opinion_letter", SERVED)
    _fire(rt, demo, main, "record_refusal")
    _issue(rt, demo, main, "suggestion_letter")
    _fire(rt, demo, main, "record_department_decision", {"department": "天河区人社局"})
    _issue(rt, demo, main, "procuratorate_referral", {"worker_group": "women"})

    silent = new_case(rt, demo, "supervision")
    _fire(rt, demo, silent, "start_investigation", inv)
    _issue(rt, demo, silent, "opinion_letter", SERVED)
    _fire(rt, demo, silent, "reply_overdue")
    return [declined.id, main.id, silent.id]


def _citations(rt, case_ids):
    with rt.reader() as uow:
        s = uow.session
        clocks = s.execute(
            select(Deadline.rule, Deadline.citation).where(Deadline.case_id.in_(case_ids))
        ).all()
        docs = s.execute(
            select(Document.kind, Document.citation).where(Document.case_id.in_(case_ids))
        ).all()
        events = [
            e.data["citation"]
            for e in s.scalars(
                select(CaseEvent).where(
                    CaseEvent.case_id.in_(case_ids), CaseEvent.kind == "deadline_set"
                )
            )
        ]
    return dict(clocks), dict(docs), events


def test_no_unit_in_guangdong_cites_a_zhejiang_regulation(rt, demo):
    gd = _in(rt, DEMO_JURISDICTION)
    assert gd.settings.jurisdiction == "guangdong"
    clocks, docs, events = _citations(gd, _walk_every_document_and_clock(gd, demo))
    # Every clock started and every document issued ...
    assert set(clocks) == {r.name for r in workflows.get("supervision").deadlines}
    # (the 督办函 belongs to every process and cites no regional rule: tested with every kind)
    assert set(docs) == {k.name for k in kinds_for("supervision") if not k.from_above}
    # ... and none of them, nor the history, cites Zhejiang.
    for text in [*clocks.values(), *docs.values(), *events]:
        assert "浙江" not in text, text
    assert "工会劳动法律监督办法 第二十条" in clocks["opinion_letter_reply"]


def test_a_zhejiang_deployment_cites_its_own_regulation(rt, demo):
    """The contrast: the profile, not the workflow, puts 浙江 on the page."""
    zj = _in(rt, "zhejiang")
    clocks, docs, _ = _citations(zj, _walk_every_document_and_clock(zj, demo))
    assert "浙江省工会劳动法律监督条例 第二十二条" in clocks["opinion_letter_reply"]
    assert "浙江省工会劳动法律监督条例 第二十二条" in docs["opinion_letter"]
    assert "浙江" not in docs["tip_letter"] and "浙江" not in clocks["intake"]


def test_employer_silence_on_a_tip_letter_is_not_union_failure(rt, demo):
    case = new_case(rt, demo, "supervision")  # held by 天河区总工会 (county)
    force_state(rt, case.id, "investigating")
    _issue(rt, demo, case, "tip_letter", now=at(2026, 3, 2))
    due = _clocks(rt, case.id)["tip_letter_reply"].due_on
    assert due == dt.date(2026, 3, 23)  # 15 working days
    sweep(rt, now=at(2026, 3, 24))
    after = _case(rt, case.id)
    # Not lifted to 广州市总工会: the same union, same step, and it is told it may go on.
    assert after.org_unit_id == demo.unit("TH").id and after.escalation_level == 0
    assert after.state == "tip_letter_issued"
    assert _clocks(rt, case.id)["tip_letter_reply"].status == "expired"
    with rt.reader() as uow:
        assert uow.session.scalars(select(Escalation)).first() is None
        notes = list(
            uow.session.scalars(
                select(Notification).where(
                    Notification.case_id == case.id, Notification.kind == "deadline_expired"
                )
            )
        )
    assert notes and all("意见书" in n.body and "不上提" in n.body for n in notes)
    served = {"served_on": "2026-03-24", "service_method": "direct"}
    _issue(rt, demo, case, "opinion_letter", served, now=at(2026, 3, 24))
    assert _case(rt, case.id).state == "opinion_letter_issued"


def test_a_case_needing_a_suggestion_letter_goes_straight_to_the_county_federation(rt, demo):
    # A grassroots union's opinion letter is refused: the next act (建议书) is a county act.
    case = new_case(rt, demo, "supervision", unit="TH-SP-ACME", actor="caseworker.acme")
    force_state(rt, case.id, "opinion_letter_issued")
    _fire(rt, demo, case, "record_refusal", actor="caseworker.acme", now=at(2026, 3, 2))
    sweep(rt, now=at(2026, 3, 10))  # 5 working days later
    lifted = _case(rt, case.id)
    assert lifted.org_unit_id == demo.unit("TH").id  # not 石牌街道 first
    assert lifted.escalation_level == 2
    # The same when the union asks for it, saying it needs a higher level's power.
    other = new_case(rt, demo, "supervision", unit="TH-SP-ACME", actor="caseworker.acme")
    force_state(rt, other.id, "opinion_overdue")
    request_escalation(
        rt.uow(),
        case_id=other.id,
        actor=demo.actor("caseworker.acme"),
        reason="requires_higher_level",
        comment="需县级总工会发出建议书",
    )
    assert _case(rt, other.id).org_unit_id == demo.unit("TH").id
    # Any other reason still lifts one level (上提一级).
    third = new_case(rt, demo, "supervision", unit="TH-SP-ACME", actor="caseworker.acme")
    request_escalation(
        rt.uow(),
        case_id=third.id,
        actor=demo.actor("caseworker.acme"),
        reason="cannot_perform",
        comment="本级无力办理",
    )
    assert _case(rt, third.id).org_unit_id == demo.unit("TH-SP").id


def test_opinion_letter_reply_runs_from_service_and_a_refusal_to_accept_is_service(rt, demo):
    case = new_case(rt, demo, "supervision")
    force_state(rt, case.id, "investigating")
    # Recorded on Thursday 5 March: the employer refused to take the letter on Wednesday.
    _issue(
        rt,
        demo,
        case,
        "opinion_letter",
        {"served_on": "2026-03-04", "service_method": "拒收（留置送达）"},
        now=at(2026, 3, 5),
    )
    clock = _clocks(rt, case.id)["opinion_letter_reply"]
    assert clock.started_on == dt.date(2026, 3, 4)
    assert clock.due_on == dt.date(2026, 3, 25)  # 15 working days from the refusal, not 26 March
    stored = _case(rt, case.id)
    assert stored.attributes["service_method"] == "refused"
    assert stored.attributes["served_on"] == "2026-03-04"
    # A date of service after today is refused; so is no date at all.
    later = new_case(rt, demo, "supervision")
    force_state(rt, later.id, "investigating")
    with pytest.raises(GuardRefused):
        _issue(
            rt,
            demo,
            later,
            "opinion_letter",
            {"served_on": "2026-03-06", "service_method": "direct"},
            now=at(2026, 3, 5),
        )
    with pytest.raises(Exception, match="served_on"):
        _issue(rt, demo, later, "opinion_letter", {"service_method": "direct"}, now=at(2026, 3, 5))


def test_opinion_and_suggestion_letters_are_signed_by_a_chair_not_any_caseworker(rt, demo):
    case = new_case(rt, demo, "supervision", unit="TH-SP", actor="caseworker.shipai")
    force_state(rt, case.id, "investigating")
    with pytest.raises(NotPermitted):
        _issue(rt, demo, case, "opinion_letter", SERVED, actor="caseworker.shipai")
    force_state(rt, case.id, "opinion_refused")
    with pytest.raises(NotPermitted):
        _issue(rt, demo, case, "suggestion_letter", actor="caseworker.shipai")
    # The caseworker may still issue the tip letter; the chair signs the others.
    other = new_case(rt, demo, "supervision", unit="TH-SP", actor="caseworker.shipai")
    force_state(rt, other.id, "investigating")
    _issue(rt, demo, other, "tip_letter", actor="caseworker.shipai")
    sup = workflows.get("supervision")
    for trigger in ("issue_opinion_letter", "issue_suggestion_letter"):
        assert {t.roles for t in sup.transitions if t.trigger == trigger} == {
            frozenset({"supervisor"})
        }


def test_a_report_not_taken_up_gets_a_written_notice(rt, demo):
    case = new_case(rt, demo, "supervision")
    doc = _issue(rt, demo, case, "supervision_decline", {"reason": "不属于劳动法律监督事项"})
    assert doc.number == f"天工不〔{local_date().year}〕1号"  # 天河 numbers each kind on its own
    stored = _case(rt, case.id)
    assert stored.state == "declined" and stored.attributes["reason"] == "不属于劳动法律监督事项"
    assert _clocks(rt, case.id)["intake"].status == "met"


def test_the_union_talks_with_the_employer_before_investigating(rt, demo):
    case = new_case(rt, demo, "supervision")
    _fire(rt, demo, case, "consult_employer", {"consultation": "约谈人事经理"})
    assert _case(rt, case.id).state == "consulting"
    assert _clocks(rt, case.id)["consultation"].status == "running"
    # The talk may end it (the employer corrects) or lead to an investigation.
    _fire(rt, demo, case, "start_investigation", {"investigators": ["甲", "乙"]})
    assert _case(rt, case.id).state == "investigating"
    corrected = new_case(rt, demo, "supervision")
    _fire(rt, demo, corrected, "consult_employer", {"consultation": "约谈"})
    _fire(rt, demo, corrected, "record_correction", {"correction": "已补发工资"})
    assert _case(rt, corrected.id).state == "corrected"


def test_a_higher_union_joins_the_investigation_without_taking_the_case(rt, demo):
    case = new_case(rt, demo, "supervision", unit="TH-SP", actor="caseworker.shipai")
    force_state(rt, case.id, "investigating")
    _fire(
        rt,
        demo,
        case,
        "join_investigation",
        {"sent_by": "天河区总工会", "sent_person": "监督员丙"},
        actor="supervisor.tianhe",
    )
    stored = _case(rt, case.id)
    assert stored.org_unit_id == demo.unit("TH-SP").id  # still held below
    assert stored.state == "investigating"
    assert stored.attributes["sent_by"] == "天河区总工会"
    with rt.reader() as uow:
        ev = uow.session.scalars(
            select(CaseEvent)
            .where(CaseEvent.case_id == case.id, CaseEvent.kind == "transition")
            .order_by(CaseEvent.seq.desc())
        ).first()
    assert ev.trigger == "join_investigation"


def test_a_supervisor_with_a_conflict_recuses_on_record(rt, demo):
    case = new_case(rt, demo, "supervision")
    force_state(rt, case.id, "investigating")
    _fire(
        rt,
        demo,
        case,
        "record_recusal",
        {"recused": "监督员甲", "recusal_reason": "系用人单位负责人近亲属", "replacement": "丁"},
    )
    stored = _case(rt, case.id)
    assert stored.attributes["recused"] == "监督员甲" and stored.state == "investigating"
    with pytest.raises(Exception, match="recusal_reason"):
        _fire(rt, demo, case, "record_recusal", {"recused": "监督员乙"})


def test_the_department_has_a_feedback_deadline_on_a_suggestion_letter(rt, demo):
    case = new_case(rt, demo, "supervision")
    force_state(rt, case.id, "suggestion_letter_issued")
    _fire(
        rt, demo, case, "record_department_decision", {"department": "人社局"}, now=at(2026, 3, 2)
    )
    clock = _clocks(rt, case.id)["department_feedback"]
    assert clock.status == "running" and clock.on_expiry == "notify"
    assert "劳动保障监察条例 第十七条" in clock.citation
    sweep(rt, now=at(2026, 6, 30))
    assert _case(rt, case.id).org_unit_id == demo.unit("TH").id  # told, not lifted
