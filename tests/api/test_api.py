"""The REST API's contract over HTTP against gunicorn (two workers): auth and throttling, problem
details, pagination, personal data, documents, intake variants, calendar, reports, workflows,
metrics across workers and JSON request logs."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

from sqlalchemy import update

from casework.models import ApiToken, Case
from tests.helpers import force_state, new_case, run_cli

BUILDER = {"name": "广州市某建筑劳务有限公司", "credit_code": "91440106MA5BD00024"}
CASE_BODY = {
    "workflow": "wage_arrears",
    "employer": BUILDER,
    "workers": [{"name": "陈七", "id_number": "440106199001011235", "phone": "13812345678"}],
    "worker_count": 2,
    "amount_claimed": 12000,
    "summary": "拖欠两个月工资",
    "channel": "walk_in",
}


def _problem(r, status):
    assert r.status_code == status, r.text
    assert r.headers["Content-Type"].startswith("application/problem+json")
    body = r.json()
    assert {"type", "title", "status", "detail"} <= set(body) and body["status"] == status
    return body


# -- auth ------------------------------------------------------------------------------------


def test_login_gives_a_token_that_expires_and_can_be_revoked(api, rt):
    r = api.http.post(
        api.url("/auth/token"),
        json={"username": "caseworker.shipai", "password": "casework-demo"},
        timeout=10,
    )
    assert r.status_code == 201
    body = r.json()
    assert body["token"] and body["user"]["username"] == "caseworker.shipai"
    assert body["user"]["org_unit"]["code"] == "TH-SP" and body["user"]["roles"] == ["caseworker"]
    expires = dt.datetime.fromisoformat(body["expires_at"].replace("Z", "+00:00"))
    assert dt.timedelta(hours=11) < expires - dt.datetime.now(dt.UTC) <= dt.timedelta(hours=12)
    auth = {"Authorization": f"Bearer {body['token']}"}
    assert (
        api.http.get(api.url("/me"), headers=auth, timeout=10).json()["username"]
        == "caseworker.shipai"
    )
    # Only the hash is stored.
    with rt.reader() as uow:
        stored = uow.session.query(ApiToken.token_hash).all()
    assert body["token"] not in {h for (h,) in stored}

    # Revoked: 401.
    assert api.http.delete(api.url("/auth/token"), headers=auth, timeout=10).status_code == 204
    _problem(api.http.get(api.url("/me"), headers=auth, timeout=10), 401)

    # Expired: 401.
    other = api.token("caseworker.shipai")
    with rt.engine.begin() as conn:
        conn.execute(
            update(ApiToken.__table__).values(
                expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
            )
        )
    p = _problem(
        api.http.get(api.url("/me"), headers={"Authorization": f"Bearer {other}"}, timeout=10), 401
    )
    assert "过期" in p["detail"]


def test_no_or_bad_token_is_401_with_a_challenge(api):
    for headers in (
        {},
        {"Authorization": "Bearer nope"},
        {"Authorization": "Basic abc"},
        {"Authorization": "Bearer "},
    ):
        r = api.http.get(api.url("/cases"), headers=headers, timeout=10)
        _problem(r, 401)
        assert r.headers["WWW-Authenticate"].startswith("Bearer")


def test_repeated_failed_logins_are_throttled(api):
    # An unknown user and a wrong password get the same answer.
    unknown = _problem(
        api.http.post(
            api.url("/auth/token"), json={"username": "nobody", "password": "x"}, timeout=10
        ),
        401,
    )
    wrong = {"username": "hotline", "password": "wrong"}
    assert (
        _problem(api.http.post(api.url("/auth/token"), json=wrong, timeout=10), 401)["detail"]
        == unknown["detail"]
    )
    # The throttle counts per account: four more typos make five for hotline (the failure for
    # "nobody" from the same client does not count against hotline).
    for _ in range(4):
        _problem(api.http.post(api.url("/auth/token"), json=wrong, timeout=10), 401)
    r = api.http.post(
        api.url("/auth/token"),
        json={"username": "hotline", "password": "casework-demo"},
        timeout=10,
    )
    body = _problem(r, 429)
    assert int(r.headers["Retry-After"]) > 0 and body["retry_after"] > 0


# -- problems, validation, pagination --------------------------------------------------------


def test_validation_errors_name_each_field_and_never_echo_personal_data(api):
    bad = {
        **CASE_BODY,
        "workers": [{"name": "陈七", "id_number": "440106199001011234"}],
        "worker_count": 0,
        "extra": 1,
    }
    body = _problem(api.post("supervisor.tianhe", "/cases", json=bad), 422)
    assert set(body["errors"]) >= {"worker_count", "extra"}
    r = api.post(
        "supervisor.tianhe",
        "/cases",
        json={**CASE_BODY, "workers": [{"name": "陈七", "id_number": "440106199001011234"}]},
    )
    body = _problem(r, 422)
    assert list(body["errors"]) == ["workers.0.id_number"]
    assert "440106199001011234" not in r.text
    r = api.call(
        "supervisor.tianhe",
        "POST",
        "/cases",
        data="{not json",
        headers={"Content-Type": "application/json"},
    )
    _problem(r, 400)
    _problem(api.get("supervisor.tianhe", "/cases?overdu=true"), 422)


def test_pagination_envelope_and_limit(api, rt, demo):
    for _ in range(5):
        new_case(rt, demo, "mediation", unit="TH-SP")
    r = api.get("supervisor.tianhe", "/cases?per_page=2&page=2")
    body = r.json()
    assert (body["page"], body["per_page"], body["total"], len(body["items"])) == (2, 2, 5, 2)
    _problem(api.get("supervisor.tianhe", "/cases?per_page=101"), 422)
    assert api.get("supervisor.tianhe", "/cases?per_page=100").json()["per_page"] == 100


def test_transition_errors_409_and_422_say_why(api, rt, demo):
    case = new_case(rt, demo, "supervision", unit="TH")
    body = _problem(
        api.post(
            "supervisor.tianhe", f"/cases/{case.id}/transitions", json={"trigger": "record_refusal"}
        ),
        409,
    )
    assert "start_investigation" in body["allowed_triggers"]
    body = _problem(
        api.post(
            "supervisor.tianhe",
            f"/cases/{case.id}/transitions",
            json={"trigger": "start_investigation", "data": {"investigators": ["甲"]}},
        ),
        422,
    )
    assert body["guard"] == "two_investigators" and "两名" in body["reason"]


# -- cases -----------------------------------------------------------------------------------


def test_open_case_is_routed_by_the_engine_with_location_and_etag(api):
    r = api.post("supervisor.guangzhou", "/cases", json=CASE_BODY)
    assert r.status_code == 201, r.text
    case = r.json()
    assert case["org_unit"]["code"] == "TH-SP"  # the builder's township union, not the city
    assert r.headers["Location"].endswith(f"/api/v1/cases/{case['id']}")
    assert r.headers["ETag"] == f'"{case["version"]}"'
    assert case["amount_claimed"] == "12000.00"
    assert case["workers"][0]["id_number"] == "440106********1235"
    assert case["workers"][0]["phone"] == "138****5678"
    assert {"rule", "due", "unit", "citation", "calendar_verified", "paused"} <= set(
        case["deadlines"][0]
    )
    assert all({"trigger", "label_zh"} <= set(t) for t in case["allowed_triggers"])
    minimal = {k: v for k, v in CASE_BODY.items() if k in ("workflow", "employer")}
    r2 = api.post("supervisor.guangzhou", "/cases", json=minimal)
    assert (
        r2.status_code == 201
        and r2.json()["amount_claimed"] is None
        and r2.json()["worker_count"] == 1
    )
    # A caseworker of another district cannot open a case for this employer (it would vanish
    # from their sight at once); a unit below the competent one can, and keeps sight of it.
    _problem(api.post("caseworker.nanhuaxi", "/cases", json=CASE_BODY), 403)
    r3 = api.post("caseworker.acme", "/cases", json=CASE_BODY)
    assert r3.status_code == 201 and r3.json()["org_unit"]["code"] == "TH-SP"
    assert r3.json()["origin_org_unit"]["code"] == "TH-SP-ACME"
    assert api.get("caseworker.acme", f"/cases/{r3.json()['id']}").status_code == 200
    assert (
        api.http.get(
            api.base + r.headers["Location"],
            headers=api.as_("supervisor.guangzhou").headers,
            timeout=10,
        ).json()["id"]
        == case["id"]
    )


def test_list_filters(api, rt, demo):
    a = new_case(rt, demo, "wage_arrears", unit="TH-SP", actor="caseworker.shipai")
    b = new_case(rt, demo, "mediation", unit="TH-SP", actor="caseworker.shipai")
    c = new_case(rt, demo, "supervision", unit="TH", actor="supervisor.tianhe")
    force_state(rt, b.id, "mediating")
    api.post(
        "supervisor.tianhe",
        f"/cases/{a.id}/assignment",
        json={"user_id": demo.actor("caseworker.shipai").user_id},
    )

    def ids(q, user="supervisor.tianhe"):
        return {i["id"] for i in api.get(user, "/cases" + q).json()["items"]}

    assert ids("") == {a.id, b.id, c.id}
    assert ids("?workflow=mediation") == {b.id}
    assert ids("?state=mediating") == {b.id}
    assert ids(f"?org_unit_id={demo.unit('TH').id}") == {c.id}
    assert ids("?assignee=me", "caseworker.shipai") == {a.id}
    assert ids(f"?q={a.ref}") == {a.id}
    assert ids("?q=建筑劳务") == {a.id, b.id, c.id}
    assert ids("?q=没有这个") == set()
    assert ids("?overdue=true") == set()
    with rt.engine.begin() as conn:
        conn.execute(
            update(Case.__table__)
            .where(Case.__table__.c.id == c.id)
            .values(next_due_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=1))
        )
    assert ids("?overdue=true") == {c.id}
    assert c.id not in ids("?overdue=false")
    assert ids("", "caseworker.nanhuaxi") == set()


def test_comment_escalate_and_events_with_hashes(api, rt, demo):
    case = new_case(rt, demo, "wage_arrears", unit="TH-SP", actor="caseworker.shipai")
    r = api.post(
        "caseworker.shipai", f"/cases/{case.id}/comments", json={"text": "已电话联系用人单位"}
    )
    assert r.status_code == 201 and r.json()["kind"] == "comment"
    r = api.post(
        "caseworker.shipai",
        f"/cases/{case.id}/escalations",
        json={"reason": "cannot_perform", "comment": "本级无执法手段"},
    )
    assert r.status_code == 201, r.text
    assert r.json()["to_unit"]["code"] == "TH" and r.json()["reason_zh"]
    events = api.get("caseworker.shipai", f"/cases/{case.id}/events").json()["items"]
    assert [e["seq"] for e in events] == sorted(e["seq"] for e in events)
    kinds = [e["kind"] for e in events]
    assert kinds[0] == "created" and "comment" in kinds and "escalated" in kinds
    for prev, ev in zip(events, events[1:], strict=False):
        assert ev["prev_hash"] == prev["hash"]
    inbox = api.get("supervisor.tianhe", "/escalations").json()
    assert inbox["items"][0]["case"]["id"] == case.id and inbox["items"][0]["open"] is True


def test_pii_reveal_is_permitted_recorded_and_masked_elsewhere(api, rt, demo):
    case = api.post("caseworker.shipai", "/cases", json=CASE_BODY).json()
    person = case["workers"][0]["id"]
    r = api.post(
        "caseworker.shipai",
        f"/cases/{case['id']}/pii-reveal",
        json={"field": "id_number", "person_id": person, "reason": "出具法律援助材料"},
    )
    assert r.status_code == 200 and r.json()["value"] == "440106199001011235"
    assert r.headers["Cache-Control"] == "no-store"
    events = api.get("caseworker.shipai", f"/cases/{case['id']}/events").json()["items"]
    reveal = [e for e in events if e["kind"] == "pii_revealed"][0]
    assert reveal["actor"] == "caseworker.shipai" and reveal["data"]["reason"] == "出具法律援助材料"
    assert "440106199001011235" not in json.dumps(events)
    _problem(
        api.post(
            "auditor",
            f"/cases/{case['id']}/pii-reveal",
            json={"field": "phone", "person_id": person, "reason": "审计抽查"},
        ),
        403,
    )
    _problem(
        api.post(
            "caseworker.nanhuaxi",
            f"/cases/{case['id']}/pii-reveal",
            json={"field": "phone", "person_id": person, "reason": "想看看"},
        ),
        404,
    )
    _problem(
        api.post(
            "caseworker.shipai",
            f"/cases/{case['id']}/pii-reveal",
            json={"field": "phone", "person_id": person + 999, "reason": "核对"},
        ),
        404,
    )


def test_documents_are_numbered_cited_and_level_checked(api, rt, demo):
    case = new_case(rt, demo, "supervision", unit="TH-SP", actor="caseworker.shipai")
    force_state(rt, case.id, "investigating")
    r = api.post(
        "caseworker.shipai",
        f"/cases/{case.id}/documents",
        json={"kind": "tip_letter", "addressee": "广州市某建筑劳务有限公司"},
    )
    assert r.status_code == 201, r.text
    doc = r.json()
    assert doc["number"] and doc["citation"] and doc["issuer"]["code"] == "TH-SP"
    assert api.get("caseworker.shipai", f"/cases/{case.id}").json()["state"] == "tip_letter_issued"
    other = new_case(rt, demo, "supervision", unit="TH-SP", actor="caseworker.shipai")
    force_state(rt, other.id, "investigating")
    doc2 = api.post(
        "caseworker.shipai",
        f"/cases/{other.id}/documents",
        json={"kind": "tip_letter", "addressee": "某公司"},
    ).json()
    assert doc2["number"] != doc["number"]
    force_state(rt, other.id, "opinion_refused")
    # A 建议书 is signed by a chair (supervisor), and only of a county federation or above.
    body = _problem(
        api.post(
            "caseworker.shipai",
            f"/cases/{other.id}/documents",
            json={"kind": "suggestion_letter", "addressee": "天河区人社局"},
        ),
        403,
    )
    assert "supervisor" in body["detail"]
    body = _problem(
        api.post(
            "supervisor.tianhe",
            f"/cases/{other.id}/documents",
            json={"kind": "suggestion_letter", "addressee": "天河区人社局"},
        ),
        422,
    )
    assert "县级以上" in body["detail"]
    listed = api.get("caseworker.shipai", f"/cases/{case.id}/documents").json()
    assert listed["total"] == 1 and listed["items"][0]["number"] == doc["number"]


# -- intake variants -------------------------------------------------------------------------


def test_consultation_is_answered_without_a_case(api):
    r = api.post(
        "hotline",
        "/intakes",
        json={
            "caller": {"name": "周八", "phone": "13500135000"},
            "employer": BUILDER,
            "category": "consultation",
            "complexity": "normal",
            "worker_count": 1,
            "description": "咨询加班费计算",
            "answer": "已告知加班费按工资的150%、200%、300%计算。",
        },
    )
    assert r.status_code == 201, r.text
    assert r.json()["case"] is None and r.json()["merged_into"] is None
    # Answered on the call; 10% are kept for a call-back, the rest close at once.
    assert r.json()["work_order"]["state"] in ("answered", "closed")


def test_unknown_employer_without_unit_waits_for_manual_dispatch(api):
    r = api.post(
        "hotline",
        "/intakes",
        json={
            "caller": {"name": "吴九", "phone": "13600136001"},
            "employer": {"name": "某未登记小作坊"},
            "category": "wage_arrears",
            "complexity": "difficult",
            "worker_count": 3,
            "description": "老板失联",
        },
    )
    assert r.status_code == 201, r.text
    body = r.json()
    assert (
        body["case"] is None
        and body["routed_to"]["code"] == "GZ"
        and body["routed_to"]["manual_dispatch"] is True
    )
    assert body["work_order"]["manual_dispatch"] is True
    # With the union named, a new employer is created there and the case routed down.
    r = api.post(
        "hotline",
        "/intakes",
        json={
            "caller": {"name": "郑十", "phone": "13600136002"},
            "employer": {"name": "海珠某制衣厂", "org_unit_code": "HZ-NHX"},
            "category": "dispute",
            "complexity": "normal",
            "worker_count": 1,
            "description": "解除劳动合同争议",
        },
    )
    assert r.status_code == 201, r.text
    assert r.json()["case"]["workflow"] == "mediation" and r.json()["routed_to"]["code"] == "HZ-NHX"


def test_only_operators_file_intakes(api):
    body = {
        "caller": {"name": "周八", "phone": "13500135000"},
        "employer": BUILDER,
        "category": "consultation",
        "complexity": "normal",
        "worker_count": 1,
        "description": "咨询",
    }
    _problem(api.post("caseworker.shipai", "/intakes", json=body), 403)


# -- org units, workflows, calendar, reports -------------------------------------------------


def test_org_units_subtree_and_admin_changes(api, demo):
    codes = [u["code"] for u in api.get("supervisor.tianhe", "/org-units").json()["items"]]
    assert codes == ["TH", "TH-SP", "TH-SP-ACME"]
    _problem(api.get("supervisor.tianhe", f"/org-units/{demo.unit('HZ').id}"), 404)
    r = api.post(
        "admin",
        "/org-units",
        json={
            "code": "TH-SP-NEW",
            "name": "某新建企业工会",
            "level": "grassroots",
            "parent_id": demo.unit("TH-SP").id,
        },
    )
    assert r.status_code == 201, r.text
    r = api.call(
        "admin", "PATCH", f"/org-units/{r.json()['id']}", json={"name": "某新建企业联合工会"}
    )
    assert r.status_code == 200 and r.json()["name"] == "某新建企业联合工会"
    _problem(
        api.post(
            "supervisor.tianhe",
            "/org-units",
            json={
                "code": "X1",
                "name": "x",
                "level": "grassroots",
                "parent_id": demo.unit("TH").id,
            },
        ),
        403,
    )
    _problem(
        api.post(
            "admin",
            "/org-units",
            json={
                "code": "TH",
                "name": "重复",
                "level": "grassroots",
                "parent_id": demo.unit("TH-SP").id,
            },
        ),
        409,
    )


def test_workflows_match_the_cli_and_diagrams_are_mermaid(api, db_url):
    cli = json.loads(run_cli(db_url, "workflows", "--json").stdout)
    cli_by_name = {
        w["name"]: w for w in (cli if isinstance(cli, list) else cli.get("workflows", cli))
    }
    listed = api.get("auditor", "/workflows").json()
    assert {w["name"] for w in listed["items"]} == set(cli_by_name)
    assert api.get("auditor", "/workflows/legal_aid").json() == cli_by_name["legal_aid"]
    r = api.get("auditor", "/workflows/mediation/diagram")
    assert r.headers["Content-Type"].startswith("text/plain") and r.text.startswith("stateDiagram")
    _problem(api.get("auditor", "/workflows/nope"), 404)


def test_calendar_deadline_and_admin_day(api):
    r = api.get("caseworker.shipai", "/calendar/deadline?start=2026-09-28&days=5&unit=working")
    assert r.json() == {
        "due": "2026-10-10",
        "calendar_verified": True,
    }  # over the National Day week
    _problem(
        api.call(
            "caseworker.shipai", "PUT", "/calendar/days/2026-10-09", json={"is_workday": False}
        ),
        403,
    )
    r = api.call(
        "admin", "PUT", "/calendar/days/2026-10-09", json={"is_workday": False, "name": "临时调整"}
    )
    assert r.status_code == 200 and r.json()["source"] == "admin"
    assert (
        api.get(
            "caseworker.shipai", "/calendar/deadline?start=2026-09-28&days=5&unit=working"
        ).json()["due"]
        == "2026-10-12"
    )
    _problem(api.get("caseworker.shipai", "/calendar/deadline?start=2026-13-01&days=5"), 422)


def test_report_json_and_csv_with_bom(api, rt, demo):
    new_case(rt, demo, "wage_arrears", unit="TH-SP", actor="caseworker.shipai")
    report = api.get("supervisor.tianhe", "/reports/summary").json()
    units = {u["org_unit"]["code"]: u for u in report["units"]}
    assert set(units) == {"TH", "TH-SP", "TH-SP-ACME"} and units["TH-SP"]["totals"]["open"] == 1
    r = api.get("supervisor.tianhe", "/reports/summary?format=csv")
    assert r.headers["Content-Type"].startswith("text/csv")
    assert r.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows[0][0] == "单位代码" and any(row[0] == "TH-SP" for row in rows[1:])
    _problem(
        api.get("caseworker.shipai", f"/reports/summary?org_unit_id={demo.unit('GZ').id}"), 404
    )


# -- observability ---------------------------------------------------------------------------


def test_admin_manages_users_and_deactivation_revokes_tokens(api, demo):
    r = api.post(
        "admin",
        "/users",
        json={
            "username": "caseworker.new",
            "display_name": "新办案员",
            "org_unit_id": demo.unit("TH-SP").id,
            "roles": ["caseworker"],
            "password": "a-long-password",
        },
    )
    assert r.status_code == 201, r.text
    new = r.json()
    assert (
        new["org_unit"]["code"] == "TH-SP"
        and new["roles"] == ["caseworker"]
        and "password" not in new
    )
    token = api.token("caseworker.new", "a-long-password")
    headers = {"Authorization": f"Bearer {token}"}
    assert api.http.get(api.url("/me"), headers=headers, timeout=10).status_code == 200
    # The township sees its new colleague (to assign cases); the other district does not.
    assert "caseworker.new" in [
        u["username"] for u in api.get("caseworker.shipai", "/users").json()["items"]
    ]
    _problem(api.get("caseworker.nanhuaxi", f"/users/{new['id']}"), 404)
    r = api.call(
        "admin", "PATCH", f"/users/{new['id']}", json={"roles": ["caseworker", "supervisor"]}
    )
    assert r.status_code == 200 and r.json()["roles"] == ["caseworker", "supervisor"]
    assert api.http.get(api.url("/me"), headers=headers, timeout=10).json()["roles"] == [
        "caseworker",
        "supervisor",
    ]
    r = api.call("admin", "PATCH", f"/users/{new['id']}", json={"is_active": False})
    assert r.status_code == 200 and r.json()["is_active"] is False
    _problem(api.http.get(api.url("/me"), headers=headers, timeout=10), 401)
    _problem(
        api.http.post(
            api.url("/auth/token"),
            json={"username": "caseworker.new", "password": "a-long-password"},
            timeout=10,
        ),
        401,
    )
    _problem(
        api.post(
            "admin",
            "/users",
            json={
                "username": "caseworker.new",
                "display_name": "重名",
                "org_unit_id": demo.unit("TH-SP").id,
                "roles": ["caseworker"],
                "password": "a-long-password",
            },
        ),
        409,
    )
    _problem(
        api.call("supervisor.tianhe", "PATCH", f"/users/{new['id']}", json={"is_active": True}), 403
    )


def test_a_mediation_case_opened_over_http_counts_from_the_receipt_date_it_gives(api):
    today = dt.date.today()
    body = {**CASE_BODY, "workflow": "mediation"}
    future = (today + dt.timedelta(days=2)).isoformat()
    bad = _problem(
        api.post(
            "supervisor.tianhe", "/cases", json={**body, "attributes": {"received_on": future}}
        ),
        422,
    )
    assert "attributes.received_on" in bad["errors"]
    earlier = (today - dt.timedelta(days=2)).isoformat()
    r = api.post(
        "supervisor.tianhe", "/cases", json={**body, "attributes": {"received_on": earlier}}
    )
    assert r.status_code == 201, r.text
    case = r.json()
    assert case["state"] == "applied" and case["attributes"]["received_on"] == earlier
    fired = api.post(
        "supervisor.tianhe",
        f"/cases/{case['id']}/transitions",
        json={"trigger": "accept"},
        headers={"If-Match": f'"{case["version"]}"'},
    )
    assert fired.status_code == 200, fired.text


def test_malformed_limitation_facts_given_at_opening_are_not_a_server_error(api):
    body = {**CASE_BODY, "workflow": "mediation"}
    for attributes in (
        {"limitation_starts_on": "去年三月", "limitation_date": "明年"},
        {"wages_in_employment": True, "employment_ended_on": 20240101},
        {"limitation_date": "9999-12-31"},
    ):
        r = api.post("supervisor.tianhe", "/cases", json={**body, "attributes": attributes})
        assert r.status_code in (201, 422), r.text
