"""A mass-incident call over the API: POST /intakes with mass_incident, the same-day report clock
in GET /cases/{id}, and POST /cases/{id}/mass-incident-report."""

from __future__ import annotations


def test_a_mass_incident_call_shows_its_report_clock_until_the_report_is_recorded(api, demo):
    emp = demo.employer("建筑")
    r = api.post(
        "hotline",
        "/intakes",
        json={
            "caller": {"name": "张三", "phone": "13812345678"},
            "employer": {"name": emp.name, "credit_code": emp.credit_code},
            "category": "wage_arrears",
            "worker_count": 3,
            "description": "工地工人聚集讨薪",
            "mass_incident": True,
        },
    )
    assert r.status_code == 201, r.text
    case_id = r.json()["case"]["id"]
    inbox = api.get("supervisor.guangzhou", "/notifications").json()["items"]
    assert any(n["kind"] == "mass_incident" for n in inbox)  # the grandparent of TH-SP

    case = api.get("caseworker.shipai", f"/cases/{case_id}").json()
    assert case["mass_incident"] is True
    [clock] = [d for d in case["deadlines"] if d["rule"] == "mass_incident_report"]
    assert clock["days"] == 0 and clock["label_zh"] == "群体性事件当日报告同级党委、政府"
    assert clock["status"] == "running"
    assert clock["expires_at"] == case["next_due_at"]  # the nearest of its clocks

    refused = api.post(
        "caseworker.shipai",
        f"/cases/{case_id}/mass-incident-report",
        json={"reported_to": "  "},
    )
    assert refused.status_code == 422 and list(refused.json()["errors"]) == ["reported_to"]
    done = api.post(
        "caseworker.shipai",
        f"/cases/{case_id}/mass-incident-report",
        json={"reported_to": "中共石牌街道工作委员会、石牌街道办事处", "note": "书面报告"},
    )
    assert done.status_code == 200, done.text
    after = done.json()
    assert not [d for d in after["deadlines"] if d["rule"] == "mass_incident_report"]
    assert after["attributes"]["mass_incident_report"]["late"] is False
    again = api.post(
        "caseworker.shipai",
        f"/cases/{case_id}/mass-incident-report",
        json={"reported_to": "中共石牌街道工作委员会"},
    )
    assert again.status_code == 409


def test_mass_incident_must_be_a_boolean(api, demo):
    r = api.post(
        "hotline",
        "/intakes",
        json={
            "caller": {"name": "张三", "phone": "13812345678"},
            "category": "consultation",
            "answer": "已告知维权途径",
            "description": "咨询",
            "mass_incident": "yes",
        },
    )
    assert r.status_code == 422 and list(r.json()["errors"]) == ["mass_incident"]
