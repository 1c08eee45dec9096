"""End to end over HTTP against gunicorn with the demo data: the hotline's call lands at the
employer's township union, is handled there, is invisible next door, honours If-Match and
Idempotency-Key, joins a repeat call to the open order, and rises to the county supervisor when
its handling deadline passes (the sweep run as the CLI, as the scheduler would)."""

from __future__ import annotations

import datetime as dt

from tests.helpers import run_cli

CALL = {
    "caller": {"name": "李四", "phone": "13912345678", "id_number": "11010519491231002X"},
    "employer": {"name": "广州市某建筑劳务有限公司", "credit_code": "91440106MA5BD00024"},
    "category": "wage_arrears",
    "complexity": "normal",
    "worker_count": 1,
    "amount_claimed": "8600.50",
    "description": "工地拖欠三个月工资",
}


def test_hotline_call_to_escalation_over_http(api, demo, db_url):
    # The city hotline files the call; the engine routes it to the employer's township union.
    r = api.post("hotline", "/intakes", json=CALL, headers={"Idempotency-Key": "call-0001"})
    assert r.status_code == 201, r.text
    first = r.json()
    assert first["routed_to"]["code"] == "TH-SP" and first["routed_to"]["level"] == "township"
    assert first["merged_into"] is None
    assert first["work_order"]["ref"].startswith("HOT-")
    case_id = first["case"]["id"]
    assert first["case"]["workflow"] == "wage_arrears"

    # A retry with the same key returns the identical body and opens nothing new.
    again = api.post("hotline", "/intakes", json=CALL, headers={"Idempotency-Key": "call-0001"})
    assert again.status_code == 201 and again.json() == first
    # The same key with a different body is refused.
    other = api.post(
        "hotline",
        "/intakes",
        json={**CALL, "worker_count": 3},
        headers={"Idempotency-Key": "call-0001"},
    )
    assert other.status_code == 422
    assert other.headers["Content-Type"].startswith("application/problem+json")

    # The township caseworker sees it, masked, with its deadline and what they may do.
    r = api.get("caseworker.shipai", f"/cases/{case_id}")
    assert r.status_code == 200
    case = r.json()
    assert r.headers["ETag"] == f'"{case["version"]}"'
    assert case["org_unit"]["code"] == "TH-SP" and case["state"] == "registered"
    assert case["workers"][0]["phone"] == "139****5678"
    assert case["workers"][0]["id_number"] == "110105********002X"
    assert "13912345678" not in r.text and "11010519491231002X" not in r.text
    assert {t["trigger"] for t in case["allowed_triggers"]} >= {"verify"}
    assert case["deadlines"] and case["deadlines"][0]["citation"]

    # A caseworker of another district gets 404: the case is not revealed to exist.
    r = api.get("caseworker.nanhuaxi", f"/cases/{case_id}")
    assert r.status_code == 404
    assert r.headers["Content-Type"].startswith("application/problem+json")

    # The caseworker moves it forward with the current version...
    etag = f'"{case["version"]}"'
    r = api.post(
        "caseworker.shipai",
        f"/cases/{case_id}/transitions",
        json={"trigger": "verify", "data": {"months_in_arrears": 3}},
        headers={"If-Match": etag},
    )
    assert r.status_code == 200, r.text
    moved = r.json()
    assert moved["state"] == "verified" and moved["version"] > case["version"]
    assert r.headers["ETag"] == f'"{moved["version"]}"'
    # ...and a write with the stale version gets 412, changing nothing.
    r = api.post(
        "caseworker.shipai",
        f"/cases/{case_id}/transitions",
        json={"trigger": "start_negotiation"},
        headers={"If-Match": etag},
    )
    assert r.status_code == 412, r.text
    assert r.json()["current_version"] == moved["version"]
    assert api.get("caseworker.shipai", f"/cases/{case_id}").json()["state"] == "verified"

    # A repeat call about the same worker (same phone) and employer joins the open work order and
    # its case: no second order.
    repeat = {
        **CALL,
        "caller": {"name": "李四", "phone": "139-1234-5678"},
        "description": "再次来电催办",
    }
    r = api.post("hotline", "/intakes", json=repeat, headers={"Idempotency-Key": "call-0002"})
    assert r.status_code == 201, r.text
    assert r.json()["merged_into"] == case_id and r.json()["repeat_call"] is True
    assert r.json()["work_order"]["id"] == first["work_order"]["id"]
    kinds = [
        e["kind"] for e in api.get("caseworker.shipai", f"/cases/{case_id}/events").json()["items"]
    ]
    assert "repeat_call" in kinds

    # The handling deadline passes; the sweep lifts the case to the county union.
    due = dt.datetime.fromisoformat(moved["deadlines"][0]["expires_at"].replace("Z", "+00:00"))
    out = run_cli(db_url, "sweep", "--now", (due + dt.timedelta(minutes=1)).isoformat(), "--json")
    assert out.returncode == 0, out.stderr

    r = api.get("supervisor.tianhe", "/escalations")
    assert r.status_code == 200
    inbox = r.json()
    mine = [e for e in inbox["items"] if e["case"]["id"] == case_id]
    assert mine, inbox
    esc = mine[0]
    assert esc["from_unit"]["code"] == "TH-SP" and esc["to_unit"]["code"] == "TH"
    assert esc["reason"] == "deadline_expired" and esc["open"] is True
    assert esc["notification_id"] is not None
    # The supervisor acknowledges the notice; it is no longer pending for them.
    r = api.post("supervisor.tianhe", f"/notifications/{esc['notification_id']}/ack")
    assert r.status_code == 200 and r.json()["read_at"]
    again = api.get("supervisor.tianhe", "/escalations").json()["items"]
    assert [e for e in again if e["case"]["id"] == case_id][0]["notification_id"] is None

    # The case now sits at the county; the township still reads it (it started there) but the
    # next district still cannot.
    assert api.get("supervisor.tianhe", f"/cases/{case_id}").json()["org_unit"]["code"] == "TH"
    assert api.get("caseworker.shipai", f"/cases/{case_id}").status_code == 200
    assert api.get("caseworker.nanhuaxi", f"/cases/{case_id}").status_code == 404
