"""The 12351 work-order figures (GET /reports/hotline): a small month of orders walked through
the real intake, steps, sweep and call-backs, every figure checked exactly, per unit and tier;
the date range in Shanghai days, scope, a fixed number of SQL statements, and the CSV."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest

from casework.cases.service import fire
from casework.core.errors import InvalidInput, NotFound
from casework.escalation.sweep import sweep
from casework.intake.service import CallerInput, EmployerInput, file_intake, record_callback
from casework.reports import HOTLINE_COUNTS, HOTLINE_CSV_HEADERS, hotline, hotline_csv
from tests.helpers import statements

SH = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 4, 1, 12, tzinfo=SH)
MARCH = {"date_from": dt.date(2026, 3, 1), "date_to": dt.date(2026, 3, 31)}
ZERO = {**dict.fromkeys(HOTLINE_COUNTS, 0), "satisfaction_rate": None}
BUILDER = EmployerInput(name="广州市某建筑劳务有限公司", credit_code="91440106MA5BD00024")  # TH-SP
CATERER = EmployerInput(name="广州市某餐饮管理有限公司", credit_code="91440105MA5CE00033")  # HZ-NHX


def at(m, d, h=9, minute=0):
    return dt.datetime(2026, m, d, h, minute, tzinfo=SH)


def _call(rt, demo, when, *, category, employer=None, phone="13812345678", **kw):
    return file_intake(
        rt.uow(),
        actor=demo.actor("hotline"),
        caller=CallerInput(name="张三", phone=phone),
        employer=employer,
        category=category,
        description="来电内容",
        now=when,
        **kw,
    ).body


def _step(rt, demo, order_id, trigger, when, actor="caseworker.shipai", **data):
    return fire(
        rt.uow(), case_id=order_id, trigger=trigger, actor=demo.actor(actor), data=data, now=when
    )


def _callback(rt, demo, order_id, outcome, when):
    return record_callback(
        rt.uow(), order_id=order_id, outcome=outcome, actor=demo.actor("hotline"), now=when
    )


@pytest.fixture
def month(rt, demo):
    """Orders taken by the city hotline (GZ), consultations never sampled for a call-back:

    0. 10 Feb: a consultation answered on the call (before the month);
    1. Sun 1 Mar 00:30 (still 28 Feb in UTC): a consultation answered on the call;
    2. Mon 2 Mar, wage arrears → TH-SP, signed the same day, the case closed on 3 Mar, the
       call-back satisfied: closed on time;
    3. Mon 2 Mar, 难点 wage arrears → TH-SP, signed on 4 Mar (its clock fell due at the end of
       3 Mar), the case closed on 20 Mar (handling fell due on 18 Mar), the call-back dissatisfied
       (发回重办), the result reported again and the second call-back 基本满意;
    4. Mon 2 Mar, wage arrears → TH-SP, never signed: the sweep on 4 Mar lifts it to TH (督办);
    5. Thu 5 Mar, 特别复杂 服务帮扶 with no employer, dispatched by hand to TH-SP, which returns it;
    6. Fri 6 Mar, wage arrears → HZ-NHX, not yet signed.
    """
    rt = dataclasses.replace(
        rt, settings=rt.settings.with_overrides(consultation_callback_percent=0)
    )
    _call(rt, demo, at(2, 10), category="consultation", answer="已答复政策。")
    _call(rt, demo, at(3, 1, 0, 30), category="consultation", answer="已答复政策。")
    two = _call(rt, demo, at(3, 2, 10), category="wage_arrears", employer=BUILDER)
    three = _call(
        rt,
        demo,
        at(3, 2, 11),
        category="wage_arrears",
        employer=BUILDER,
        phone="13812345679",
        complexity="difficult",
    )
    _call(rt, demo, at(3, 2, 12), category="wage_arrears", employer=BUILDER, phone="13812345670")
    o2, c2 = two["work_order"]["id"], two["case"]["id"]
    o3, c3 = three["work_order"]["id"], three["case"]["id"]

    _step(rt, demo, o2, "accept", at(3, 2, 15))
    _step(rt, demo, c2, "reject", at(3, 3, 10), reason="重复登记")  # the order reports back
    _callback(rt, demo, o2, "satisfied", at(3, 3, 16))

    _step(rt, demo, o3, "accept", at(3, 4, 8))
    report = sweep(rt, now=at(3, 4, 9))
    assert report.escalated == 1  # order 4's acceptance clock, and nothing else

    five = _call(
        rt, demo, at(3, 5, 10), category="service_help", phone="13812345671", complexity="complex"
    )
    o5 = five["work_order"]["id"]
    _step(
        rt, demo, o5, "dispatch", at(3, 5, 11), actor="hotline", org_unit_id=demo.unit("TH-SP").id
    )
    _step(rt, demo, o5, "return_order", at(3, 5, 14), reason="不属本街道辖区")
    _call(rt, demo, at(3, 6, 10), category="wage_arrears", employer=CATERER, phone="13812345672")

    _step(rt, demo, c3, "reject", at(3, 20, 10), reason="证据不足")
    _callback(rt, demo, o3, "不满意", at(3, 23, 10))
    _step(rt, demo, o3, "report_result", at(3, 24, 10), result="已督促用人单位支付")
    _callback(rt, demo, o3, "basically_satisfied", at(3, 25, 10))
    return demo


def _report(rt, demo, username="supervisor.guangzhou", **kw):
    kw.setdefault("now", NOW)
    return hotline(rt.reader(), actor=demo.actor(username), **kw)


def _unit(report, code):
    return next(u for u in report["units"] if u["org_unit"]["code"] == code)


def _tier(entry, tier):
    return next(t for t in entry["tiers"] if t["tier"] == tier)


def _figures(d):
    return {k: d[k] for k in ZERO}


def test_every_figure_per_unit_and_tier_in_a_month(rt, month):
    demo = month
    report = _report(rt, demo, org_unit_id=demo.unit("GZ").id, **MARCH)
    assert report["org_unit"]["code"] == "GZ"
    assert (report["from"], report["to"]) == ("2026-03-01", "2026-03-31")
    assert [u["org_unit"]["code"] for u in report["units"]][:4] == [
        "GZ",
        "TH",
        "TH-SP",
        "TH-SP-ACME",
    ]
    for entry in report["units"]:
        assert [(t["tier"], t["label_zh"]) for t in entry["tiers"]] == [
            ("normal", "一般"),
            ("difficult", "难点"),
            ("complex", "特别复杂"),
        ]

    # The receiving centre: six calls, one answered on the line (and closed), five dispatched.
    gz = _unit(report, "GZ")
    assert gz["totals"] == {
        **ZERO,
        "received": 6,
        "answered": 1,
        "dispatched": 5,
        "closed": 1,
        "closed_on_time": 1,
    }
    assert _figures(_tier(gz, "normal")) == {
        **ZERO,
        "received": 4,
        "answered": 1,
        "dispatched": 3,
        "closed": 1,
        "closed_on_time": 1,
    }
    assert _figures(_tier(gz, "difficult")) == {**ZERO, "received": 1, "dispatched": 1}
    assert _figures(_tier(gz, "complex")) == {**ZERO, "received": 1, "dispatched": 1}

    # The township the orders were sent to.
    sp = _unit(report, "TH-SP")
    assert sp["totals"] == {
        **ZERO,
        "signed": 2,
        "signed_on_time": 1,
        "returned": 1,
        "closed": 2,
        "closed_on_time": 1,
        "called_back": 3,
        "satisfied": 2,
        "satisfaction_rate": 0.6667,
        "reopened": 1,
        "supervised": 1,
    }
    assert _figures(_tier(sp, "normal")) == {
        **ZERO,
        "signed": 1,
        "signed_on_time": 1,
        "closed": 1,
        "closed_on_time": 1,
        "called_back": 1,
        "satisfied": 1,
        "satisfaction_rate": 1.0,
        "supervised": 1,
    }
    assert _figures(_tier(sp, "difficult")) == {
        **ZERO,
        "signed": 1,
        "closed": 1,
        "called_back": 2,
        "satisfied": 1,
        "satisfaction_rate": 0.5,
        "reopened": 1,
    }
    assert _figures(_tier(sp, "complex")) == {**ZERO, "returned": 1}
    # The lifted order waits at TH, unsigned; HZ-NHX has not signed its order yet.
    for code in ("TH", "HZ", "HZ-NHX", "TH-SP-ACME"):
        assert _unit(report, code)["totals"] == ZERO


def test_without_a_range_everything_counts(rt, month):
    gz = _unit(_report(rt, month), "GZ")
    assert (gz["totals"]["received"], gz["totals"]["answered"], gz["totals"]["closed"]) == (7, 2, 2)


def test_the_range_bounds_are_shanghai_days_inclusive(rt, month):
    demo = month
    # The call at 00:30 on 1 March (Shanghai) is a March call, not a February one.
    feb = _unit(
        _report(rt, demo, date_from=dt.date(2026, 2, 1), date_to=dt.date(2026, 2, 28)), "GZ"
    )
    assert (feb["totals"]["received"], feb["totals"]["answered"]) == (1, 1)
    # 4 March alone: order 3 signed late, order 4 lifted.
    day = _report(rt, demo, date_from=dt.date(2026, 3, 4), date_to=dt.date(2026, 3, 4))
    assert _unit(day, "TH-SP")["totals"] == {**ZERO, "signed": 1, "supervised": 1}
    assert _unit(day, "GZ")["totals"] == ZERO
    # From 21 March: the second half of order 3's story.
    late = _unit(_report(rt, demo, date_from=dt.date(2026, 3, 21)), "TH-SP")
    assert late["totals"] == {
        **ZERO,
        "closed": 1,
        "called_back": 2,
        "satisfied": 1,
        "satisfaction_rate": 0.5,
        "reopened": 1,
    }
    with pytest.raises(InvalidInput) as err:
        _report(rt, demo, date_from=dt.date(2026, 4, 2), date_to=dt.date(2026, 4, 1))
    assert err.value.field == "date_to"


def test_scope_is_the_actor_subtree(rt, month):
    demo = month
    own = _report(rt, demo, "caseworker.shipai", **MARCH)
    assert [u["org_unit"]["code"] for u in own["units"]] == ["TH-SP", "TH-SP-ACME"]
    assert own["units"][0]["totals"]["signed"] == 2
    with pytest.raises(NotFound):  # a township asking for its county
        _report(rt, demo, "caseworker.shipai", org_unit_id=demo.unit("TH").id)
    with pytest.raises(NotFound):  # another district
        _report(rt, demo, "supervisor.tianhe", org_unit_id=demo.unit("HZ").id)
    with pytest.raises(NotFound):
        _report(rt, demo, org_unit_id=999999)


def test_a_fixed_number_of_statements_whatever_the_number_of_orders(rt, month):
    demo = month
    with statements(rt.engine) as small:
        first = _report(rt, demo, **MARCH)
    for i in range(4):
        body = _call(
            rt,
            demo,
            at(3, 10, 10 + i),
            category="wage_arrears",
            employer=BUILDER,
            phone=f"1390000000{i}",
        )
        _step(rt, demo, body["work_order"]["id"], "accept", at(3, 10, 15))
        _step(rt, demo, body["case"]["id"], "reject", at(3, 11, 10), reason="重复登记")
        _callback(rt, demo, body["work_order"]["id"], "满意", at(3, 11, 15))
    with statements(rt.engine) as large:
        second = _report(rt, demo, **MARCH)
    assert _unit(second, "TH-SP")["totals"]["called_back"] == (
        _unit(first, "TH-SP")["totals"]["called_back"] + 4
    )
    assert _unit(second, "TH-SP")["totals"]["satisfaction_rate"] == 0.8571  # 6 of 7
    assert len(large) == len(small)
    assert len([s for s in small if s.lstrip().upper().startswith("SELECT")]) <= 6


def test_csv_has_chinese_headers_and_one_row_per_unit_and_tier(rt, month):
    report = _report(rt, month, **MARCH)
    text = hotline_csv(report)
    assert not text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text)))
    assert tuple(rows[0]) == HOTLINE_CSV_HEADERS
    assert rows[0] == [
        "单位代码",
        "单位名称",
        "层级",
        "工单等级",
        "受理",
        "直接答复",
        "派单",
        "签收",
        "按时签收",
        "退单",
        "办结",
        "按时办结",
        "回访",
        "满意及基本满意",
        "满意率（%）",
        "发回重办",
        "督办",
    ]
    body = rows[1:]
    assert len(body) == len(report["units"]) * 4
    sp_total = next(r for r in body if r[0] == "TH-SP" and r[3] == "合计")
    assert sp_total == [
        "TH-SP", "石牌街道总工会", "乡镇（街道）工会", "合计",
        "0", "0", "0", "2", "1", "1", "2", "1", "3", "2", "66.7", "1", "1",
    ]  # fmt: skip
    sp_hard = next(r for r in body if r[0] == "TH-SP" and r[3] == "难点")
    assert sp_hard[14] == "50.0"
    gz_total = next(r for r in body if r[0] == "GZ" and r[3] == "合计")
    assert gz_total[4:7] == ["6", "1", "5"] and gz_total[14] == ""  # nobody called back
