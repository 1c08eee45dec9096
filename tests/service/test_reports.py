"""Case statistics per union body: exact counts, the date range, scope, a fixed number of SQL
statements, and the CSV."""

from __future__ import annotations

import csv
import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest

import workflows
from casework.cases.service import fire, open_case
from casework.core.errors import InvalidInput, NotFound
from casework.escalation.service import request_escalation
from casework.people.access import SYSTEM_ACTOR
from casework.people.service import create_org_unit
from casework.reports import CSV_HEADERS, _median_days, summary, summary_csv
from tests.helpers import new_case, statements

SH = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 3, 20, 12, tzinfo=SH)
MARCH = {"date_from": dt.date(2026, 3, 1), "date_to": dt.date(2026, 3, 31)}
ZERO = {
    "open": 0,
    "overdue": 0,
    "opened": 0,
    "closed": 0,
    "escalated_in": 0,
    "escalated_out": 0,
    "median_days_to_close": None,
}


def at(m, d, h=9):
    return dt.datetime(2026, m, d, h, tzinfo=SH)


def _closed(
    rt, demo, workflow, opened, closed, *, unit="TH", actor="supervisor.tianhe", trigger="withdraw"
):
    case = new_case(rt, demo, workflow, unit=unit, actor=actor, now=opened)
    fire(
        rt.uow(),
        case_id=case.id,
        trigger=trigger,
        actor=demo.actor(actor),
        data={"reason": "测试"},
        now=closed,
    )
    return case


@pytest.fixture
def scene(rt, demo):
    """TH (county): three mediations closed in March after 1, 3 and 10 days, one closed in
    February after 19 days, a wage-arrears case open since February (its clock long past due),
    and a wage-arrears case lifted from TH-SP on 19 March. HZ-NHX: a supervision case opened
    today. GZ (the ceiling): a case whose escalation stopped at the ceiling."""
    _closed(rt, demo, "mediation", at(3, 2), at(3, 5))  # 3 days
    _closed(rt, demo, "mediation", at(3, 2), at(3, 12))  # 10 days
    _closed(rt, demo, "mediation", at(3, 2), at(3, 3))  # 1 day
    _closed(rt, demo, "mediation", at(2, 1), at(2, 20))  # 19 days, closed before March
    new_case(rt, demo, "wage_arrears", now=at(2, 10))  # verification due mid-February
    lifted = new_case(
        rt, demo, "wage_arrears", unit="TH-SP", actor="caseworker.shipai", now=at(3, 18)
    )
    request_escalation(
        rt.uow(),
        case_id=lifted.id,
        actor=demo.actor("caseworker.shipai"),
        reason="cannot_perform",
        comment="本级无力办理",
        now=at(3, 19),
    )
    new_case(
        rt,
        demo,
        "supervision",
        unit="HZ-NHX",
        actor="caseworker.nanhuaxi",
        now=NOW - dt.timedelta(hours=1),
    )
    at_top = new_case(
        rt,
        demo,
        "hotline",
        unit="GZ",
        actor="supervisor.guangzhou",
        now=NOW - dt.timedelta(hours=2),
    )
    esc = request_escalation(
        rt.uow(),
        case_id=at_top.id,
        actor=demo.actor("supervisor.guangzhou"),
        reason="other",
        comment="需督办",
        now=NOW - dt.timedelta(hours=1),
    )
    assert esc.at_ceiling
    return demo


def _report(rt, demo, username="supervisor.guangzhou", **kw):
    kw.setdefault("now", NOW)
    return summary(rt.reader(), actor=demo.actor(username), **kw)


def _unit(report, code):
    return next(u for u in report["units"] if u["org_unit"]["code"] == code)


def _wf(entry, name):
    return next(w for w in entry["workflows"] if w["workflow"] == name)


def _counts(d):
    return {k: d[k] for k in ZERO}


def test_counts_per_unit_and_workflow_in_a_date_range(rt, scene):
    demo = scene
    report = _report(rt, demo, org_unit_id=demo.unit("GZ").id, **MARCH)
    assert report["org_unit"] == {
        "id": demo.unit("GZ").id,
        "code": "GZ",
        "name": "广州市总工会",
        "level": "city",
    }
    assert (report["from"], report["to"]) == ("2026-03-01", "2026-03-31")
    assert report["generated_at"] == "2026-03-20T04:00:00+00:00"
    subtree = sorted(
        (u for u in demo.units.values() if u.path.startswith(demo.unit("GZ").path)),
        key=lambda u: u.ancestor_ids(),
    )
    assert [u["org_unit"]["code"] for u in report["units"]] == [u.code for u in subtree]
    assert [u["org_unit"]["code"] for u in report["units"]][:4] == [
        "GZ",
        "TH",
        "TH-SP",
        "TH-SP-ACME",
    ]
    for entry in report["units"]:
        assert [w["workflow"] for w in entry["workflows"]] == workflows.names()

    th = _unit(report, "TH")
    assert th["totals"] == {
        "open": 2,
        "overdue": 1,
        "opened": 4,
        "closed": 3,
        "escalated_in": 1,
        "escalated_out": 0,
        "median_days_to_close": 3.0,
    }
    assert _counts(_wf(th, "mediation")) == {
        **ZERO,
        "opened": 3,
        "closed": 3,
        "median_days_to_close": 3.0,
    }
    assert _counts(_wf(th, "wage_arrears")) == {
        **ZERO,
        "open": 2,
        "overdue": 1,
        "opened": 1,
        "escalated_in": 1,
    }
    assert _wf(th, "mediation")["label_zh"] == "劳动争议调解"
    assert _counts(_wf(th, "legal_aid")) == ZERO

    township = _unit(report, "TH-SP")
    assert township["totals"] == {**ZERO, "escalated_out": 1}
    assert _counts(_wf(township, "wage_arrears")) == {**ZERO, "escalated_out": 1}
    nhx = _unit(report, "HZ-NHX")
    assert nhx["totals"] == {**ZERO, "open": 1, "opened": 1}
    assert _counts(_wf(nhx, "supervision")) == {**ZERO, "open": 1, "opened": 1}
    # A stop at the ceiling is not a rise: GZ's hotline case counts as open, nothing moved.
    assert _unit(report, "GZ")["totals"] == {**ZERO, "open": 1, "opened": 1}
    for code in ("HZ", "TH-SP-ACME"):
        assert _unit(report, code)["totals"] == ZERO


def test_without_a_range_flows_count_all_time(rt, scene):
    th = _unit(_report(rt, scene, org_unit_id=scene.unit("TH").id), "TH")
    # Closed after 1, 3, 10 and 19 days: the median is 6.5.
    assert th["totals"] == {
        "open": 2,
        "overdue": 1,
        "opened": 6,
        "closed": 4,
        "escalated_in": 1,
        "escalated_out": 0,
        "median_days_to_close": 6.5,
    }


def test_the_range_bounds_are_shanghai_days_inclusive(rt, scene):
    demo = scene
    # Only 5 March: the 3-day mediation closed that morning.
    th = _unit(_report(rt, demo, date_from=dt.date(2026, 3, 5), date_to=dt.date(2026, 3, 5)), "TH")
    assert th["totals"] == {
        "open": 2,
        "overdue": 1,
        "opened": 0,
        "closed": 1,
        "escalated_in": 0,
        "escalated_out": 0,
        "median_days_to_close": 3.0,
    }
    # From 19 March on: the lift and the lifted case's opening day (18th) fall either side.
    th = _unit(_report(rt, demo, date_from=dt.date(2026, 3, 19)), "TH")
    assert (th["totals"]["opened"], th["totals"]["closed"], th["totals"]["escalated_in"]) == (
        0,
        0,
        1,
    )
    # Up to 18 March: everything but the lift.
    th = _unit(_report(rt, demo, date_to=dt.date(2026, 3, 18)), "TH")
    assert (th["totals"]["opened"], th["totals"]["closed"], th["totals"]["escalated_in"]) == (
        6,
        4,
        0,
    )
    # April: only the snapshot figures remain.
    th = _unit(_report(rt, demo, date_from=dt.date(2026, 4, 1), date_to=dt.date(2026, 4, 30)), "TH")
    assert th["totals"] == {**ZERO, "open": 2, "overdue": 1}
    with pytest.raises(InvalidInput) as err:
        _report(rt, demo, date_from=dt.date(2026, 4, 2), date_to=dt.date(2026, 4, 1))
    assert err.value.field == "date_to"


def test_overdue_is_measured_at_now(rt, scene):
    th = _unit(_report(rt, scene, now=at(2, 11)), "TH")
    assert th["totals"]["overdue"] == 0  # verification not yet due on 11 February
    assert _unit(_report(rt, scene, now=at(2, 20)), "TH")["totals"]["overdue"] == 1


def test_scope_is_the_actor_subtree(rt, scene):
    demo = scene
    with pytest.raises(NotFound):  # a township caseworker asking for the city
        _report(rt, demo, "caseworker.shipai", org_unit_id=demo.unit("GZ").id)
    with pytest.raises(NotFound):  # a sibling district
        _report(rt, demo, "supervisor.tianhe", org_unit_id=demo.unit("HZ").id)
    with pytest.raises(NotFound):
        _report(rt, demo, org_unit_id=999999)
    own = _report(rt, demo, "caseworker.shipai")
    assert own["org_unit"]["code"] == "TH-SP"
    assert [u["org_unit"]["code"] for u in own["units"]] == ["TH-SP", "TH-SP-ACME"]
    assert _report(rt, demo, "auditor")["org_unit"]["code"] == "GZ"  # auditors read


def test_a_fixed_number_of_statements_whatever_the_size(rt, scene):
    demo = scene
    with statements(rt.engine) as small:
        first = _report(rt, demo, **MARCH)
    # Grow: six more townships, each with a case lifted to TH, and TH with more closed cases.
    for i in range(6):
        unit = create_org_unit(
            rt.uow(),
            actor=SYSTEM_ACTOR,
            code=f"TH-X{i}",
            name=f"测试街道{i}",
            level="township",
            parent_code="TH",
        )
        for wf in ("mediation", "wage_arrears"):
            c = new_case(rt, demo, wf, unit="TH", now=at(3, 3))
            fire(
                rt.uow(),
                case_id=c.id,
                trigger="withdraw",
                actor=demo.actor("supervisor.tianhe"),
                now=at(3, 6),
            )
        c = open_case(
            rt.uow(),
            actor=demo.actor("supervisor.tianhe"),
            workflow="mediation",
            org_unit_id=unit.id,
            summary="测试",
            now=at(3, 4),
        )
        request_escalation(
            rt.uow(),
            case_id=c.id,
            actor=demo.actor("supervisor.tianhe"),
            reason="other",
            comment="测试",
            now=at(3, 5),
        )
    with statements(rt.engine) as large:
        second = _report(rt, demo, **MARCH)
    assert len(second["units"]) == len(first["units"]) + 6
    assert _unit(second, "TH")["totals"]["escalated_in"] == 7
    assert _unit(second, "TH-X0")["totals"]["escalated_out"] == 1
    assert len(large) == len(small)
    assert len([s for s in small if s.lstrip().upper().startswith("SELECT")]) <= 5


def test_median_is_half_up_to_one_decimal():
    day = 86400
    assert _median_days([]) is None
    assert _median_days([1.25 * day]) == 1.3
    assert _median_days([1 * day, 2 * day]) == 1.5
    assert _median_days([0.04 * day]) == 0.0


def test_csv_has_chinese_headers_and_one_row_per_unit_and_workflow(rt, scene):
    report = _report(rt, scene, **MARCH)
    text = summary_csv(report)
    assert not text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text)))
    assert tuple(rows[0]) == CSV_HEADERS
    assert rows[0] == [
        "单位代码",
        "单位名称",
        "层级",
        "流程",
        "在办",
        "逾期",
        "新收",
        "已结",
        "上提转入",
        "上提转出",
        "结案天数中位数",
    ]
    body = rows[1:]
    assert len(body) == len(report["units"]) * (1 + len(workflows.names()))
    assert body[0][:4] == ["GZ", "广州市总工会", "市总工会", "合计"]
    th_total = next(r for r in body if r[0] == "TH" and r[3] == "合计")
    assert th_total == [
        "TH",
        "天河区总工会",
        "县（区）总工会",
        "合计",
        "2",
        "1",
        "4",
        "3",
        "1",
        "0",
        "3.0",
    ]
    th_med = next(r for r in body if r[0] == "TH" and r[3] == "劳动争议调解")
    assert th_med[4:] == ["0", "0", "3", "3", "0", "0", "3.0"]
    th_wage = next(
        r for r in body if r[0] == "TH" and r[3] == workflows.get("wage_arrears").label_zh
    )
    assert th_wage[-1] == ""  # nothing closed: no median
    assert text.encode("utf-8-sig").startswith(b"\xef\xbb\xbf")


def test_csv_never_starts_a_cell_with_a_formula():
    unit = {"id": 1, "code": "=HYPERLINK(1)", "name": "+某工会", "level": "county"}
    report = {"units": [{"org_unit": unit, "totals": dict(ZERO), "workflows": []}]}
    row = list(csv.reader(io.StringIO(summary_csv(report))))[1]
    assert row[:3] == ["'=HYPERLINK(1)", "'+某工会", "县（区）总工会"]
