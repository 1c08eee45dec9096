"""The supervisor lists at 10^5 and 10^6 cases: p95 of the overdue list and of the escalation
inbox, through the app in-process (authentication, query, JSON), and t(10^6)/t(10^5).

    .venv/bin/python bench/lists.py --postgres postgresql+psycopg://postgres@127.0.0.1:5432/bench \
        [--sizes 100000 1000000] [--requests 200]

Goal (issue 15): p95 <= 50 ms at 10^6 and t(10^6)/t(10^5) <= 1.5 for each list. Seeds with
bench/seeding.py's ``seed_case_lists`` (4.5% of cases overdue, one in twenty escalated, cases
spread over two cities). Also prints each list's plan (EXPLAIN ANALYZE) at the largest size.
DROPS the database's public schema: point it at a scratch database.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import statistics
import time

from seeding import seed_case_lists
from sqlalchemy import event, select, text
from sweep import fresh

from api.app import create_app
from casework.models import User
from casework.people.auth import issue_token

LISTS = {
    "overdue list (GET /cases?overdue=true, city supervisor)": "/api/v1/cases?overdue=true",
    "escalation inbox (GET /escalations, city supervisor)": "/api/v1/escalations",
}


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[-1]


def measure(client, headers, path: str, n: int) -> dict[str, float]:
    for _ in range(10):  # warm: connections, caches
        client.get(path, headers=headers)
    first, deep = [], []
    body = client.get(path, headers=headers).get_json()
    for _ in range(n):
        t0 = time.perf_counter()
        r = client.get(path, headers=headers)
        first.append(time.perf_counter() - t0)
        assert r.status_code == 200, r.get_data(as_text=True)
    # A page deep in the list, reached by cursor (up to 50 pages down).
    sep = "&" if "?" in path else "?"
    deep_path = path
    cursor = body["next_cursor"]
    for _ in range(50):
        if cursor is None:
            break
        deep_path = f"{path}{sep}cursor={cursor}"
        cursor = client.get(deep_path, headers=headers).get_json()["next_cursor"]
    for _ in range(n // 2):
        t0 = time.perf_counter()
        client.get(deep_path, headers=headers)
        deep.append(time.perf_counter() - t0)
    return {
        "p50": statistics.median(first),
        "p95": p95(first),
        "deep_p95": p95(deep),
        "total": body["total"],
    }


def explain(rt, client, headers, path: str) -> str:
    seen: list[tuple[str, object]] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("SELECT") and "cases" in statement:
            seen.append((statement, parameters))

    event.listen(rt.engine, "before_cursor_execute", record)
    client.get(path, headers=headers)
    event.remove(rt.engine, "before_cursor_execute", record)
    out = []
    with rt.engine.connect() as conn:
        for statement, parameters in seen[-2:]:
            rows = conn.exec_driver_sql("EXPLAIN (ANALYZE, COSTS OFF) " + statement, parameters)
            out.append("\n".join(r[0] for r in rows))
    return "\n\n".join(out)


def run(url: str, sizes: list[int], n: int) -> dict[str, object]:
    results: dict[tuple[str, int], dict[str, float]] = {}
    plans: dict[str, str] = {}
    now = dt.datetime.now(dt.UTC)
    for size in sizes:
        rt, _ = fresh(url)
        t0 = time.perf_counter()
        counts = seed_case_lists(rt.engine, total=size, now=now, tag="b")
        print(f"N={size:>9,}: seeded {counts} in {time.perf_counter() - t0:.1f}s", flush=True)
        with rt.uow() as uow:
            user = uow.session.scalars(
                select(User).where(User.username == "supervisor.guangzhou")
            ).one()
            token = issue_token(uow, user=user).token
            uow.commit()
        client = create_app(runtime=rt).test_client()
        logging.getLogger("casework.request").disabled = True  # no log line per request
        headers = {"Authorization": f"Bearer {token}"}
        for name, path in LISTS.items():
            r = measure(client, headers, path, n)
            results[(name, size)] = r
            print(
                f"  {name}: p50 {r['p50'] * 1000:6.1f} ms  p95 {r['p95'] * 1000:6.1f} ms  "
                f"(51st page by cursor: p95 {r['deep_p95'] * 1000:6.1f} ms; total {r['total']:,})",
                flush=True,
            )
            if size == max(sizes):
                plans[name] = explain(rt, client, headers, path)
        with rt.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        rt.dispose()
    lo, hi = min(sizes), max(sizes)
    summary = {}
    for name in LISTS:
        ratio = results[(name, hi)]["p95"] / results[(name, lo)]["p95"]
        summary[name] = (results[(name, hi)]["p95"], ratio)
        ok = results[(name, hi)]["p95"] <= 0.050 and ratio <= 1.5
        print(
            f"{name}: p95 at N={hi:,} {results[(name, hi)]['p95'] * 1000:.1f} ms, "
            f"t(N={hi:,})/t(N={lo:,}) = {ratio:.2f}  {'OK' if ok else 'NOT MET'}"
        )
    for name, plan in plans.items():
        print(f"\nplan of {name} at N={hi:,}:\n{plan}")
    return summary


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--postgres", required=True)
    p.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    p.add_argument("--requests", type=int, default=200)
    args = p.parse_args()
    run(args.postgres, args.sizes, args.requests)


if __name__ == "__main__":
    main()
