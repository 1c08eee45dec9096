"""移送与反馈 over the API in-process: refusals that name the field, the 待反馈移送 list and its
CSV, the joint-meeting pack in JSON, CSV and DOCX, and statement counts that do not grow with
the data.
"""

from __future__ import annotations

import datetime as dt
import io

from docx import Document as Docx

from casework.core.time import local_date
from tests.api.test_sql_counts import _call, client  # noqa: F401 - the fixture
from tests.helpers import force_state, new_case

SUP = "supervisor.tianhe"
VIOLATION = {"violation_date": (local_date() - dt.timedelta(days=30)).isoformat()}
BODY = {
    "agency_kind": "labour_inspection",
    "agency_name": "天河区劳动保障监察大队",
    "basis": "工会法 第二十三条",
    "matter": "拖欠农民工工资，协商不成",
}
CASE_BODY = {
    "workflow": "supervision",
    "employer": {"name": "广州市某建筑劳务有限公司", "credit_code": "91440106MA5BD00024"},
    "worker_count": 12,
    "summary": "检察机关会商移交的线索",
}


def _case(rt, demo):
    case = new_case(rt, demo, "wage_arrears", unit="TH", actor=SUP)
    force_state(rt, case.id, "negotiating")
    return case


def test_a_referral_to_the_police_is_refused_with_the_way_through_hrss(api, rt, demo):
    case = _case(rt, demo)
    r = api.post(
        SUP,
        f"/cases/{case.id}/referrals",
        json={**BODY, "agency_kind": "public_security", "agency_name": "天河区公安分局"},
    )
    assert r.status_code == 422
    problem = r.json()
    assert list(problem["errors"]) == ["agency_kind"]
    assert "人力资源社会保障部门" in problem["detail"] and "labour_inspection" in problem["detail"]


def test_codes_or_chinese_labels_and_refusals_naming_the_field(api, rt, demo):
    case = _case(rt, demo)
    made = api.post(
        SUP,
        f"/cases/{case.id}/referrals",
        json={**BODY, "agency_kind": "人社劳动保障监察", "data": VIOLATION},
    )
    assert made.status_code == 201, made.text
    view = made.json()
    assert view["agency_kind"] == "labour_inspection" and view["status"] == "awaiting"
    assert view["clock"]["stage"] == "acceptance" and view["case"]["state"] == "inspection_referred"
    assert made.headers["ETag"]
    tomorrow = (local_date() + dt.timedelta(days=1)).isoformat()
    late = api.post(
        SUP,
        f"/cases/{case.id}/referrals/{view['id']}/receipt",
        json={"received_on": tomorrow},
    )
    assert late.status_code == 422 and list(late.json()["errors"]) == ["received_on"]
    wrong = api.post(
        SUP,
        f"/cases/{case.id}/referrals/{view['id']}/answer",
        json={"answered_on": local_date().isoformat(), "outcome": "maybe", "answer": "?"},
    )
    assert wrong.status_code == 422 and list(wrong.json()["errors"]) == ["outcome"]
    # Not the case's referral: not found.
    other = _case(rt, demo)
    assert api.get(SUP, f"/cases/{other.id}/referrals/{view['id']}").status_code == 404


def test_an_inbound_case_needs_its_sender_and_others_refuse_one(api, rt, demo):
    missing = api.post(SUP, "/cases", json={**CASE_BODY, "channel": "referral"})
    assert missing.status_code == 422 and list(missing.json()["errors"]) == ["referred_by"]
    sender = {"agency_kind": "人民检察院", "agency_name": "天河区人民检察院", "reference": "会商1"}
    refused = api.post(SUP, "/cases", json={**CASE_BODY, "referred_by": sender})
    assert refused.status_code == 422 and list(refused.json()["errors"]) == ["referred_by"]
    made = api.post(SUP, "/cases", json={**CASE_BODY, "channel": "referral", "referred_by": sender})
    assert made.status_code == 201, made.text
    assert made.json()["referred_by"]["agency_kind"] == "procuratorate"
    listed = api.get(SUP, "/referrals", params={"direction": "inbound"}).json()
    assert [i["case"]["id"] for i in listed["items"]] == [made.json()["id"]]


def test_the_list_filters_by_agency_and_status_and_exports_csv(api, rt, demo):
    case = _case(rt, demo)
    old = (local_date() - dt.timedelta(days=40)).isoformat()
    api.post(SUP, f"/cases/{case.id}/referrals", json={**BODY, "sent_on": old, "data": VIOLATION})
    arb = api.post(
        SUP,
        f"/cases/{case.id}/referrals",
        json={**BODY, "agency_kind": "arbitration", "agency_name": "天河区仲裁委"},
    )
    assert arb.status_code == 201, arb.text
    overdue = api.get(SUP, "/referrals", params={"status": "overdue"}).json()
    assert [i["agency_kind"] for i in overdue["items"]] == ["labour_inspection"]
    assert overdue["items"][0]["status_label_zh"] == "逾期未反馈"
    arbitration = api.get(SUP, "/referrals", params={"agency_kind": "arbitration"}).json()
    assert arbitration["total"] == 1 and arbitration["items"][0]["status"] == "awaiting"
    csv = api.get(SUP, "/referrals", params={"format": "csv"})
    assert csv.status_code == 200 and csv.headers["Content-Type"].startswith("text/csv")
    assert csv.content.startswith(b"\xef\xbb\xbf")
    text = csv.content.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("案件编号,方向,") and "逾期未反馈" in text
    assert len(text.strip().splitlines()) == 3
    # Outside the caller's tree: the unit does not exist for them.
    hz = demo.unit("HZ").id
    assert api.get(SUP, "/referrals", params={"org_unit_id": hz}).status_code == 404
    assert api.get("caseworker.nanhuaxi", "/referrals").json()["total"] == 0


def test_the_joint_meeting_pack_as_json_csv_and_docx(api, rt, demo):
    case = _case(rt, demo)
    year = local_date().year
    api.post(SUP, f"/cases/{case.id}/referrals", json={**BODY, "data": VIOLATION})
    sender = {"agency_kind": "procuratorate", "agency_name": "天河区人民检察院"}
    api.post(SUP, "/cases", json={**CASE_BODY, "channel": "referral", "referred_by": sender})
    pack = api.get(SUP, "/reports/joint-meeting", params={"year": year}).json()
    assert pack["totals"]["sent"] == 1 and pack["inbound"][0]["agency_name"] == "天河区人民检察院"
    csv = api.get(SUP, "/reports/joint-meeting", params={"year": year, "format": "csv"})
    assert csv.content.startswith(b"\xef\xbb\xbf") and "移交工会办理" in csv.content.decode()
    docx = api.get(SUP, "/reports/joint-meeting", params={"year": year, "format": "docx"})
    assert docx.status_code == 200 and "wordprocessingml" in docx.headers["Content-Type"]
    doc = Docx(io.BytesIO(docx.content))
    assert doc.paragraphs[0].text == pack["title"]
    fonts = doc.paragraphs[0].runs[0]._element.rPr.rFonts
    assert "方正小标宋简体" in fonts.xml
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    assert "人社劳动保障监察" in cells and "天河区人民检察院" in cells
    assert api.get(SUP, "/reports/joint-meeting", params={"year": 1900}).status_code == 422


def test_the_list_and_the_pack_do_not_grow_with_the_data(client, rt, demo):  # noqa: F811
    h = client.login("supervisor.guangzhou")

    def refer_some(n):
        for _ in range(n):
            case = _case(rt, demo)
            r = client.post(
                f"/api/v1/cases/{case.id}/referrals",
                headers=client.login(SUP),
                json={**BODY, "data": VIOLATION},
            )
            assert r.status_code == 201, r.get_data(as_text=True)

    refer_some(1)
    client.get("/api/v1/referrals", headers=h)
    _, few = _call(client, rt, "GET", "/api/v1/referrals?per_page=100", h)
    _, pack_few = _call(client, rt, "GET", "/api/v1/reports/joint-meeting", h)
    refer_some(8)
    r, many = _call(client, rt, "GET", "/api/v1/referrals?per_page=100", h)
    _, pack_many = _call(client, rt, "GET", "/api/v1/reports/joint-meeting", h)
    assert r.get_json()["total"] == 9
    assert len(many) == len(few) and len(many) <= 5, many  # token+user, roles, count, page
    assert len(pack_many) == len(pack_few) and len(pack_many) <= 5, pack_many
