"""GET /api/v1/reports/hotline: the 12351 work-order figures as JSON and as a CSV file (UTF-8 with
BOM, Chinese headers), within the caller's subtree only, and 422 for bad arguments."""

from __future__ import annotations

import csv
import datetime as dt
import io
from zoneinfo import ZoneInfo

from casework.cases.service import fire
from casework.intake.service import CallerInput, EmployerInput, file_intake, record_callback

SH = ZoneInfo("Asia/Shanghai")
BUILDER = EmployerInput(name="广州市某建筑劳务有限公司", credit_code="91440106MA5BD00024")
MARCH = "from=2026-03-01&to=2026-03-31"


def at(d, h):
    return dt.datetime(2026, 3, d, h, tzinfo=SH)


def _problem(r, status):
    assert r.status_code == status, r.text
    assert r.headers["Content-Type"].startswith("application/problem+json")
    return r.json()


def _scene(rt, demo):
    """Two wage-arrears calls to TH-SP on Mon 2 March: the first signed at once, its case closed
    and the call-back 满意; the second signed on 4 March (late), its case closed and the
    call-back 不满意 (sent back). A third call, on 3 March, about a 海珠 employer (HZ-NHX)."""
    hotline, worker = demo.actor("hotline"), demo.actor("caseworker.shipai")
    ids = []
    for i, (signed, outcome) in enumerate(((at(2, 15), "满意"), (at(4, 10), "dissatisfied"))):
        body = file_intake(
            rt.uow(),
            actor=hotline,
            caller=CallerInput(name="张三", phone=f"1381234567{i}"),
            employer=BUILDER,
            category="wage_arrears",
            description="欠薪",
            now=at(2, 10 + i),
        ).body
        order, case = body["work_order"]["id"], body["case"]["id"]
        fire(rt.uow(), case_id=order, trigger="accept", actor=worker, now=signed)
        fire(
            rt.uow(),
            case_id=case,
            trigger="reject",
            actor=worker,
            data={"reason": "重复登记"},
            now=signed + dt.timedelta(hours=2),
        )
        record_callback(rt.uow(), order_id=order, outcome=outcome, actor=hotline, now=at(5, 10 + i))
        ids.append(order)
    file_intake(
        rt.uow(),
        actor=hotline,
        caller=CallerInput(name="李四", phone="13912345678"),
        employer=EmployerInput(name="广州市某餐饮管理有限公司", credit_code="91440105MA5CE00033"),
        category="wage_arrears",
        description="欠薪",
        now=at(3, 10),
    )
    return ids


def test_hotline_report_json_per_unit_and_tier(api, rt, demo):
    _scene(rt, demo)
    report = api.get("supervisor.guangzhou", f"/reports/hotline?{MARCH}").json()
    assert (report["from"], report["to"]) == ("2026-03-01", "2026-03-31")
    units = {u["org_unit"]["code"]: u for u in report["units"]}
    assert units["GZ"]["totals"] == {
        "received": 3,
        "answered": 0,
        "dispatched": 3,
        "signed": 0,
        "signed_on_time": 0,
        "returned": 0,
        "closed": 0,
        "closed_on_time": 0,
        "called_back": 0,
        "satisfied": 0,
        "satisfaction_rate": None,
        "reopened": 0,
        "supervised": 0,
    }
    sp = units["TH-SP"]
    assert sp["totals"] == {
        "received": 0,
        "answered": 0,
        "dispatched": 0,
        "signed": 2,
        "signed_on_time": 1,
        "returned": 0,
        "closed": 1,
        "closed_on_time": 1,
        "called_back": 2,
        "satisfied": 1,
        "satisfaction_rate": 0.5,
        "reopened": 1,
        "supervised": 0,
    }
    normal = next(t for t in sp["tiers"] if t["tier"] == "normal")
    assert normal["label_zh"] == "一般" and normal["signed"] == 2
    assert [t["tier"] for t in sp["tiers"]] == ["normal", "difficult", "complex"]
    assert units["HZ-NHX"]["totals"]["signed"] == 0
    # Before the month: nothing.
    empty = api.get("supervisor.guangzhou", "/reports/hotline?to=2026-02-28").json()
    assert all(u["totals"]["received"] == 0 for u in empty["units"])


def test_hotline_report_csv_with_bom_and_chinese_headers(api, rt, demo):
    _scene(rt, demo)
    r = api.get("supervisor.tianhe", f"/reports/hotline?{MARCH}&format=csv")
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("text/csv")
    assert "casework-hotline.csv" in r.headers["Content-Disposition"]
    assert r.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows[0][:5] == ["单位代码", "单位名称", "层级", "工单等级", "受理"]
    assert rows[0][-4:] == ["满意及基本满意", "满意率（%）", "发回重办", "督办"]
    # TH's subtree only: TH, TH-SP, TH-SP-ACME, each a total and three tiers.
    assert [row[0] for row in rows[1:]] == ["TH"] * 4 + ["TH-SP"] * 4 + ["TH-SP-ACME"] * 4
    sp_total = rows[5]
    assert sp_total[3] == "合计" and sp_total[7:] == [
        "2", "1", "0", "1", "1", "2", "1", "50.0", "1", "0",
    ]  # fmt: skip


def test_hotline_report_scope_and_bad_input(api, rt, demo):
    _scene(rt, demo)
    own = api.get("caseworker.shipai", "/reports/hotline").json()
    assert [u["org_unit"]["code"] for u in own["units"]] == ["TH-SP", "TH-SP-ACME"]
    assert own["units"][0]["totals"]["signed"] == 2
    for user, code in (("caseworker.shipai", "TH"), ("supervisor.tianhe", "HZ")):
        _problem(api.get(user, f"/reports/hotline?org_unit_id={demo.unit(code).id}"), 404)
    _problem(api.get("supervisor.tianhe", "/reports/hotline?org_unit_id=999999"), 404)
    for query, field in (
        ("from=2026-13-01", "from"),
        ("from=2026-03-31&to=2026-03-01", "to"),
        ("format=xlsx", "format"),
        ("org_unit_id=abc", "org_unit_id"),
        ("to=0001-01-01", "to"),
    ):
        body = _problem(api.get("supervisor.tianhe", f"/reports/hotline?{query}"), 422)
        assert field in body["errors"], (query, body)
    _problem(api.get(None, "/reports/hotline"), 401)
