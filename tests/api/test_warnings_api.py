"""The employer dossier and the early warnings over HTTP: scope (counted, not shown), the board's
filters, a disposition with If-Match, the report's CSV, and statement counts that do not grow
with the number of items (no N+1)."""

from __future__ import annotations

import datetime as dt

import pytest

from api.app import create_app
from casework.intake.service import CallerInput, EmployerInput, file_intake
from tests.api.test_sql_counts import _call
from tests.helpers import new_case

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


def calls(rt, demo, n: int, start: int = 0, at: dt.datetime | None = None) -> None:
    """``n`` co-workers call the hotline about the builder (consultations)."""
    for i in range(start, start + n):
        file_intake(
            rt.uow(),
            actor=demo.actor("hotline"),
            caller=CallerInput(name=f"职工{i}", phone=f"1390000{i:04d}"),
            employer=EmployerInput(name=BUILDER[0], credit_code=BUILDER[1]),
            category="consultation",
            answer="已告知。",
            now=at,
        )


def test_the_dossier_shows_items_in_scope_and_counts_the_rest(client, rt, demo):
    emp = demo.employer("建筑")
    calls(rt, demo, 3)  # work orders held by the city hotline (GZ), a yellow warning at TH-SP
    new_case(rt, demo, "mediation", unit="HZ-NHX", actor="caseworker.nanhuaxi")
    haizhu = client.get(f"/api/v1/employers/{emp.id}", headers=client.login("caseworker.nanhuaxi"))
    assert haizhu.status_code == 200
    body = haizhu.get_json()
    assert [c["org_unit"]["code"] for c in body["cases"]] == ["HZ-NHX"]
    assert body["calls"] == [] and body["warnings"] == []
    assert body["outside_scope"]["calls"] == 3 and body["outside_scope"]["warnings"] == 1
    assert body["outside_scope"]["note_zh"] == "另有 3 件在其他单位办理"
    city = client.get(
        f"/api/v1/employers/{emp.id}", headers=client.login("supervisor.guangzhou")
    ).get_json()
    assert len(city["calls"]) == 3 and city["outside_scope"]["note_zh"] is None
    # The caterer is placed in Haizhu and nothing about it is visible to Shipai: not found.
    caterer = demo.employer("餐饮")
    r = client.get(f"/api/v1/employers/{caterer.id}", headers=client.login("caseworker.shipai"))
    assert r.status_code == 404


def test_the_board_filters_and_a_disposition_with_if_match(client, rt, demo):
    calls(rt, demo, 3)
    h = client.login("supervisor.tianhe")
    board = client.get("/api/v1/warnings?status=open&level=yellow", headers=h).get_json()
    [w] = board["items"]
    assert (w["rule"], w["level_label_zh"], w["org_unit"]["code"]) == (
        "hotline_calls",
        "黄色预警",
        "TH-SP",
    )
    assert client.get("/api/v1/warnings?level=red", headers=h).get_json()["total"] == 0
    assert client.get("/api/v1/warnings?status=overdue", headers=h).get_json()["total"] == 0
    one = client.get(f"/api/v1/warnings/{w['id']}", headers=h)
    assert one.headers["ETag"] == f'"{w["version"]}"'
    stale = client.post(
        f"/api/v1/warnings/{w['id']}/disposition",
        headers={**h, "If-Match": '"99"'},
        json={"action": "dismiss", "note": "不属实"},
    )
    assert stale.status_code == 412
    no_reason = client.post(
        f"/api/v1/warnings/{w['id']}/disposition", headers=h, json={"action": "dismiss"}
    )
    assert no_reason.status_code == 422 and no_reason.get_json()["errors"].get("note")
    done = client.post(
        f"/api/v1/warnings/{w['id']}/disposition",
        headers={**h, "If-Match": one.headers["ETag"]},
        json={"action": "joint_meeting", "note": "列入区政府与工会联席会议第三季度议程"},
    )
    assert done.status_code == 200, done.get_data(as_text=True)
    assert done.get_json()["disposition_label_zh"] == "列入三方（联席）会议议程"
    again = client.post(
        f"/api/v1/warnings/{w['id']}/disposition",
        headers=h,
        json={"action": "dismiss", "note": "再次处置"},
    )
    assert again.status_code == 409
    hz = client.get(f"/api/v1/warnings/{w['id']}", headers=client.login("caseworker.nanhuaxi"))
    assert hz.status_code == 404


def test_the_report_per_unit_and_rule_as_csv(client, rt, demo):
    calls(rt, demo, 3)
    h = client.login("supervisor.tianhe")
    report = client.get("/api/v1/reports/warnings", headers=h).get_json()
    shipai = next(u for u in report["units"] if u["org_unit"]["code"] == "TH-SP")
    assert shipai["totals"] == {"raised": 1, "disposed_on_time": 0, "overdue": 0, "open": 1}
    assert [r["rule"] for r in shipai["by_rule"]] == ["hotline_calls"]
    csv = client.get("/api/v1/reports/warnings?format=csv", headers=h)
    assert csv.mimetype == "text/csv"
    data = csv.get_data()
    assert data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("单位代码,单位名称,层级,预警规则,新发预警")
    assert "短期内多次来电反映同一用人单位" in text


def test_the_record_for_honours_vetting(client, rt, demo):
    emp = demo.employer("建筑")
    h = client.login("supervisor.tianhe")
    r = client.get(f"/api/v1/employers/{emp.id}/record?years=3", headers=h).get_json()
    assert r["clean"] is True and r["years"] == 3
    new_case(rt, demo, "wage_arrears", unit="TH-SP", actor="caseworker.shipai")
    r = client.get(f"/api/v1/employers/{emp.id}/record", headers=h).get_json()
    assert (r["clean"], r["any_open"], len(r["cases"])) == (False, True, 1)
    bad = client.get(f"/api/v1/employers/{emp.id}/record?years=0", headers=h)
    assert bad.status_code == 422


def test_search_by_name_or_credit_code(client, rt, demo):
    h = client.login("caseworker.nanhuaxi")
    found = client.get("/api/v1/employers?q=广州市某", headers=h).get_json()
    assert [e["name"] for e in found["items"]] == ["广州市某餐饮管理有限公司"]
    assert found["outside_scope"] == 2 and found["note_zh"] == "另有 2 件在其他单位办理"
    assert client.get("/api/v1/employers?q=", headers=h).status_code == 422
    assert client.get("/api/v1/employers?q=%25", headers=h).get_json()["total"] == 0


def test_the_dossier_and_the_lists_are_a_fixed_number_of_statements(client, rt, demo):
    emp = demo.employer("建筑")
    h = client.login("supervisor.guangzhou")
    calls(rt, demo, 3)
    new_case(rt, demo, "wage_arrears", unit="TH-SP", actor="caseworker.shipai")
    paths = [
        f"/api/v1/employers/{emp.id}",
        f"/api/v1/employers/{emp.id}/record",
        "/api/v1/warnings?per_page=100",
        "/api/v1/employers?q=广州",
        "/api/v1/reports/warnings",
    ]
    for p in paths:
        client.get(p, headers=h)  # warm: the calendar snapshot is cached
    few = {p: len(_call(client, rt, "GET", p, h)[1]) for p in paths}
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=40)  # a new window: new warnings
    calls(rt, demo, 6, start=10, at=later)
    for i in range(6):
        new_case(rt, demo, ("wage_arrears", "mediation", "supervision")[i % 3], unit="TH-SP")
    many = {p: len(_call(client, rt, "GET", p, h)[1]) for p in paths}
    assert many == few, (few, many)
    dossier = client.get(paths[0], headers=h).get_json()
    assert len(dossier["calls"]) == 9 and len(dossier["cases"]) == 7
    assert len(dossier["warnings"]) >= 3
    # the token (with user and roles), employer, moves, cases, documents, referrals,
    # escalations, warnings, projects, and every count in one statement
    assert few[paths[0]] <= 10, few
    assert few[paths[2]] <= 5, few  # token+user, roles, count, page
