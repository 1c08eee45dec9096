"""HTTP throughput through real gunicorn (2 sync workers, the default), with a small built-in
load generator: 8 client processes, one keep-alive connection each, for a few seconds per
round, medians of 3 rounds. Prints each figure of issue 15's table as a ratio to GET /healthz
measured in the same run (absolute figures on a shared machine are noise).

    .venv/bin/python bench/throughput.py \
        --postgres postgresql+psycopg://postgres@127.0.0.1:5432/bench \
        [--seconds 4] [--rounds 3] [--clients 8]

Also replays the SQL of one transition with psycopg alone on one connection (the same
statements on the same case, each replay rolled back so that it can be repeated: an upper bound
for the raw rate), against one HTTP client firing transitions; and counts the statements and the
pooled connections a transition and an intake use, in-process.
DROPS the database's public schema: point it at a scratch database.
"""

from __future__ import annotations

import argparse
import http.client
import json
import logging
import multiprocessing as mp
import os
import pickle
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg
from cryptography.fernet import Fernet
from sqlalchemy import event, select, text

from api.app import create_app
from casework.cases.service import WorkerInput, open_case
from casework.clocks.calendar import seed_from_package
from casework.core.migrate import upgrade
from casework.core.settings import load_settings
from casework.demo import load_demo
from casework.models import Employer, User
from casework.people.access import load_actor
from casework.people.auth import issue_token
from casework.runtime import build_runtime

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = str(Path(sys.executable).parent / "gunicorn")
PORT = 8765
FLOOR_PORT = 8766  # bench/floor_app.py
CREDIT = "91440106MA5BD00024"


def _env(url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CASEWORK_")}
    env.update(
        CASEWORK_DATABASE_URL=url,
        CASEWORK_FERNET_KEY=Fernet.generate_key().decode(),
        CASEWORK_BLIND_INDEX_KEY=secrets.token_hex(32),
        CASEWORK_HISTORY_KEY=secrets.token_hex(32),
        # The app's JSON line per request is written (to /dev/null) as in production.
        CASEWORK_LOG_LEVEL="info",
        PYTHONPATH=str(ROOT),
    )
    return env


def _setup(env: dict[str, str], cases: int):
    rt = build_runtime(load_settings(env))
    with rt.engine.begin() as c:
        c.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    upgrade(rt.engine)
    with rt.uow() as uow:
        seed_from_package(uow.session)
        uow.commit()
    load_demo(rt.uow())
    tokens = {}
    with rt.uow() as uow:
        for name in ("supervisor.tianhe", "hotline"):
            user = uow.session.scalars(select(User).where(User.username == name)).one()
            tokens[name] = issue_token(uow, user=user).token
        uow.commit()
        employer = uow.session.scalars(select(Employer).where(Employer.credit_code == CREDIT))
        employer_id = employer.one().id
    with rt.reader() as uow:
        actor = load_actor(uow.session, "supervisor.tianhe")
    ids = []
    for i in range(cases):
        ids.append(
            open_case(
                rt.uow(),
                actor=actor,
                workflow="wage_arrears",
                employer_id=employer_id,
                worker_count=3,
                amount_claimed="50000",
                summary="拖欠工资",
                channel="walk_in",
                workers=[WorkerInput(name=f"职工{i}", phone=f"139{i:08d}")],
            ).id
        )
    return rt, tokens, ids


# -- the load generator ------------------------------------------------------------------------


def _client(job: tuple[str, str, list[int], float]) -> int:
    kind, token, ids, seconds = job
    conn = http.client.HTTPConnection(
        "127.0.0.1", FLOOR_PORT if kind == "floor" else PORT, timeout=30
    )
    auth = {"Authorization": f"Bearer {token}"}
    done, i = 0, 0
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        if kind == "healthz":
            conn.request("GET", "/healthz")
        elif kind == "floor":
            conn.request(
                "POST", "/replay", body=b"{}", headers={"Content-Type": "application/json"}
            )
        elif kind == "detail":
            conn.request("GET", f"/api/v1/cases/{ids[i % len(ids)]}", headers=auth)
        elif kind == "transition":
            if i >= len(ids):
                break
            body = json.dumps({"trigger": "verify", "data": {"months_in_arrears": 2}})
            conn.request(
                "POST",
                f"/api/v1/cases/{ids[i]}/transitions",
                body=body,
                headers={**auth, "If-Match": '"2"', "Content-Type": "application/json"},
            )
        elif kind == "intake":
            body = json.dumps(
                {
                    "caller": {"name": "王五", "phone": f"137{os.getpid() % 1000:03d}{i:05d}"},
                    "employer": {"name": "广州市某建筑劳务有限公司", "credit_code": CREDIT},
                    "category": "wage_arrears",
                    "worker_count": 1,
                    "description": "欠薪",
                }
            )
            conn.request(
                "POST",
                "/api/v1/intakes",
                body=body,
                headers={**auth, "Content-Type": "application/json"},
            )
        r = conn.getresponse()
        r.read()
        if r.status >= 300:
            raise AssertionError(f"{kind}: {r.status}")
        done += 1
        i += 1
    return done


def _rate(pool, kind: str, token: str, ids: list[int], clients: int, seconds: float) -> float:
    share = [ids[k::clients] for k in range(clients)]
    t0 = time.perf_counter()
    counts = pool.map(_client, [(kind, token, share[k], seconds) for k in range(clients)])
    return sum(counts) / (time.perf_counter() - t0)


# -- the raw replay ----------------------------------------------------------------------------


def _capture(rt, token: str, case_id: int) -> tuple[list[tuple[str, object]], int, int, bytes]:
    """The statements (with parameters), pooled checkouts and answer of one transition,
    in-process; then the case is put back as it was, so that the statements can be replayed on
    it."""
    with rt.engine.connect() as c:
        case = c.execute(text("SELECT * FROM cases WHERE id = :i"), {"i": case_id}).mappings().one()
        clocks = c.execute(
            text("SELECT id, status, handled_at, version FROM deadlines WHERE case_id = :i"),
            {"i": case_id},
        ).all()
    app = create_app(runtime=rt)
    logging.getLogger("casework.request").disabled = True
    client = app.test_client()
    seen: list[tuple[str, object]] = []
    checkouts = []

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.append((statement, parameters))

    warm = client.get(f"/api/v1/cases/{case_id}", headers={"Authorization": f"Bearer {token}"})
    assert warm.status_code == 200  # the token's last use recorded, the calendar cached
    event.listen(rt.engine, "before_cursor_execute", record)
    on_checkout = lambda *a: checkouts.append(1)  # noqa: E731
    event.listen(rt.engine, "checkout", on_checkout)
    r = client.post(
        f"/api/v1/cases/{case_id}/transitions",
        headers={"Authorization": f"Bearer {token}", "If-Match": '"2"'},
        json={"trigger": "verify", "data": {"months_in_arrears": 2}},
    )
    event.remove(rt.engine, "before_cursor_execute", record)
    event.remove(rt.engine, "checkout", on_checkout)
    assert r.status_code == 200, r.get_data(as_text=True)
    with rt.engine.begin() as c:
        c.execute(
            text("DELETE FROM case_events WHERE case_id = :i AND seq > :s"),
            {"i": case_id, "s": case["event_seq"]},
        )
        c.execute(
            text("DELETE FROM deadlines WHERE case_id = :i AND NOT (id = ANY(:ids))"),
            {"i": case_id, "ids": [d.id for d in clocks]},
        )
        for d in clocks:
            c.execute(
                text(
                    "UPDATE deadlines SET status = :s, handled_at = :h, version = :v WHERE id = :i"
                ),
                {"s": d.status, "h": d.handled_at, "v": d.version, "i": d.id},
            )
        c.execute(
            text(
                "UPDATE cases SET state = :state, attributes = CAST(:attributes AS jsonb), "
                "next_due_at = :next_due_at, event_seq = :event_seq, last_hash = :last_hash, "
                "version = :version, updated_at = :updated_at WHERE id = :id"
            ),
            {**case, "attributes": json.dumps(case["attributes"])},
        )
    return seen, len(seen), len(checkouts), r.get_data()


def _replayer(job: tuple[str, list[tuple[str, object]], float]) -> int:
    url, stmts, seconds = job
    done = 0
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn:
        end = time.perf_counter() + seconds
        while time.perf_counter() < end:
            with conn.cursor() as cur:
                for sql, params in stmts:
                    cur.execute(sql, params)
                    if cur.description:
                        cur.fetchall()
            conn.rollback()
            done += 1
    return done


def _intake_statements(rt, token: str) -> int:
    app = create_app(runtime=rt)
    client = app.test_client()
    n = []
    listener = lambda *a: n.append(1)  # noqa: E731
    body = {
        "caller": {"name": "赵六", "phone": "13612345678"},
        "employer": {"name": "广州市某建筑劳务有限公司", "credit_code": CREDIT},
        "category": "wage_arrears",
        "worker_count": 1,
        "description": "欠薪",
    }
    warm = client.post("/api/v1/intakes", headers={"Authorization": f"Bearer {token}"}, json=body)
    assert warm.status_code == 201  # the token's last use recorded, the calendar cached
    event.listen(rt.engine, "before_cursor_execute", listener)
    r = client.post(
        "/api/v1/intakes",
        headers={"Authorization": f"Bearer {token}", "Idempotency-Key": secrets.token_hex(8)},
        json={
            "caller": {"name": "王五", "phone": "13912345678"},
            "employer": {"name": "广州市某建筑劳务有限公司", "credit_code": CREDIT},
            "category": "wage_arrears",
            "worker_count": 1,
            "description": "欠薪",
        },
    )
    event.remove(rt.engine, "before_cursor_execute", listener)
    assert r.status_code == 201, r.get_data(as_text=True)
    return len(n)


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--postgres", required=True)
    p.add_argument("--seconds", type=float, default=4)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--clients", type=int, default=8)
    args = p.parse_args()
    env = _env(args.postgres)
    per_round = 1200  # transitions a round can use at most (900 by 8 clients, 300 by one)
    rt, tokens, ids = _setup(env, per_round * args.rounds + 2)
    stmts, n_stmts, n_conns, answer = _capture(rt, tokens["supervisor.tianhe"], ids.pop())
    intake_stmts = _intake_statements(rt, tokens["hotline"])
    floor_file = Path(tempfile.mkstemp(suffix=".pickle")[1])
    floor_file.write_bytes(
        pickle.dumps(
            (args.postgres.replace("postgresql+psycopg://", "postgresql://"), stmts, answer)
        )
    )
    server = subprocess.Popen(
        [GUNICORN, "--config", "python:api.gunicorn_conf", "--bind", f"127.0.0.1:{PORT}",
         "--workers", "2", "wsgi:app"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    floor = subprocess.Popen(
        [GUNICORN, "--config", "python:api.gunicorn_conf", "--bind", f"127.0.0.1:{FLOOR_PORT}",
         "--workers", "2", "--pythonpath", str(ROOT / "bench"), "floor_app:app"],
        cwd=ROOT, env={**env, "BENCH_FLOOR_FILE": str(floor_file)},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        for port in (PORT, FLOOR_PORT):
            for _ in range(100):
                try:
                    c = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                    c.request("GET", "/healthz")
                    if c.getresponse().status == 200:
                        break
                except OSError:
                    time.sleep(0.2)
        rates: dict[str, list[float]] = {k: [] for k in ("healthz", "detail", "transition")}
        rates["transition, 1 client"] = []
        rates["intake"] = []
        rates["replay, 1 connection"] = []
        rates["floor, 1 client"] = []
        sup, hot = tokens["supervisor.tianhe"], tokens["hotline"]
        with mp.get_context("fork").Pool(args.clients) as pool:
            for r in range(args.rounds):
                batch = ids[r * per_round : (r + 1) * per_round]
                rates["healthz"].append(_rate(pool, "healthz", sup, [], args.clients, args.seconds))
                rates["detail"].append(
                    _rate(pool, "detail", sup, batch, args.clients, args.seconds)
                )
                rates["transition"].append(
                    _rate(pool, "transition", sup, batch[:900], args.clients, args.seconds)
                )
                # One client against one connection replaying the same SQL: the stack's cost.
                rates["transition, 1 client"].append(
                    _rate(pool, "transition", sup, batch[900:], 1, args.seconds)
                )
                rates["intake"].append(_rate(pool, "intake", hot, [], args.clients, args.seconds))
                t0 = time.perf_counter()
                done = pool.map(_replayer, [(args.postgres, stmts, args.seconds)])
                rates["replay, 1 connection"].append(sum(done) / (time.perf_counter() - t0))
                # The same SQL from a bare Flask view under the same gunicorn: the floor.
                rates["floor, 1 client"].append(_rate(pool, "floor", sup, [], 1, args.seconds))
                line = ", ".join(f"{k} {v[-1]:,.0f}/s" for k, v in rates.items())
                print(f"round {r + 1}: {line}", flush=True)
    finally:
        for proc in (server, floor):
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=30)
        floor_file.unlink()
        rt.dispose()
    m = {k: statistics.median(v) for k, v in rates.items()}
    rows = [
        ("GET /api/v1/cases/{id} ÷ GET /healthz", m["detail"] / m["healthz"], 0.25),
        ("POST …/transitions (If-Match) ÷ /healthz", m["transition"] / m["healthz"], 0.10),
        ("transition over HTTP ÷ raw psycopg replay (1 client each)",
         m["transition, 1 client"] / m["replay, 1 connection"], 0.75),
        ("POST /api/v1/intakes ÷ /healthz", m["intake"] / m["healthz"], 0.03),
    ]  # fmt: skip
    print(f"\nmedians of {args.rounds} rounds, {args.clients} keep-alive clients, 2 sync workers:")
    for k, v in m.items():
        print(f"  {k:<22} {v:8,.0f} req/s")
    for name, ratio, goal in rows:
        print(f"{name:<56} {ratio:6.3f}  goal >= {goal}  {'OK' if ratio >= goal else 'NOT MET'}")
    floor_ratio = m["floor, 1 client"] / m["replay, 1 connection"]
    budget = (1 / 0.75 - 1 / floor_ratio) / m["replay, 1 connection"] * 1000
    print(f"{'floor: the same SQL from a bare Flask view ÷ raw replay':<56} {floor_ratio:6.3f}"
          f"  (leaves {budget:.2f} ms per transition for the application at 0.75)")  # fmt: skip
    print(f"{'SQL statements per transition / pooled connections':<56} {n_stmts} / {n_conns}"
          f"  goal <= 6 / 1  {'OK' if n_stmts <= 6 and n_conns == 1 else 'NOT MET'}")  # fmt: skip
    print(f"{'SQL statements per intake (routed, Idempotency-Key)':<56} {intake_stmts}"
          f"  goal <= 12  {'OK' if intake_stmts <= 12 else 'NOT MET'}")  # fmt: skip


if __name__ == "__main__":
    main()
