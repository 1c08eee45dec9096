"""Schemas cannot drop fields silently: for every response schema of the API, the keys its query
returns equal the schema's fields, both ways (checked on every dump by ``tests/api/conftest.py``).
This walk touches every operation once so that every response schema is checked at least once."""

from __future__ import annotations

from casework.core.time import local_date
from tests.api.conftest import SEEN

CASE_BODY = {
    "workflow": "wage_arrears",
    "employer": {"name": "广州市某建筑劳务有限公司", "credit_code": "91440106MA5BD00024"},
    "workers": [{"name": "陈七", "id_number": "440106199001011235", "phone": "13812345678"}],
    "worker_count": 2,
    "amount_claimed": 12000,
    "summary": "拖欠两个月工资",
}


def _ok(r, status=200):
    assert r.status_code == status, r.text
    return r.json()


def _response_schemas(spec: dict) -> set[str]:
    names = set()
    for ops in spec["paths"].values():
        for op in ops.values():
            if not isinstance(op, dict):
                continue
            for code, resp in op.get("responses", {}).items():
                if not code.startswith("2"):
                    continue
                ref = resp.get("content", {}).get("application/json", {}).get("schema", {})
                if "$ref" in ref:
                    names.add(ref["$ref"].rsplit("/", 1)[-1])
    return names


def test_every_response_schema_returns_exactly_its_fields(api, demo):
    spec = api.http.get(api.url("/openapi.json")).json()
    SEEN.clear()
    sup, shipai = "supervisor.tianhe", "caseworker.shipai"
    _ok(
        api.http.post(
            api.url("/auth/token"), json={"username": "auditor", "password": "casework-demo"}
        ),
        201,
    )
    _ok(api.get(sup, "/me"))
    units = _ok(api.get(sup, "/org-units"))
    _ok(api.get(sup, f"/org-units/{units['items'][0]['id']}"))
    new_unit = _ok(
        api.post(
            "admin",
            "/org-units",
            json={
                "code": "TH-NEW",
                "name": "新工会",
                "level": "township",
                "parent_id": units["items"][0]["id"],
            },
        ),
        201,
    )
    _ok(api.call("admin", "PATCH", f"/org-units/{new_unit['id']}", json={"name": "更名工会"}))
    users = _ok(api.get(sup, "/users"))
    _ok(api.get(sup, f"/users/{users['items'][0]['id']}"))
    user = _ok(
        api.post(
            "admin",
            "/users",
            json={
                "username": "new.one",
                "display_name": "新人",
                "org_unit_id": new_unit["id"],
                "roles": ["caseworker"],
                "password": "long-enough",
            },
        ),
        201,
    )
    _ok(api.call("admin", "PATCH", f"/users/{user['id']}", json={"display_name": "新人二"}))
    emp = demo.employer("建筑")
    _ok(api.get(sup, f"/employers/{emp.id}"))
    acme = demo.unit("TH-SP-ACME").id
    moved = _ok(api.call(sup, "PATCH", f"/employers/{emp.id}", json={"org_unit_id": acme}))
    assert moved["moves"], "the move is listed"
    _ok(
        api.call(
            sup,
            "PATCH",
            f"/employers/{emp.id}",
            json={"org_unit_id": demo.unit("TH-SP").id, "reason": "移回街道工会"},
        )
    )
    _ok(api.get(sup, "/workflows"))
    _ok(api.get(sup, "/workflows/mediation"))

    case = _ok(api.post(sup, "/cases", json=CASE_BODY), 201)
    cid = case["id"]
    _ok(api.get(sup, "/cases"))
    _ok(api.get(sup, f"/cases/{cid}"))
    _ok(
        api.post(
            shipai,
            f"/cases/{cid}/transitions",
            json={"trigger": "verify", "data": {"months_in_arrears": 2}},
        )
    )
    me = _ok(api.get(shipai, "/me"))
    _ok(api.post(shipai, f"/cases/{cid}/assignment", json={"user_id": me["id"]}))
    _ok(api.post(shipai, f"/cases/{cid}/comments", json={"text": "已联系"}), 201)
    _ok(api.get(sup, f"/cases/{cid}/events"))
    worker = case["workers"][0]["id"]
    _ok(
        api.post(
            shipai,
            f"/cases/{cid}/pii-reveal",
            json={"person_id": worker, "field": "phone", "reason": "回访职工"},
        )
    )
    _ok(
        api.post(
            shipai,
            f"/cases/{cid}/escalations",
            json={"reason": "cannot_perform", "comment": "人手不足"},
        ),
        201,
    )

    sup_case = _ok(api.post(sup, "/cases", json={**CASE_BODY, "workflow": "supervision"}), 201)
    sid = sup_case["id"]
    _ok(
        api.post(
            sup,
            f"/cases/{sid}/transitions",
            json={"trigger": "start_investigation", "data": {"investigators": ["甲", "乙"]}},
        )
    )
    doc = _ok(
        api.post(
            sup,
            f"/cases/{sid}/documents",
            json={
                "kind": "opinion_letter",
                "addressee": "广州市某建筑劳务有限公司",
                "data": {
                    "served_on": local_date().isoformat(),
                    "service_method": "直接送达（签收）",
                },
            },
        ),
        201,
    )
    _ok(api.get(sup, f"/cases/{sid}/documents"))
    draft_case = _ok(api.post(sup, "/cases", json={**CASE_BODY, "workflow": "supervision"}), 201)
    did = draft_case["id"]
    _ok(
        api.post(
            sup,
            f"/cases/{did}/transitions",
            json={"trigger": "start_investigation", "data": {"investigators": ["甲", "乙"]}},
        )
    )
    draft = _ok(
        api.post(
            sup,
            f"/cases/{did}/documents/drafts",
            json={"kind": "tip_letter", "addressee": "广州市某建筑劳务有限公司"},
        ),
        201,
    )
    _ok(api.get(sup, f"/cases/{did}/documents/{draft['id']}"))
    _ok(api.call(sup, "PATCH", f"/cases/{did}/documents/{draft['id']}", json={"body": "正文"}))
    _ok(api.post(sup, f"/cases/{did}/documents/{draft['id']}/issue"))

    # the referral ledger: an outbound referral through every act, an inbound one, the lists
    today = local_date().isoformat()
    sent = {"basis": "工会法 第二十三条", "matter": "请督促用人单位整改"}
    ref = _ok(
        api.post(
            sup,
            f"/cases/{sid}/referrals",
            json={
                **sent,
                "agency_kind": "人民政府及其部门",
                "agency_name": "天河区人民政府",
                "document": doc["id"],
            },
        ),
        201,
    )
    base = f"/cases/{sid}/referrals/{ref['id']}"
    _ok(api.get(sup, f"/cases/{sid}/referrals"))
    _ok(api.get(sup, base))
    _ok(
        api.post(
            sup, base + "/receipt", json={"received_on": today, "agency_ref": "天府〔2026〕1号"}
        )
    )
    _ok(api.post(sup, base + "/filing", json={"filed_on": today}))
    _ok(
        api.post(
            sup,
            base + "/answer",
            json={"answered_on": today, "outcome": "handled", "answer": "已责令整改"},
        )
    )
    arb = _ok(
        api.post(
            sup,
            f"/cases/{sid}/referrals",
            json={**sent, "agency_kind": "arbitration", "agency_name": "天河区劳动人事争议仲裁委"},
        ),
        201,
    )
    _ok(api.post(sup, f"/cases/{sid}/referrals/{arb['id']}/filing", json={"filed_on": today}))
    extended = _ok(
        api.post(
            sup, f"/cases/{sid}/referrals/{arb['id']}/extension", json={"note": "主任批准延期"}
        )
    )
    assert extended["clock"]["extended_days"] == 15
    inbound = _ok(
        api.post(
            sup,
            "/cases",
            json={
                **CASE_BODY,
                "workflow": "supervision",
                "channel": "referral",
                "referred_by": {"agency_kind": "procuratorate", "agency_name": "天河区人民检察院"},
            },
        ),
        201,
    )
    assert inbound["referred_by"]["agency_name"] == "天河区人民检察院"
    _ok(api.get(sup, "/referrals"))
    pack = _ok(api.get(sup, "/reports/joint-meeting"))
    assert pack["answers"] and pack["inbound"]

    _ok(
        api.post(
            "hotline",
            "/intakes",
            json={
                "caller": {"name": "李四", "phone": "13912345678"},
                "employer": {
                    "name": "广州市某建筑劳务有限公司",
                    "credit_code": "91440106MA5BD00024",
                },
                "category": "wage_arrears",
                "description": "欠薪",
            },
        ),
        201,
    )
    mass = _ok(
        api.post(
            "hotline",
            "/intakes",
            json={
                "caller": {"name": "王五", "phone": "13712345678"},
                "employer": {"name": "广州市某餐饮管理有限公司"},
                "category": "wage_arrears",
                "description": "聚集讨薪",
                "mass_incident": True,
            },
        ),
        201,
    )
    _ok(
        api.post(
            "caseworker.nanhuaxi",
            f"/cases/{mass['case']['id']}/mass-incident-report",
            json={"reported_to": "中共南华西街道工作委员会"},
        )
    )
    _ok(api.get("hotline", "/callbacks"))
    _ok(api.get(sup, f"/cases/{cid}/related"))
    matters = _ok(api.get("hotline", "/callers?phone=13912345678"))
    assert matters["items"], "the caller just filed has open work"
    inbox = _ok(api.get("supervisor.guangzhou", "/escalations"))
    notices = _ok(api.get("supervisor.tianhe", "/notifications"))
    _ok(api.post("supervisor.tianhe", f"/notifications/{notices['items'][0]['id']}/ack"))
    assert inbox["items"], "the escalation above reached the city's inbox"
    _ok(api.get(sup, "/calendar/deadline?start=2026-03-02&days=15&unit=calendar"))
    _ok(
        api.call(
            "admin", "PUT", "/calendar/days/2027-03-17", json={"is_workday": False, "name": "临时"}
        )
    )
    _ok(api.get(sup, "/reports/summary?from=2026-01-01&to=2026-12-31"))
    _ok(api.get(sup, "/reports/hotline?from=2026-01-01&to=2026-12-31"))

    # The employer dossier and the early warnings, now that cases, documents and escalations
    # about the builder exist (the repeated wage arrears above raised warnings).
    dossier = _ok(api.get(sup, f"/employers/{emp.id}"))
    assert dossier["cases"] and dossier["warnings"], "the dossier lists the cases and warnings"
    _ok(api.get(sup, f"/employers/{emp.id}/record?years=3"))
    _ok(api.get(sup, "/employers?q=广州市"))
    board = _ok(api.get(sup, "/warnings?status=open"))
    wid = board["items"][0]["id"]
    _ok(api.get(sup, f"/warnings/{wid}"))
    _ok(
        api.post(
            sup, f"/warnings/{wid}/disposition", json={"action": "dismiss", "note": "经核实已处理"}
        )
    )
    _ok(api.get(sup, "/reports/warnings?from=2026-01-01&to=2027-12-31"))
    # The employer's profile and projects, an event reported about it, the rules as data.
    _ok(api.call("admin", "PATCH", f"/employers/{emp.id}", json={"industry": "E"}))
    _ok(
        api.post(
            "admin",
            f"/employers/{emp.id}/projects",
            json={"name": "某安置房工程", "role": "general_contractor"},
        ),
        201,
    )
    reported = _ok(
        api.post(
            shipai,
            f"/employers/{emp.id}/events",
            json={"kind": "union_officer_dismissed", "occurred_on": local_date().isoformat()},
        ),
        201,
    )
    assert reported["warnings"], "the dismissal raised its warning"
    assert _ok(api.get(sup, f"/employers/{emp.id}"))["projects"]
    _ok(api.get("admin", "/warning-rules"))
    _ok(api.call("admin", "PATCH", "/warning-rules/hotline_calls", json={"params": {"calls": 4}}))

    # An area-wide 提示函 to the builder, its reply, the list; the catalogue of kinds.
    letter = _ok(
        api.post(
            sup,
            "/tip-letters",
            json={
                "scope": "天河区建筑施工企业",
                "matter": "未按月足额支付工资",
                "employer_ids": [emp.id],
            },
        ),
        201,
    )
    _ok(
        api.post(
            sup,
            f"/tip-letters/{letter['id']}/replies",
            json={
                "employer_id": emp.id,
                "replied_on": local_date().isoformat(),
                "summary": "已整改",
            },
        )
    )
    _ok(api.get(sup, f"/tip-letters/{letter['id']}"))
    _ok(api.get(sup, "/tip-letters"))
    _ok(api.get(sup, "/document-kinds"))

    # apispec names a component after its schema class without the "Schema" suffix.
    seen = {name.removesuffix("Schema") for name in SEEN}
    missing = _response_schemas(spec) - seen
    assert not missing, f"response schemas no call above returned: {sorted(missing)}"
