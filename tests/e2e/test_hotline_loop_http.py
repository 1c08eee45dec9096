"""The 12351 work-order loop over real HTTP (gunicorn, both databases), as an operator and a
township caseworker walk it: 受理 → 派单 → 签收 → 办理 → 反馈 → 回访 → 办结, with 退单, 发回重办 and
the side routes for consultations, unknown employers, disputes and complaints."""

from __future__ import annotations

import datetime as dt

from casework.core.time import local_date
from tests.helpers import run_cli

BUILDER = {"name": "广州市某建筑劳务有限公司", "credit_code": "91440106MA5BD00024"}


def _call(api, category, *, phone="13912345601", employer=BUILDER, **extra):
    body = {
        "caller": {"name": "李四", "phone": phone},
        "category": category,
        "description": "来电内容",
        **({"employer": employer} if employer is not None else {}),
        **extra,
    }
    r = api.post("hotline", "/intakes", json=body)
    assert r.status_code == 201, r.text
    return r.json()


def _fire(api, user, case_id, trigger, data=None):
    r = api.post(
        user, f"/cases/{case_id}/transitions", json={"trigger": trigger, "data": data or {}}
    )
    assert r.status_code == 200, r.text
    return r.json()


def _unit_notices(api, user):
    return api.get(user, "/notifications").json()["items"]


def test_a_consultation_answered_on_the_call_leaves_nothing_running(live_api, db_url):
    api = live_api
    before = {u: len(_unit_notices(api, u)) for u in ("supervisor.guangzhou", "supervisor.tianhe")}
    filed = _call(api, "consultation", employer=None, answer="加班费按150%、200%、300%计算。")
    order = api.get("hotline", f"/cases/{filed['work_order']['id']}").json()
    assert order["state"] == "closed" and order["deadlines"] == []
    assert order["attributes"]["answer"] == "加班费按150%、200%、300%计算。"
    week_later = dt.datetime.now(dt.UTC) + dt.timedelta(days=7)
    out = run_cli(db_url, "sweep", "--now", week_later.isoformat(), "--json")
    assert out.returncode == 0, out.stderr
    after = {u: len(_unit_notices(api, u)) for u in before}
    assert after == before  # no 督办, no reminder: nothing was left running


def test_a_wage_call_is_dispatched_signed_handled_reported_back_and_called_back(live_api):
    api = live_api
    filed = _call(api, "wage_arrears")
    order_id, case_id = filed["work_order"]["id"], filed["case"]["id"]
    assert filed["work_order"]["state"] == "dispatched" and filed["routed_to"]["code"] == "TH-SP"
    _fire(api, "caseworker.shipai", order_id, "accept")  # 签收
    for trigger, data in (
        ("verify", {"months_in_arrears": 2}),
        ("start_negotiation", {}),
        ("record_payment", {"amount_paid": "8600"}),
        ("complete_callback", {"satisfaction": "满意"}),
    ):
        _fire(api, "caseworker.shipai", case_id, trigger, data)
    order = api.get("hotline", f"/cases/{order_id}").json()
    assert order["state"] == "result_reported"  # 反馈 by itself when the case ended
    assert order["attributes"]["result"].startswith(filed["case"]["ref"])
    queue = api.get("hotline", "/callbacks").json()["items"]
    assert [i["id"] for i in queue] == [order_id]
    r = api.post("hotline", f"/callbacks/{order_id}", json={"outcome": "满意"})
    assert r.status_code == 200, r.text
    assert r.json()["state"] == "closed" and r.json()["deadlines"] == []


def test_a_dissatisfied_caller_sends_the_order_back_to_the_unit(live_api):
    api = live_api
    filed = _call(api, "wage_arrears", phone="13912345602")
    order_id, case_id = filed["work_order"]["id"], filed["case"]["id"]
    _fire(api, "caseworker.shipai", order_id, "accept")
    _fire(api, "caseworker.shipai", case_id, "reject", {"reason": "重复登记"})
    seen = len(_unit_notices(api, "caseworker.shipai"))
    r = api.post("hotline", f"/callbacks/{order_id}", json={"outcome": "不满意", "note": "未解决"})
    assert r.status_code == 200, r.text
    back = r.json()
    assert back["state"] == "accepted" and back["org_unit"]["code"] == "TH-SP"
    assert [d["rule"] for d in back["deadlines"]] == ["handling"]
    notices = _unit_notices(api, "caseworker.shipai")
    assert len(notices) == seen + 1 and "发回重办" in notices[0]["title"]


def test_a_returned_order_is_dispatched_again(live_api):
    api = live_api
    filed = _call(api, "wage_arrears", phone="13912345603")
    order_id = filed["work_order"]["id"]
    returned = _fire(api, "caseworker.shipai", order_id, "return_order", {"reason": "非本辖区"})
    # Back in the dispatcher's queue: at the city, waiting for 派单 again on a fresh clock.
    back = api.get("hotline", f"/cases/{order_id}").json()
    assert back["state"] == "registered" and back["org_unit"]["code"] == "GZ"
    assert [d["rule"] for d in back["deadlines"]] == ["dispatch"]
    assert back["attributes"]["returned_by"] == "TH-SP"
    assert api.get("caseworker.shipai", f"/cases/{order_id}").status_code == 404
    assert returned["state"] == "registered"
    units = {
        u["code"]: u["id"] for u in api.get("supervisor.guangzhou", "/org-units").json()["items"]
    }
    again = _fire(api, "hotline", order_id, "dispatch", {"org_unit_id": units["TH"]})
    assert again["state"] == "dispatched" and again["org_unit"]["code"] == "TH"


def test_an_unknown_employer_dispatched_by_hand_then_routes_straight_there(live_api):
    api = live_api
    shop = {"name": "某未登记装修公司"}
    first = _call(api, "wage_arrears", phone="13912345604", employer=shop)
    assert first["work_order"]["manual_dispatch"] is True and first["case"] is None
    units = {
        u["code"]: u["id"] for u in api.get("supervisor.guangzhou", "/org-units").json()["items"]
    }
    sent = _fire(
        api, "hotline", first["work_order"]["id"], "dispatch", {"org_unit_id": units["TH-SP"]}
    )
    assert sent["org_unit"]["code"] == "TH-SP" and sent["attributes"]["case_ref"]
    second = _call(api, "wage_arrears", phone="13912345605", employer=shop)
    assert second["routed_to"]["code"] == "TH-SP" and second["case"]["org_unit"]["code"] == "TH-SP"


def test_a_dispute_call_counts_the_mediation_period_from_the_recorded_receipt(live_api):
    api = live_api
    filed = _call(api, "dispute", phone="13912345606")
    case_id = filed["case"]["id"]
    waiting = api.get("caseworker.shipai", f"/cases/{case_id}").json()
    assert waiting["state"] == "awaiting_application"
    assert "mediation_period" not in [d["rule"] for d in waiting["deadlines"]]
    tomorrow = (local_date() + dt.timedelta(days=1)).isoformat()
    r = api.post(
        "caseworker.shipai",
        f"/cases/{case_id}/transitions",
        json={"trigger": "receive_application", "data": {"received_on": tomorrow}},
    )
    assert r.status_code == 422 and r.json()["guard"] == "received_on_plausible"  # not future
    today = local_date().isoformat()
    got = _fire(api, "caseworker.shipai", case_id, "receive_application", {"received_on": today})
    period = next(d for d in got["deadlines"] if d["rule"] == "mediation_period")
    assert period["started_on"] == today


def test_a_complaint_about_a_township_union_lands_at_the_district(live_api):
    filed = _call(
        live_api, "complaint", employer=None, phone="13912345607", complained_unit_code="TH-SP"
    )
    assert filed["routed_to"]["code"] == "TH" and filed["case"] is None
    assert filed["work_order"]["state"] == "dispatched"


def test_three_co_workers_about_one_employer_are_related_and_merged(live_api):
    api = live_api
    filed = [_call(api, "wage_arrears", phone=f"1391234570{i}", worker_count=4) for i in range(3)]
    first, *others = [f["case"]["id"] for f in filed]
    related = api.get("caseworker.shipai", f"/cases/{first}/related").json()
    assert {i["id"] for i in related["items"] if i["mergeable"]} == set(others)
    for i, other in enumerate(others):
        body = {"case_id": other}
        if i == len(others) - 1:
            body["representatives"] = ["李四"]
        user = "caseworker.shipai" if i == 0 else "supervisor.tianhe"
        r = api.post(user, f"/cases/{first}/merges", json=body)
        assert r.status_code == 200, r.text
    merged = r.json()
    assert merged["worker_count"] == 12 and merged["collective"] is True
    assert merged["org_unit"]["code"] == "TH"  # a collective dispute starts one level up
    assert merged["attributes"]["representatives"] == ["李四"]
    for other in others:
        assert api.get("supervisor.tianhe", f"/cases/{other}").json()["state"] == "merged"
