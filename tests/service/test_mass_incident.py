"""A mass incident (群体性事件) heard on the hotline: the two levels above the handling unit are
told at once, and the unit owes a same-day report to the Party committee and government at its
level — a clock due at the end of the day, met by recording the report, told to the unit and
the level above when missed (docs/domain.md §2, §7)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from casework.cases.queries import case_detail
from casework.core.errors import Conflict, InvalidInput, NotFound, NotPermitted
from casework.escalation.service import record_mass_incident_report
from casework.escalation.sweep import sweep
from casework.intake.service import CallerInput, EmployerInput, file_intake
from casework.models import Notification, User

SH = ZoneInfo("Asia/Shanghai")
CALLED = dt.datetime(2026, 3, 4, 10, tzinfo=SH)  # a Wednesday morning
EVENING = dt.datetime(2026, 3, 4, 18, tzinfo=SH)
NEXT_DAY = dt.datetime(2026, 3, 5, 9, tzinfo=SH)
RULE = "mass_incident_report"


def _call(rt, demo, *, category="wage_arrears", employer="建筑", mass=True, now=CALLED):
    emp = demo.employer(employer)
    return file_intake(
        rt.uow(),
        actor=demo.actor("hotline"),
        caller=CallerInput(name="张三", phone="13812345678"),
        employer=EmployerInput(emp.name, emp.credit_code),
        category=category,
        worker_count=3,
        description="工地数十名工人聚集讨薪",
        mass_incident=mass,
        now=now,
    ).body


def _notes(rt, kind, *, username=None, unit_id=None):
    with rt.reader() as uow:
        q = select(Notification).where(Notification.kind == kind)
        if username:
            uid = uow.session.scalar(select(User.id).where(User.username == username))
            q = q.where(Notification.user_id == uid)
        if unit_id:
            q = q.where(Notification.org_unit_id == unit_id)
        return list(uow.session.scalars(q))


def _detail(rt, demo, case_id, who="supervisor.tianhe", now=CALLED):
    return case_detail(rt.reader(), actor=demo.actor(who), case_id=case_id, now=now)


def _clock(view):
    return next((d for d in view["deadlines"] if d["rule"] == RULE), None)


def test_a_mass_incident_call_tells_two_levels_up_and_owes_a_same_day_report(rt, demo):
    body = _call(rt, demo)
    case_id = body["case"]["id"]
    assert body["case"]["org_unit"]["code"] == "TH-SP"
    # the parent (TH) and the grandparent (GZ) of the handling unit, at once
    assert len(_notes(rt, "mass_incident", username="supervisor.tianhe")) == 1
    assert len(_notes(rt, "mass_incident", username="supervisor.guangzhou")) == 1
    view = _detail(rt, demo, case_id)
    assert view["mass_incident"] is True
    clock = _clock(view)
    assert clock["due"] == "2026-03-04" and clock["days"] == 0 and clock["status"] == "running"
    assert "同级党委、政府" in clock["citation"] and clock["on_expiry"] == "notify"
    assert not clock["pausable"] and clock["extension_bases"] == []
    # the work order carries the flag; the report is owed once, on the case
    order = _detail(rt, demo, body["work_order"]["id"], who="hotline")
    assert order["mass_incident"] is True and _clock(order) is None


def test_the_report_recorded_the_same_day_meets_the_clock_and_nothing_is_sent_later(rt, demo):
    case_id = _call(rt, demo)["case"]["id"]
    record_mass_incident_report(
        rt.uow(),
        case_id=case_id,
        actor=demo.actor("caseworker.shipai"),
        reported_to="中共石牌街道工作委员会、石牌街道办事处",
        note="已电话报告值班领导",
        now=EVENING,
    )
    view = _detail(rt, demo, case_id, now=EVENING)
    assert _clock(view) is None
    report = view["attributes"]["mass_incident_report"]
    assert report["reported_on"] == "2026-03-04" and report["late"] is False
    assert report["by"] == "caseworker.shipai"
    sweep(rt, now=NEXT_DAY)
    assert not [n for n in _notes(rt, "deadline_expired") if n.data.get("rule") == RULE]
    with pytest.raises(Conflict):
        record_mass_incident_report(
            rt.uow(),
            case_id=case_id,
            actor=demo.actor("caseworker.shipai"),
            reported_to="再次报告",
            now=EVENING,
        )


def test_a_missed_report_is_told_to_the_unit_and_the_level_above_and_recorded_late(rt, demo):
    case_id = _call(rt, demo)["case"]["id"]
    assert sweep(rt, now=EVENING).expired == 0  # still the same day
    sweep(rt, now=NEXT_DAY)
    missed = [n for n in _notes(rt, "deadline_expired") if n.data.get("rule") == RULE]
    # TH-SP has no supervisor user: one notice for the unit; the level above: its supervisor
    assert {n.org_unit_id for n in missed if n.org_unit_id} == {demo.unit("TH-SP").id}
    assert len(_notes(rt, "deadline_expired", username="supervisor.tianhe")) == 1
    assert all("同级党委、政府" in n.body for n in missed)
    record_mass_incident_report(
        rt.uow(),
        case_id=case_id,
        actor=demo.actor("supervisor.tianhe"),
        reported_to="中共天河区委、天河区人民政府",
        now=NEXT_DAY,
    )
    report = _detail(rt, demo, case_id, now=NEXT_DAY)["attributes"]["mass_incident_report"]
    assert report["late"] is True and report["due"] == "2026-03-04"


def test_a_call_without_a_case_is_reported_on_the_work_order_where_it_was_sent(rt, demo):
    body = _call(rt, demo, category="service_help")
    assert body["case"] is None and body["routed_to"]["code"] == "TH-SP"
    assert len(_notes(rt, "mass_incident", username="supervisor.tianhe")) == 1
    assert _clock(_detail(rt, demo, body["work_order"]["id"]))["due"] == "2026-03-04"


def test_an_ordinary_call_owes_no_report(rt, demo):
    body = _call(rt, demo, mass=False)
    assert _clock(_detail(rt, demo, body["case"]["id"])) is None
    assert _notes(rt, "mass_incident") == []
    with pytest.raises(NotFound):
        record_mass_incident_report(
            rt.uow(),
            case_id=body["case"]["id"],
            actor=demo.actor("caseworker.shipai"),
            reported_to="中共石牌街道工作委员会",
        )


@pytest.mark.parametrize(
    ("who", "reported_to", "error"),
    [
        ("hotline", "中共石牌街道工作委员会", NotPermitted),  # the operator filed, does not handle
        ("caseworker.nanhuaxi", "中共石牌街道工作委员会", NotFound),  # another district
        ("caseworker.shipai", "   ", InvalidInput),
        ("caseworker.shipai", "联系人 13912345678", InvalidInput),
    ],
)
def test_a_refused_report_records_nothing(rt, demo, who, reported_to, error):
    case_id = _call(rt, demo)["case"]["id"]
    with pytest.raises(error):
        record_mass_incident_report(
            rt.uow(), case_id=case_id, actor=demo.actor(who), reported_to=reported_to, now=EVENING
        )
    view = _detail(rt, demo, case_id, now=EVENING)
    assert _clock(view)["status"] == "running"
    assert "mass_incident_report" not in view["attributes"]
