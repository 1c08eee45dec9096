"""Caller lookup before submit: the console shows a repeat caller's open work within scope."""

from __future__ import annotations

PHONE = "13912340001"
ID_NUMBER = "440106199003071231"
BUILDER = {"name": "广州市某建筑劳务有限公司", "credit_code": "91440106MA5BD00024"}


def _file(api, **extra):
    body = {
        "caller": {"name": "李四", "phone": PHONE, "id_number": ID_NUMBER},
        "employer": BUILDER,
        "category": "wage_arrears",
        "worker_count": 1,
        "description": "拖欠两个月工资",
        **extra,
    }
    r = api.post("hotline", "/intakes", json=body)
    assert r.status_code == 201, r.text
    return r.json()


def test_a_repeat_caller_sees_their_open_work_newest_first(api):
    first = _file(api)
    r = api.get("hotline", f"/callers?phone={PHONE}")
    assert r.status_code == 200, r.text
    body = r.json()
    refs = [i["ref"] for i in body["items"]]
    # The work order and the wage-arrears case it opened, newest first.
    assert set(refs) == {first["work_order"]["ref"], first["case"]["ref"]}
    assert body["open_count"] == 2 and body["summary_zh"] == "该来电人有 2 件在办"
    case = next(i for i in body["items"] if i["workflow"] == "wage_arrears")
    assert case["org_unit"]["code"] == "TH-SP" and case["employer_name"] == BUILDER["name"]
    assert PHONE not in r.text and ID_NUMBER not in r.text  # the number is never echoed
    by_id = api.post("hotline", "/callers/lookup", json={"id_number": ID_NUMBER}).json()
    assert {i["ref"] for i in by_id["items"]} == set(refs)
    # The number written another way is the same caller.
    assert api.get("hotline", "/callers?phone=%2B86%20139%201234%200001").json()["total"] == 2


def test_a_unit_outside_the_scope_sees_nothing(api):
    _file(api)
    # The work order was dispatched to 石牌 with the case: its caseworker sees both; 南华西 (in
    # another district) sees nothing.
    assert api.get("caseworker.shipai", f"/callers?phone={PHONE}").json()["total"] == 2
    outside = api.get("caseworker.nanhuaxi", f"/callers?phone={PHONE}").json()
    assert outside == {
        "items": [],
        "total": 0,
        "open_count": 0,
        "summary_zh": "该来电人没有在办事项",
    }


def test_a_lookup_needs_one_valid_number_and_never_echoes_it(api):
    for query in ("", f"?phone={PHONE}&id_number={ID_NUMBER}"):
        r = api.get("hotline", f"/callers{query}")
        assert r.status_code == 422, query
    r = api.get("hotline", "/callers?phone=1391234")
    assert r.status_code == 422 and "phone" in r.json()["errors"]
    assert "1391234" not in r.text
    assert api.get("auditor", f"/callers?phone={PHONE}").status_code == 403


def test_the_call_back_queue_and_its_outcomes_over_http(api, rt):
    filed = _file(api)
    order, case = filed["work_order"], filed["case"]
    shipai = "caseworker.shipai"
    assert api.post(shipai, f"/cases/{order['id']}/transitions", json={"trigger": "accept"}).ok
    r = api.post(
        shipai,
        f"/cases/{case['id']}/transitions",
        json={"trigger": "reject", "data": {"reason": "重复登记"}},
    )
    assert r.status_code == 200, r.text
    queue = api.get("hotline", "/callbacks").json()
    waiting = next(i for i in queue["items"] if i["id"] == order["id"])
    assert waiting["state"] == "result_reported" and waiting["overdue"] is False
    assert api.get("caseworker.shipai", "/callbacks").status_code == 403
    stale = api.post(
        "hotline",
        f"/callbacks/{order['id']}",
        json={"outcome": "满意"},
        headers={"If-Match": f'"{waiting["version"] - 1}"'},
    )
    assert stale.status_code == 412
    bad = api.post("hotline", f"/callbacks/{order['id']}", json={"outcome": "还行"})
    assert bad.status_code == 422 and list(bad.json()["errors"]) == ["outcome"]
    done = api.post(
        "hotline",
        f"/callbacks/{order['id']}",
        json={"outcome": "满意"},
        headers={"If-Match": f'"{waiting["version"]}"'},
    )
    assert done.status_code == 200, done.text
    assert done.json()["state"] == "closed"
    assert done.json()["attributes"]["satisfaction"] == "satisfied"
    again = api.post("hotline", f"/callbacks/{order['id']}", json={"outcome": "满意"})
    assert again.status_code == 409


def test_a_dispatcher_urges_the_unit_holding_the_order(api):
    filed = _file(api, caller={"name": "李四", "phone": "13912340009"})
    order_id = filed["work_order"]["id"]
    seen = len(api.get("caseworker.shipai", "/notifications").json()["items"])
    r = api.post("hotline", f"/cases/{order_id}/reminders", json={"note": "来电人再次催问"})
    assert r.status_code == 201, r.text
    assert r.json()["kind"] == "urged" and r.json()["data"]["unit"] == "TH-SP"
    notices = api.get("caseworker.shipai", "/notifications").json()["items"]
    assert len(notices) == seen + 1 and notices[0]["title"].startswith("催办")
    # Once a day: a second reminder is recorded but sends no second notice.
    assert api.post("hotline", f"/cases/{order_id}/reminders", json={}).status_code == 201
    assert len(api.get("caseworker.shipai", "/notifications").json()["items"]) == seen + 1
    order = api.get("hotline", f"/cases/{order_id}").json()
    assert order["state"] == "dispatched"  # 催办 moves nothing
    assert api.post("caseworker.shipai", f"/cases/{order_id}/reminders", json={}).status_code == 403


def test_the_handling_unit_asks_for_more_time_and_the_dispatching_level_decides(api):
    filed = _file(api, caller={"name": "李四", "phone": "13912340010"})
    order_id = filed["work_order"]["id"]
    shipai = "caseworker.shipai"
    signed = api.post(shipai, f"/cases/{order_id}/transitions", json={"trigger": "accept"}).json()
    before = next(d for d in signed["deadlines"] if d["rule"] == "handling")
    path = f"/cases/{order_id}/clocks/handling/extension-requests"
    seen = len(api.get("supervisor.guangzhou", "/notifications").json()["items"])
    r = api.post(shipai, path, json={"days": 3, "reason": "用人单位负责人出差，约谈需延后"})
    assert r.status_code == 201, r.text
    assert r.json()["kind"] == "extension_requested" and r.json()["data"]["unit"] == "GZ"
    # The city dispatched it, so the city decides; the request alone moves no clock.
    notices = api.get("supervisor.guangzhou", "/notifications").json()["items"]
    assert len(notices) == seen + 1 and "延期申请" in notices[0]["title"]
    unchanged = api.get(shipai, f"/cases/{order_id}").json()
    assert next(d for d in unchanged["deadlines"] if d["rule"] == "handling") == before
    assert api.post(shipai, path, json={"days": 1, "reason": "再申请"}).status_code == 409
    decide = path + "/decision"
    assert api.post(shipai, decide, json={"approve": True}).status_code == 403
    assert api.post("supervisor.tianhe", decide, json={"approve": True}).status_code == 403
    r = api.post("supervisor.guangzhou", decide, json={"approve": True, "note": "同意延期"})
    assert r.status_code == 200, r.text
    after = next(d for d in r.json()["deadlines"] if d["rule"] == "handling")
    assert after["extended_days"] == 3 and after["due"] > before["due"]
    assert after["extension_approver"] == "supervisor.guangzhou"
    assert "extension_request" not in r.json()["attributes"]
    assert api.post("supervisor.guangzhou", decide, json={"approve": True}).status_code == 404
    # Refused: recorded, and the clock stays where it is.
    assert api.post(shipai, path, json={"days": 2, "reason": "仍需时间"}).status_code == 201
    r = api.post("supervisor.guangzhou", decide, json={"approve": False, "note": "不予延期"})
    assert next(d for d in r.json()["deadlines"] if d["rule"] == "handling") == after
    kinds = [e["kind"] for e in api.get(shipai, f"/cases/{order_id}/events").json()["items"]]
    assert kinds.count("extension_decided") == 2


def test_related_calls_and_merging_over_http(api):
    ids = []
    for i in range(2):
        body = _file(api, caller={"name": f"工友{i}", "phone": f"1391234009{i}"})
        ids.append(body["case"]["id"])
    first, second = ids
    related = api.get("caseworker.shipai", f"/cases/{first}/related")
    assert related.status_code == 200, related.text
    assert [i["id"] for i in related.json()["items"] if i["mergeable"]] == [second]
    assert api.get("caseworker.nanhuaxi", f"/cases/{first}/related").status_code == 404
    bad = api.post("caseworker.shipai", f"/cases/{first}/merges", json={"case_id": first})
    assert bad.status_code == 422 and list(bad.json()["errors"]) == ["case_id"]
    r = api.post(
        "caseworker.shipai",
        f"/cases/{first}/merges",
        json={"case_id": second, "representatives": ["工友0"]},
    )
    assert r.status_code == 200, r.text
    assert r.json()["worker_count"] == 2 and len(r.json()["workers"]) == 2
    assert api.get("caseworker.shipai", f"/cases/{second}").json()["state"] == "merged"
    again = api.post("caseworker.shipai", f"/cases/{first}/merges", json={"case_id": second})
    assert again.status_code == 409
