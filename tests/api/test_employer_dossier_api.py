"""The employer dossier over HTTP, completed: referrals in it (in scope, and counted when not),
the employer's profile and construction projects kept by an administrator, a union officer's
dismissal reported as an event that raises its warning at once, the warning rules read and
changed as data, and a 提示函 issued through the ordinary documents endpoint disposing of the
employer's open warnings — on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from api.app import create_app
from casework.cases.service import fire
from casework.core.time import local_date
from casework.history import verify_employers
from casework.intake.service import CallerInput, EmployerInput, file_intake
from casework.models import EmployerEvent, EmployerWarning, WarningRuleChange
from casework.referrals import service as referral_service
from tests.api.test_sql_counts import _call
from tests.helpers import good_data, new_case

PASSWORD = "casework-demo"
BUILDER = ("广州市某建筑劳务有限公司", "91440106MA5BD00024")


@pytest.fixture
def client(rt, demo):
    app = create_app(runtime=rt)
    c = app.test_client()

    def login(username):
        r = c.post("/api/v1/auth/token", json={"username": username, "password": PASSWORD})
        assert r.status_code == 201
        return {"Authorization": f"Bearer {r.get_json()['token']}"}

    c.login = login
    return c


def calls(rt, demo, n: int, start: int = 0) -> None:
    for i in range(start, start + n):
        file_intake(
            rt.uow(),
            actor=demo.actor("hotline"),
            caller=CallerInput(name=f"职工{i}", phone=f"1390000{i:04d}"),
            employer=EmployerInput(name=BUILDER[0], credit_code=BUILDER[1]),
            category="consultation",
            answer="已告知。",
        )


def referred_case(rt, demo, unit: str, actor: str) -> int:
    """A wage-arrears case about the builder at ``unit``, negotiated and referred to labour
    inspection; returns its id."""
    case = new_case(rt, demo, "wage_arrears", unit=unit, actor=actor, worker_count=2)
    who = demo.actor(actor)
    fire(rt.uow(), case_id=case.id, trigger="verify", actor=who, data={"months_in_arrears": 3})
    fire(rt.uow(), case_id=case.id, trigger="start_negotiation", actor=who, data={})
    referral_service.refer(
        rt.uow(),
        case_id=case.id,
        actor=who,
        agency_kind="labour_inspection",
        agency_name="劳动保障监察大队",
        basis="工会法 第二十三条",
        matter="用人单位拒不支付劳动报酬",
        data=good_data("wage_arrears", "refer_to_inspection"),
    )
    return case.id


def test_the_dossier_lists_referrals_in_scope_and_counts_the_rest(client, rt, demo):
    emp = demo.employer("建筑")
    mine = referred_case(rt, demo, "TH-SP", "caseworker.shipai")
    referred_case(rt, demo, "HZ-NHX", "caseworker.nanhuaxi")
    shipai = client.get(
        f"/api/v1/employers/{emp.id}", headers=client.login("caseworker.shipai")
    ).get_json()
    [ref] = shipai["referrals"]
    assert (ref["case_id"], ref["agency_kind_label_zh"], ref["status_label_zh"]) == (
        mine,
        "人社劳动保障监察",
        "待反馈",
    )
    assert shipai["counts"]["referrals"] == 2
    assert shipai["outside_scope"]["referrals"] == 1
    assert {r["case_id"] for r in shipai["referrals"]} == {mine}
    city = client.get(
        f"/api/v1/employers/{emp.id}", headers=client.login("supervisor.guangzhou")
    ).get_json()
    assert len(city["referrals"]) == 2 and city["outside_scope"]["referrals"] == 0


def test_the_dossier_stays_a_fixed_number_of_statements_with_referrals_and_projects(
    client, rt, demo
):
    emp = demo.employer("建筑")
    admin = client.login("admin")
    h = client.login("supervisor.guangzhou")
    calls(rt, demo, 3)
    referred_case(rt, demo, "TH-SP", "caseworker.shipai")
    r = client.post(
        f"/api/v1/employers/{emp.id}/projects",
        headers=admin,
        json={"name": "某安置房工程", "role": "general_contractor"},
    )
    assert r.status_code == 201, r.get_json()
    path = f"/api/v1/employers/{emp.id}"
    client.get(path, headers=h)  # warm: the calendar snapshot is cached
    few = len(_call(client, rt, "GET", path, h)[1])
    for _ in range(4):
        referred_case(rt, demo, "TH-SP", "caseworker.shipai")
    project_id = r.get_json()["projects"][0]["id"]
    for key, role in (("科技", "builder"), ("餐饮", "subcontractor")):
        other = demo.employer(key).id
        assert (
            client.post(
                f"/api/v1/employers/{other}/projects",
                headers=admin,
                json={"project_id": project_id, "role": role},
            ).status_code
            == 201
        )
    client.post(
        f"/api/v1/employers/{emp.id}/projects",
        headers=admin,
        json={"name": "某学校工程", "role": "subcontractor"},
    )
    many = len(_call(client, rt, "GET", path, h)[1])
    assert many == few, (few, many)
    body = client.get(path, headers=h).get_json()
    assert len(body["referrals"]) == 5 and len(body["projects"]) == 2
    # the token (with user and roles), employer, moves, cases, documents, referrals,
    # escalations, warnings, projects, and every count in one statement
    assert few <= 10, few


def test_an_admin_keeps_the_employers_profile_and_projects(client, rt, demo):
    emp = demo.employer("建筑")
    admin = client.login("admin")
    r = client.patch(
        f"/api/v1/employers/{emp.id}",
        headers=admin,
        json={"industry": "E", "staff_count": 320, "has_union": True, "union_members": 150},
    )
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert (body["industry_label_zh"], body["staff_count"], body["union_members"]) == (
        "建筑业",
        320,
        150,
    )
    assert body["union_status_zh"] == "已建会" and body["has_union"] is True
    # The change is in the employer's own chained history.
    with rt.reader() as uow:
        kinds = list(
            uow.session.scalars(
                select(EmployerEvent.kind).where(EmployerEvent.employer_id == emp.id)
            )
        )
        assert kinds == ["profile_changed"]
        assert verify_employers(uow)[1] == []

    # Refused: a supervisor changes no profile; nonsense is a 422 naming the field in Chinese.
    sup = client.login("supervisor.tianhe")
    assert (
        client.patch(
            f"/api/v1/employers/{emp.id}", headers=sup, json={"staff_count": 10}
        ).status_code
        == 403
    )
    bad = client.patch(f"/api/v1/employers/{emp.id}", headers=admin, json={"union_members": 400})
    assert bad.status_code == 422 and "会员人数不能多于职工人数" in bad.get_json()["detail"]
    assert (
        client.patch(f"/api/v1/employers/{emp.id}", headers=admin, json={"industry": "Z"})
    ).status_code == 422
    assert client.patch(f"/api/v1/employers/{emp.id}", headers=admin, json={}).status_code == 422
    # A profile change and a move in one request are one transaction: a refused move keeps the
    # profile as it was.
    both = client.patch(
        f"/api/v1/employers/{emp.id}",
        headers=admin,
        json={"staff_count": 999, "org_unit_id": 2147483647},
    )
    assert both.status_code == 422
    again = client.get(f"/api/v1/employers/{emp.id}", headers=admin).get_json()
    assert again["staff_count"] == 320

    # A project: the builder as 总承包, the tech company as 建设单位, the caterer as 分包 under it.
    made = client.post(
        f"/api/v1/employers/{emp.id}/projects",
        headers=admin,
        json={"name": "某安置房工程", "location": "天河区", "role": "general_contractor"},
    ).get_json()
    project_id = made["projects"][0]["id"]
    tech, caterer = demo.employer("科技").id, demo.employer("餐饮").id
    client.post(
        f"/api/v1/employers/{tech}/projects",
        headers=admin,
        json={"project_id": project_id, "role": "builder"},
    )
    sub = client.post(
        f"/api/v1/employers/{caterer}/projects",
        headers=admin,
        json={"project_id": project_id, "role": "subcontractor", "contractor_id": emp.id},
    )
    assert sub.status_code == 201, sub.get_json()
    dossier = client.get(f"/api/v1/employers/{emp.id}", headers=admin).get_json()
    [project] = dossier["projects"]
    assert project["roles_zh"] == "总承包单位"
    parties = {(p["employer"]["name"], p["role_label_zh"]) for p in project["parties"]}
    assert parties == {
        (BUILDER[0], "总承包单位"),
        ("广州市某科技有限公司", "建设单位"),
        ("广州市某餐饮管理有限公司", "分包单位"),
    }
    [under] = [p for p in project["parties"] if p["role"] == "subcontractor"]
    assert under["contractor"] == {"id": emp.id, "name": BUILDER[0]}
    again = client.post(
        f"/api/v1/employers/{tech}/projects",
        headers=admin,
        json={"project_id": project_id, "role": "builder"},
    )
    assert again.status_code == 409
    neither = client.post(
        f"/api/v1/employers/{tech}/projects", headers=admin, json={"role": "builder"}
    )
    assert neither.status_code == 422


def test_a_union_officers_dismissal_reported_raises_its_warning_at_once(client, rt, demo):
    emp = demo.employer("建筑")
    h = client.login("caseworker.shipai")
    today = local_date().isoformat()
    r = client.post(
        f"/api/v1/employers/{emp.id}/events",
        headers=h,
        json={
            "kind": "union_officer_dismissed",
            "occurred_on": today,
            "note": "工会主席被解除合同",
        },
    )
    assert r.status_code == 201, r.get_json()
    [w] = r.get_json()["warnings"]
    assert (w["rule"], w["level_label_zh"], w["org_unit"]["code"]) == (
        "union_officer_dismissed",
        "橙色预警",
        "TH-SP",
    )
    assert w["evidence"]["occurred_on"] == today
    # A second dismissal is a second event and a second warning; the same event never twice.
    second = client.post(
        f"/api/v1/employers/{emp.id}/events",
        headers=h,
        json={"kind": "union_officer_dismissed", "occurred_on": today},
    ).get_json()
    assert len(second["warnings"]) == 1 and second["event_seq"] > r.get_json()["event_seq"]
    # Refused: personal data in the note, a date to come, an unknown kind, the auditor, an
    # employer outside the reporter's part of the tree.
    for body, status in (
        ({"kind": "union_officer_dismissed", "occurred_on": today, "note": "电话13800138000"}, 422),
        ({"kind": "union_officer_dismissed", "occurred_on": "2999-01-01"}, 422),
        ({"kind": "strike", "occurred_on": today}, 422),
    ):
        assert (
            client.post(f"/api/v1/employers/{emp.id}/events", headers=h, json=body).status_code
            == status
        ), body
    ok = {"kind": "union_officer_dismissed", "occurred_on": today}
    auditor = client.login("auditor")
    assert (
        client.post(f"/api/v1/employers/{emp.id}/events", headers=auditor, json=ok).status_code
        == 403
    )
    caterer = demo.employer("餐饮").id
    assert client.post(f"/api/v1/employers/{caterer}/events", headers=h, json=ok).status_code == 404
    with rt.reader() as uow:
        assert (
            uow.session.scalar(
                select(EmployerWarning.id).where(EmployerWarning.employer_id == caterer)
            )
            is None
        )


def test_admins_read_and_change_the_rules_as_data(client, rt, demo):
    admin = client.login("admin")
    rules = client.get("/api/v1/warning-rules", headers=admin).get_json()["items"]
    by_code = {r["code"]: r for r in rules}
    assert len(rules) == 8
    calls_rule = by_code["hotline_calls"]
    assert calls_rule["params"] == {"calls": 3, "days": 30} and calls_rule["changed"] is False
    assert calls_rule["default"]["level"] == "yellow"
    assert "12351" in calls_rule["source_zh"]

    r = client.patch(
        "/api/v1/warning-rules/hotline_calls",
        headers=admin,
        json={"level": "orange", "params": {"calls": 2, "days": 14}},
    )
    assert r.status_code == 200, r.get_json()
    changed = r.get_json()
    assert (changed["level"], changed["params"], changed["changed"]) == (
        "orange",
        {"calls": 2, "days": 14},
        True,
    )
    assert changed["default"]["params"] == {"calls": 3, "days": 30}  # the file stays the default
    # In force at once: two calls now raise an orange warning.
    calls(rt, demo, 2)
    board = client.get("/api/v1/warnings", headers=admin).get_json()["items"]
    assert [(w["rule"], w["level"]) for w in board] == [("hotline_calls", "orange")]

    # Validation: 422 with the reason in Chinese; nothing changes.
    for body, words in (
        ({"params": {"calls": 0}}, "1到3650之间的整数"),
        ({"params": {"workers": 5}}, "没有参数"),
        ({"level": "purple"}, None),
        ({"enabled": "yes"}, None),
        ({}, None),
    ):
        bad = client.patch("/api/v1/warning-rules/hotline_calls", headers=admin, json=body)
        assert bad.status_code == 422, body
        if words:
            assert words in bad.get_json()["detail"], bad.get_json()
    amount = client.patch(
        "/api/v1/warning-rules/large_arrears", headers=admin, json={"params": {"amount": "-1"}}
    )
    assert amount.status_code == 422 and "金额" in amount.get_json()["detail"]
    assert (
        client.patch("/api/v1/warning-rules/nonsense", headers=admin, json={"enabled": False})
    ).status_code == 404
    sup = client.login("supervisor.guangzhou")
    assert client.get("/api/v1/warning-rules", headers=sup).status_code == 403
    assert (
        client.patch("/api/v1/warning-rules/hotline_calls", headers=sup, json={"enabled": False})
    ).status_code == 403
    # Recorded: who, when, before and after.
    with rt.reader() as uow:
        [change] = uow.session.scalars(select(WarningRuleChange)).all()
        assert change.changed_by == "admin"
        assert change.before == {
            "enabled": True,
            "level": "yellow",
            "params": {"calls": 3, "days": 30},
        }
        assert change.after["params"] == {"calls": 2, "days": 14}


def test_a_tip_letter_issued_through_the_documents_endpoint_disposes_of_the_warnings(
    client, rt, demo
):
    emp = demo.employer("建筑")
    calls(rt, demo, 3)  # a yellow warning, held at Shipai
    h = client.login("caseworker.shipai")
    today = local_date().isoformat()
    client.post(
        f"/api/v1/employers/{emp.id}/events",
        headers=h,
        json={"kind": "union_officer_dismissed", "occurred_on": today},
    )
    board = client.get("/api/v1/warnings?status=open", headers=h).get_json()["items"]
    assert {w["rule"] for w in board} == {"hotline_calls", "union_officer_dismissed"}
    case = new_case(rt, demo, "supervision", unit="TH-SP", actor="caseworker.shipai")
    r = client.post(
        f"/api/v1/cases/{case.id}/transitions",
        headers=h,
        json={"trigger": "start_investigation", "data": {"investigators": ["李监督", "王监督"]}},
    )
    assert r.status_code == 200, r.get_json()
    doc = client.post(
        f"/api/v1/cases/{case.id}/documents",
        headers=h,
        json={"kind": "tip_letter", "addressee": BUILDER[0]},
    )
    assert doc.status_code == 201, doc.get_json()
    number = doc.get_json()["number"]
    assert client.get("/api/v1/warnings?status=open", headers=h).get_json()["items"] == []
    done = client.get("/api/v1/warnings?status=disposed", headers=h).get_json()["items"]
    assert {(w["disposition"], w["case_id"], w["disposed_by"]) for w in done} == {
        ("tip_letter", case.id, "caseworker.shipai")
    }
    assert all(w["disposition_note"] == f"已发出提示函 {number}" for w in done)
    with rt.reader() as uow:
        events = uow.session.scalars(
            select(EmployerEvent).where(
                EmployerEvent.employer_id == emp.id, EmployerEvent.kind == "warning_disposed"
            )
        ).all()
        assert sorted(e.data["document"] for e in events) == [number, number]
        assert verify_employers(uow)[1] == []
    # The case's version rose once per step (disposing of the warnings did not flush it twice).
    assert client.get(f"/api/v1/cases/{case.id}", headers=h).get_json()["version"] == (
        case.version + 2
    )


def test_a_tip_letter_for_another_employer_leaves_the_warning_open(client, rt, demo):
    calls(rt, demo, 3)
    tech = demo.employer("科技")
    case = new_case(
        rt, demo, "supervision", unit="TH-SP-ACME", actor="caseworker.acme", employer_id=tech.id
    )
    h = client.login("caseworker.acme")
    client.post(
        f"/api/v1/cases/{case.id}/transitions",
        headers=h,
        json={"trigger": "start_investigation", "data": {"investigators": ["李监督", "王监督"]}},
    )
    r = client.post(
        f"/api/v1/cases/{case.id}/documents",
        headers=h,
        json={"kind": "tip_letter", "addressee": "广州市某科技有限公司"},
    )
    assert r.status_code == 201, r.get_json()
    with rt.reader() as uow:
        statuses = set(uow.session.scalars(select(EmployerWarning.status)))
    assert statuses == {"open"}  # the builder's warning is untouched


def test_a_tip_letter_from_another_branch_leaves_a_warning_it_cannot_see_open(client, rt, demo):
    """Haizhu has its own supervision case about the builder; the builder's warning is held at
    Shipai (Tianhe). Haizhu's letter disposes of nothing it could not dispose of itself."""
    emp = demo.employer("建筑")
    calls(rt, demo, 3)
    case = new_case(
        rt, demo, "supervision", unit="HZ-NHX", actor="caseworker.nanhuaxi", employer_id=emp.id
    )
    h = client.login("caseworker.nanhuaxi")
    client.post(
        f"/api/v1/cases/{case.id}/transitions",
        headers=h,
        json={"trigger": "start_investigation", "data": {"investigators": ["李监督", "王监督"]}},
    )
    r = client.post(
        f"/api/v1/cases/{case.id}/documents",
        headers=h,
        json={"kind": "tip_letter", "addressee": BUILDER[0]},
    )
    assert r.status_code == 201, r.get_json()
    shipai = client.login("caseworker.shipai")
    [w] = client.get("/api/v1/warnings?status=open", headers=shipai).get_json()["items"]
    assert w["rule"] == "hotline_calls"
