"""SQL statements per request, counted on the real database through the app in-process, with
upper bounds for the main operations, and the same count whatever the amount of data (no N+1).
"""

from __future__ import annotations

import pytest
from sqlalchemy import event

from api.app import create_app
from casework.escalation.service import request_escalation
from tests.helpers import new_case, statements

PASSWORD = "casework-demo"


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


def _queries(stmts):
    return [
        s
        for s in stmts
        if s.split()[0].upper() not in ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")
    ]


def _call(client, rt, method, path, headers, **kw):
    with statements(rt.engine) as stmts:
        r = client.open(path, method=method, headers=headers, **kw)
    assert r.status_code < 300, r.get_data(as_text=True)
    return r, _queries(stmts)


def _workers(n):
    return [{"name": f"职工{i}", "phone": f"1380013{i:04d}"} for i in range(n)]


CASE_BODY = {
    "workflow": "wage_arrears",
    "employer": {"name": "广州市某建筑劳务有限公司", "credit_code": "91440106MA5BD00024"},
    "worker_count": 12,
    "amount_claimed": "50000",
    "summary": "拖欠工资",
    "channel": "walk_in",
}


def test_case_detail_is_a_fixed_number_of_statements(client, rt, demo):
    h = client.login("supervisor.tianhe")
    small = client.post(
        "/api/v1/cases", headers=h, json={**CASE_BODY, "workers": _workers(1)}
    ).get_json()
    big = client.post(
        "/api/v1/cases", headers=h, json={**CASE_BODY, "workers": _workers(10)}
    ).get_json()
    client.get(f"/api/v1/cases/{small['id']}", headers=h)  # warm: the calendar snapshot is cached
    _, few = _call(client, rt, "GET", f"/api/v1/cases/{small['id']}", h)
    r, many = _call(client, rt, "GET", f"/api/v1/cases/{big['id']}", h)
    assert len(r.get_json()["workers"]) == 10
    assert len(many) == len(few), many
    # token+user+unit+roles; the case with its units, employer, workers, open clocks and the
    # calendar's revision in one statement
    assert len(many) <= 2, many


def test_transition_is_bounded(client, rt, demo):
    h = client.login("supervisor.tianhe")
    counts = []
    for n in (1, 10):
        case = client.post(
            "/api/v1/cases", headers=h, json={**CASE_BODY, "workers": _workers(n)}
        ).get_json()
        r, stmts = _call(
            client,
            rt,
            "POST",
            f"/api/v1/cases/{case['id']}/transitions",
            {**h, "If-Match": f'"{case["version"]}"'},
            json={"trigger": "verify", "data": {"months_in_arrears": 2}},
        )
        assert r.get_json()["state"] == "verified" and len(r.get_json()["workers"]) == n
        counts.append(len(stmts))
    assert counts[0] == counts[1], stmts  # not one more per worker
    # Authentication (one statement); the case read once with its workers, its open clocks and
    # the calendar's revision; the history rows; the clock stopped; the clock started; the case
    # updated under its version. The answer is built from what the write holds. SQLite inserts
    # the two history rows one by one (its RETURNING has no row order to batch them on), so it
    # spends one more.
    assert counts[0] <= (6 if rt.engine.dialect.name == "postgresql" else 7), stmts
    kinds = [s.split()[0].upper() for s in stmts]
    assert kinds.count("SELECT") == 2, stmts  # the token and the case: nothing read twice


def test_a_request_checks_out_one_connection_and_pings_none(client, rt, demo):
    h = client.login("supervisor.tianhe")
    case = client.post(
        "/api/v1/cases", headers=h, json={**CASE_BODY, "workers": _workers(2)}
    ).get_json()
    checkouts = []
    listener = lambda *args: checkouts.append(1)  # noqa: E731
    event.listen(rt.engine, "checkout", listener)
    try:
        with statements(rt.engine) as stmts:
            r = client.post(
                f"/api/v1/cases/{case['id']}/transitions",
                headers={**h, "If-Match": f'"{case["version"]}"'},
                json={"trigger": "verify", "data": {"months_in_arrears": 2}},
            )
    finally:
        event.remove(rt.engine, "checkout", listener)
    assert r.status_code == 200
    assert len(checkouts) == 1  # authentication, the write and the answer share it
    assert not [s for s in stmts if s.strip().upper() == "SELECT 1"]  # no pre-ping


def test_intake_is_bounded(client, rt, demo):
    h = client.login("hotline")
    body = {
        "caller": {"name": "王五", "phone": "13700137000"},
        "employer": {"name": "广州市某建筑劳务有限公司", "credit_code": "91440106MA5BD00024"},
        "category": "wage_arrears",
        "worker_count": 1,
        "description": "欠薪",
    }
    client.post(
        "/api/v1/intakes",
        headers=h,
        json={**body, "caller": {"name": "赵六", "phone": "13600136000"}},
    )
    r, stmts = _call(
        client, rt, "POST", "/api/v1/intakes", {**h, "Idempotency-Key": "sql-1"}, json=body
    )
    assert r.get_json()["routed_to"]["code"] == "TH-SP"
    # 35 on both databases (PostgreSQL sends multi-row history inserts, SQLite takes no advisory
    # locks): the call opens two cases (the work order and the routed wage-arrears case, each
    # with its reference, INSERT, workers, history, clock and the UPDATE storing the history's
    # head), and the second wage-arrears call about the builder within twelve months raises an
    # early warning (issue 14) in the same transaction: the rules' settings, the employer's
    # calls and earlier case, the warning, its chained event and its notices (one INSERT that
    # skips the keys already taken). The caller's open case and open work order are one lookup;
    # the chain of units is read once for the routing and the warning; the calendar's revision
    # comes with the token and its Spring Festival with the cached calendar; the work order is
    # dispatched without being read back. Issue 15's goal of 12 needs the two cases written as
    # multi-row statements and the warning evaluated outside the call's transaction: not
    # reached (docs/performance.md).
    assert len(stmts) <= 35, stmts
    _, replay = _call(
        client, rt, "POST", "/api/v1/intakes", {**h, "Idempotency-Key": "sql-1"}, json=body
    )
    assert len(replay) <= 10, replay


def test_case_list_does_not_grow_with_the_page(client, rt, demo):
    h = client.login("supervisor.guangzhou")
    for _ in range(3):
        new_case(rt, demo, "wage_arrears", unit="TH-SP")
    client.get("/api/v1/cases", headers=h)
    _, few = _call(client, rt, "GET", "/api/v1/cases?per_page=100", h)
    for i in range(30):
        new_case(
            rt,
            demo,
            ("mediation", "wage_arrears", "supervision")[i % 3],
            unit=("TH-SP", "HZ-NHX", "TH")[i % 3],
            actor="supervisor.guangzhou",
        )
    r, many = _call(client, rt, "GET", "/api/v1/cases?per_page=100", h)
    assert r.get_json()["total"] == 33 and len(r.get_json()["items"]) == 33
    assert len(many) == len(few), many
    assert len(many) <= 3, many  # token+user+unit+roles, count, page


def test_escalation_inbox_does_not_grow_with_the_page(client, rt, demo):

    h = client.login("supervisor.guangzhou")
    _, empty = _call(client, rt, "GET", "/api/v1/escalations", h)
    for _ in range(8):
        case = new_case(rt, demo, "wage_arrears", unit="TH-SP")
        request_escalation(
            rt.uow(),
            case_id=case.id,
            actor=demo.actor("caseworker.shipai"),
            reason="cannot_perform",
            comment="人手不足",
        )
    r, stmts = _call(client, rt, "GET", "/api/v1/escalations", h)
    assert r.get_json()["total"] == 8
    assert len(stmts) <= len(empty) + 1, stmts  # plus the caller's notices for the page's cases


def test_a_connection_the_database_dropped_is_replaced_not_answered_with_a_500(client, rt, demo):
    if rt.engine.dialect.name != "postgresql":
        pytest.skip("SQLite connections are files: nothing drops them")
    h = client.login("supervisor.tianhe")
    assert client.get("/api/v1/cases", headers=h).status_code == 200
    with rt.engine.connect() as conn:  # the server ends every other session (a restart)
        conn.exec_driver_sql(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
    r = client.get("/api/v1/cases", headers=h)
    assert r.status_code == 200, r.get_data(as_text=True)
