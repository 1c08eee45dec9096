"""移送与反馈 over real HTTP (gunicorn, both databases): a wage-arrears case referred to labour
inspection, the agency's receipt and 立案, the 60-working-day clock from 立案, the overdue sweep
run as ``casework sweep --now`` in the future (督办 to the referring unit's supervisors, an event,
an agenda line), an inbound procuratorate clue opening a case, and the joint-meeting pack in
JSON, CSV and DOCX listing both."""

from __future__ import annotations

import datetime as dt
import io

from docx import Document as Docx

from casework.core.time import local_date
from tests.helpers import run_cli

SUP = "supervisor.tianhe"
EMPLOYER = {"name": "广州市某建筑劳务有限公司", "credit_code": "91440106MA5BD00024"}


def _ok(r, status=200):
    assert r.status_code == status, r.text
    return r.json()


def test_referral_to_inspection_chased_after_60_working_days_and_the_pack(live_api, db_url):
    api = live_api
    today = local_date()
    case = _ok(
        api.post(
            SUP,
            "/cases",
            json={
                "workflow": "wage_arrears",
                "employer": EMPLOYER,
                "worker_count": 12,
                "amount_claimed": "50000",
                "summary": "拖欠12名农民工工资",
            },
        ),
        201,
    )
    assert case["org_unit"]["code"] == "TH"  # a collective dispute starts one level up
    cid = case["id"]
    for trigger, data in (("verify", {"months_in_arrears": 3}), ("start_negotiation", {})):
        _ok(api.post(SUP, f"/cases/{cid}/transitions", json={"trigger": trigger, "data": data}))
    referral = _ok(
        api.post(
            SUP,
            f"/cases/{cid}/referrals",
            json={
                "agency_kind": "labour_inspection",
                "agency_name": "天河区劳动保障监察大队",
                "basis": "工会法 第二十三条；保障农民工工资支付条例 第五十一条",
                "matter": "用人单位拒不支付拖欠工资，提请劳动保障监察处理",
                "data": {"violation_date": (today - dt.timedelta(days=60)).isoformat()},
            },
        ),
        201,
    )
    assert referral["case"]["state"] == "inspection_referred"
    base = f"/cases/{cid}/referrals/{referral['id']}"
    got = _ok(
        api.post(
            SUP,
            base + "/receipt",
            json={"received_on": today.isoformat(), "agency_ref": "天人社监〔2026〕9号"},
        )
    )
    assert got["agency_ref"] == "天人社监〔2026〕9号" and got["clock"]["stage"] == "acceptance"
    filed = _ok(api.post(SUP, base + "/filing", json={"filed_on": today.isoformat()}))
    assert filed["case"]["state"] == "inspection"
    clock = filed["clock"]
    assert clock["stage"] == "investigation" and "第十七条" in clock["citation"]
    detail = _ok(api.get(SUP, f"/cases/{cid}"))
    [inspection] = [d for d in detail["deadlines"] if d["rule"] == "inspection_completion"]
    assert inspection["due"] == clock["due_on"]  # the case clock and the ledger agree

    due = dt.date.fromisoformat(clock["due_on"])
    before = run_cli(db_url, "sweep", "--now", f"{due.isoformat()}T20:00:00+08:00", "--json")
    assert before.returncode == 0, before.stderr
    after = dt.datetime.combine(due + dt.timedelta(days=1), dt.time(9)).isoformat() + "+08:00"
    for _ in range(2):  # twice: the second pass finds nothing more to chase
        out = run_cli(db_url, "sweep", "--now", after)
        assert out.returncode == 0, out.stderr
    notices = [
        n for n in _ok(api.get(SUP, "/notifications"))["items"] if n["kind"] == "referral_overdue"
    ]
    assert len(notices) == 1 and "督办" in notices[0]["title"]
    events = _ok(api.get(SUP, f"/cases/{cid}/events", params={"per_page": 100}))["items"]
    assert [e["kind"] for e in events].count("referral_overdue") == 1

    clue = _ok(
        api.post(
            SUP,
            "/cases",
            json={
                "workflow": "supervision",
                "employer": EMPLOYER,
                "worker_count": 12,
                "summary": "检察机关会商：欠薪且拒不配合",
                "channel": "referral",
                "referred_by": {
                    "agency_kind": "procuratorate",
                    "agency_name": "天河区人民检察院",
                    "reference": "穗天检〔2026〕会3号",
                },
            },
        ),
        201,
    )
    assert clue["channel"] == "referral"
    assert clue["referred_by"]["agency_name"] == "天河区人民检察院"

    params = {"year": today.year}
    pack = _ok(api.get(SUP, "/reports/joint-meeting", params=params))
    [line] = pack["agenda"]
    assert line["case_ref"] == case["ref"] and line["due_on"] == clock["due_on"]
    assert [i["case_ref"] for i in pack["inbound"]] == [clue["ref"]]
    csv = api.get(SUP, "/reports/joint-meeting", params={**params, "format": "csv"})
    text = csv.content.decode("utf-8-sig")
    assert case["ref"] in text and clue["ref"] in text and "联席会议议程" in text
    docx = api.get(SUP, "/reports/joint-meeting", params={**params, "format": "docx"})
    assert docx.status_code == 200
    doc = Docx(io.BytesIO(docx.content))
    cells = {c.text for t in doc.tables for row in t.rows for c in row.cells}
    assert {case["ref"], clue["ref"], "天河区劳动保障监察大队", "天河区人民检察院"} <= cells
    assert "联席会议" in doc.paragraphs[0].text
