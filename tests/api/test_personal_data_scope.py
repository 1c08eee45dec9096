"""Personal data stays inside its unit (hardening, item 1).

The reproduction: the city hotline files a call for 陈保密 (phone P, ID number I); it lands at
石牌 (TH-SP). A caseworker of 南华西 (HZ-NHX, another district) opens a case naming a worker with
the same ID number, or the same name and phone. Before, the shared person record answered with
陈保密's name, ``pii-reveal`` returned the phone or ID number 南华西 never gave, and a worker
``{name: "x", id_number: I, phone: P2}`` silently overwrote the phone on 石牌's case.
"""

from __future__ import annotations

from sqlalchemy import func, select

from casework.models import CaseEvent

P = "13812340000"
P2 = "13987650000"
ID = "440106199001011235"
NHX_EMPLOYER = {"name": "广州市某餐饮管理有限公司", "credit_code": "91440105MA5CE00033"}


def _call(api):
    r = api.post(
        "hotline",
        "/intakes",
        json={
            "caller": {"name": "陈保密", "phone": P, "id_number": ID},
            "employer": {"name": "广州市某建筑劳务有限公司", "credit_code": "91440106MA5BD00024"},
            "category": "wage_arrears",
            "description": "工地拖欠工资",
        },
    )
    assert r.status_code == 201, r.text
    case = r.json()["case"]
    assert case["org_unit"]["code"] == "TH-SP"
    return case["id"]


def _open(api, worker):
    body = {"workflow": "mediation", "employer": NHX_EMPLOYER, "workers": [worker]}
    r = api.post("caseworker.nanhuaxi", "/cases", json=body)
    assert r.status_code == 201, r.text
    return r.json()


def _reveal(api, user, case_id, person_id, field):
    return api.post(
        user,
        f"/cases/{case_id}/pii-reveal",
        json={"person_id": person_id, "field": field, "reason": "核实身份"},
    )


def test_a_matching_id_number_discloses_nothing_from_another_district(api):
    _call(api)
    case = _open(api, {"name": "冒名者", "id_number": ID})
    worker = case["workers"][0]
    assert worker["name"] == "冒名者"  # what this unit recorded, not 陈保密
    assert worker["phone"] is None
    r = _reveal(api, "caseworker.nanhuaxi", case["id"], worker["id"], "phone")
    assert r.status_code == 404, r.text
    assert P not in r.text
    r = _reveal(api, "caseworker.nanhuaxi", case["id"], worker["id"], "id_number")
    assert r.status_code == 200 and r.json()["value"] == ID  # what they gave themselves


def test_a_matching_name_and_phone_discloses_no_id_number(api):
    _call(api)
    case = _open(api, {"name": "陈保密", "phone": P})
    worker = case["workers"][0]
    assert worker["id_number"] is None
    r = _reveal(api, "caseworker.nanhuaxi", case["id"], worker["id"], "id_number")
    assert r.status_code == 404 and ID not in r.text


def test_another_districts_entry_changes_nothing_on_this_case(api, rt):
    shipai_case = _call(api)
    before = api.get("caseworker.shipai", f"/cases/{shipai_case}").json()
    events_before = _events(rt, shipai_case)
    _open(api, {"name": "x", "id_number": ID, "phone": P2})
    after = api.get("caseworker.shipai", f"/cases/{shipai_case}").json()
    assert after["workers"] == before["workers"] and after["version"] == before["version"]
    worker = after["workers"][0]
    r = _reveal(api, "caseworker.shipai", shipai_case, worker["id"], "phone")
    assert r.status_code == 200 and r.json()["value"] == P  # still what the caller gave
    assert _events(rt, shipai_case) == events_before + 1  # the reveal just above, no more


def _events(rt, case_id):
    with rt.reader() as uow:
        return uow.session.scalar(
            select(func.count()).select_from(CaseEvent).where(CaseEvent.case_id == case_id)
        )


def test_a_repeat_call_in_scope_still_merges(api):
    first = _call(api)
    again = api.post(
        "hotline",
        "/intakes",
        json={
            "caller": {"name": "陈保密", "phone": "138-1234-0000"},
            "employer": {"name": "广州市某建筑劳务有限公司", "credit_code": "91440106MA5BD00024"},
            "category": "wage_arrears",
            "description": "再次来电",
        },
    )
    assert again.status_code == 201 and again.json()["merged_into"] == first
