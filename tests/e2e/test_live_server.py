"""The real service under gunicorn with two workers: metrics add up across workers and show what
another process did; request logs are JSON lines with the request id and never a query string;
health and readiness."""

from __future__ import annotations

import datetime as dt
import json
import re
import time

import requests

from tests.helpers import new_case, run_cli


def test_metrics_add_up_across_workers_and_show_sweep_results(
    live_api, live_server, db_url, rt, demo
):
    def count(text):
        return sum(
            float(v)
            for v in re.findall(
                r'casework_http_requests_total\{[^}]*route="/api/v1/me"[^}]*\} ([0-9.e+]+)', text
            )
        )

    before = count(live_api.http.get(live_server.base + "/metrics", timeout=10).text)
    s = requests.Session()
    s.headers["Authorization"] = f"Bearer {live_api.token('auditor')}"
    for _ in range(30):
        s.get(live_api.url("/me"), timeout=10)
        s.close()  # a new connection each time, so both workers get some
    text = live_api.http.get(live_server.base + "/metrics", timeout=10).text
    assert count(text) - before == 30
    assert "casework_http_request_duration_seconds_bucket" in text
    # A sweep run by another process shows up too.
    case = new_case(rt, demo, "wage_arrears", unit="TH-SP")
    run_cli(db_url, "sweep", "--now", (dt.datetime.now(dt.UTC) + dt.timedelta(days=30)).isoformat())
    text = live_api.http.get(live_server.base + "/metrics", timeout=10).text
    assert re.search(
        r'casework_sweep_actions_total\{action="expire",result="escalate"\} [1-9]', text
    ), text[-800:]
    assert live_api.get("supervisor.tianhe", f"/cases/{case.id}").json()["org_unit"]["code"] == "TH"


def test_request_logs_are_json_with_the_request_id(live_api, live_server):
    r = live_api.get("auditor", "/me", headers={"X-Request-Id": "trace-abc-123"})
    assert r.headers["X-Request-Id"] == "trace-abc-123"
    r2 = live_api.get("auditor", "/cases?q=13812345678")
    rid = r2.headers["X-Request-Id"]
    lines = []
    for _ in range(50):
        text = live_server.log_path.read_text(encoding="utf-8")
        complete = text[: text.rfind("\n") + 1]  # gunicorn may be half-way through a line
        lines = [
            json.loads(line)
            for line in complete.splitlines()
            if line.startswith("{") and '"casework.request"' in line
        ]
        if any(entry.get("request_id") == rid for entry in lines):
            break
        time.sleep(0.1)
    mine = [e for e in lines if e.get("request_id") == "trace-abc-123"]
    assert (
        mine
        and mine[0]["route"] == "/api/v1/me"
        and mine[0]["status"] == 200
        and mine[0]["user"] == "auditor"
    )
    searched = [e for e in lines if e.get("request_id") == rid]
    assert searched and "13812345678" not in json.dumps(
        searched
    )  # the query string is never logged


def test_gunicorn_serves_health_and_readiness(live_server):
    r = requests.get(live_server.base + "/healthz", timeout=5)
    assert r.status_code == 200 and r.json() == {"status": "ok"}
    r = requests.get(live_server.base + "/readyz", timeout=5)
    assert r.status_code == 200 and r.json()["status"] == "ok"
