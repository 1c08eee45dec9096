"""The escalation sweep against a bare-SQL sweep writing the same rows, with 1, 2 and 4
processes at once (issue 15: goal >= 1/3 of the bare-SQL rate).

    .venv/bin/python bench/sweep_vs_sql.py \
        --postgres postgresql+psycopg://postgres@127.0.0.1:5432/bench \
        [--due 10000] [--procs 1 2 4] [--batch 100]

For each number of processes: seeds ``--due`` hotline work orders whose handling clock is due,
runs that many ``casework sweep`` processes at once and times them until all exit; seeds again
and runs that many bare-SQL sweepers (psycopg only, one transaction per claimed batch, the same
claim with FOR UPDATE SKIP LOCKED, hand-written multi-row statements, the events chained with the
same HMAC). Both write, per clock: the action row, the clock's end, the escalation, the
``escalated`` and ``deadline_set`` events, a notice per supervisor of the unit above, the new
handling clock and the case row; the row counts of both runs are compared. Wall time includes
each process's start. DROPS the database's public schema: point it at a scratch database.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import hmac
import json
import os
import secrets
import subprocess
import sys
import time
from pathlib import Path

import psycopg
from cryptography.fernet import Fernet
from seeding import seed_work_orders
from sqlalchemy import text

from casework.clocks.calendar import seed_from_package
from casework.core.migrate import upgrade
from casework.core.settings import load_settings
from casework.core.time import end_of_day
from casework.demo import load_demo
from casework.models import OrgUnit
from casework.runtime import build_runtime

NOW = dt.datetime(2026, 6, 1, 1, 0, tzinfo=dt.UTC)
HERE = Path(__file__).resolve().parent
CASEWORK = str(Path(sys.executable).parent / "casework")
TABLES = ("deadline_actions", "escalations", "case_events", "notifications", "deadlines")


def _env(url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CASEWORK_")}
    env.update(
        CASEWORK_DATABASE_URL=url,
        CASEWORK_FERNET_KEY=Fernet.generate_key().decode(),
        CASEWORK_BLIND_INDEX_KEY=secrets.token_hex(32),
        CASEWORK_HISTORY_KEY=secrets.token_hex(32),
        PYTHONPATH=str(HERE.parent),
    )
    return env


def _fresh(url: str, env: dict[str, str], due: int):
    rt = build_runtime(load_settings(env))
    with rt.engine.begin() as c:
        c.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    upgrade(rt.engine)
    with rt.uow() as uow:
        seed_from_package(uow.session)
        uow.commit()
    load_demo(rt.uow())
    with rt.reader() as uow:
        unit = uow.session.query(OrgUnit).filter_by(code="TH-SP-ACME").one().id
    seed_work_orders(rt.engine, unit_id=unit, total=due, due=due, now=NOW, tag="s")
    return rt


def _counts(rt) -> dict[str, int]:
    with rt.engine.connect() as c:
        return {t: c.execute(text(f"SELECT count(*) FROM {t}")).scalar_one() for t in TABLES}


def _run(cmds: list[list[str]], env: dict[str, str]) -> float:
    t0 = time.perf_counter()
    procs = [subprocess.Popen(c, env=env, stdout=subprocess.PIPE, text=True) for c in cmds]
    outs = [p.communicate()[0] for p in procs]
    elapsed = time.perf_counter() - t0
    assert all(p.returncode == 0 for p in procs), outs
    return elapsed


# -- the bare-SQL sweeper (one process) ------------------------------------------------------


def _chain(key: str, kid: str, case_id: int, seq: int, prev: str, kind: str, data: dict):
    at = NOW.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    body = {
        "case_id": case_id,
        "seq": seq,
        "at": at,
        "actor_id": None,
        "actor": "system",
        "kind": kind,
        "from_state": None,
        "to_state": None,
        "trigger": None,
        "data": data,
    }
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    h = hmac.new(key.encode(), (prev + canonical).encode(), hashlib.sha256).hexdigest()
    row = (case_id, seq, NOW, None, "system", kind, json.dumps(data, ensure_ascii=False), prev, h)
    return (*row, kid), h


def bare_worker(url: str, batch: int) -> None:
    key = os.environ["CASEWORK_HISTORY_KEY"]
    kid = hashlib.sha256(key.encode()).hexdigest()[:8]
    url = url.replace("postgresql+psycopg://", "postgresql://")
    # The new clock's due date: the engine's calendar arithmetic (pure Python, precomputed).
    rt = build_runtime(load_settings(dict(os.environ)))
    with rt.reader() as uow:
        from casework.clocks.calendar import load_calendar  # noqa: PLC0415 - bench only

        cal = load_calendar(uow.session)
    rt.dispose()
    today = (NOW + dt.timedelta(hours=8)).date()
    due_on = cal.roll(cal.period_end(today, 1, "working"))
    done = 0
    with psycopg.connect(url) as conn:
        while True:
            with conn.transaction(), conn.cursor() as cur:
                cur.execute(
                    "WITH c AS (SELECT id FROM deadlines WHERE status = 'running' "
                    "AND due_at <= %s ORDER BY due_at, id LIMIT %s FOR UPDATE SKIP LOCKED) "
                    "UPDATE deadlines d SET status = 'expired', handled_at = %s, "
                    "version = d.version + 1 FROM c WHERE d.id = c.id "
                    "RETURNING d.id, d.case_id, d.entry_seq, d.rule, d.due_on, d.citation",
                    (NOW, batch, NOW),
                )
                clocks = cur.fetchall()
                if not clocks:
                    break
                ids = [c[1] for c in clocks]
                cur.execute(
                    "SELECT c.id, c.ref, c.escalation_level, c.event_seq, c.last_hash, c.version,"
                    " u.id, u.code, u.level, u.depth, u.name, p.id, p.code, p.level, p.depth,"
                    " p.name FROM cases c JOIN org_units u ON u.id = c.org_unit_id"
                    " JOIN org_units p ON p.id = u.parent_id WHERE c.id = ANY(%s)"
                    " FOR UPDATE OF c",
                    (ids,),
                )
                cases = {r[0]: r for r in cur.fetchall()}
                cur.execute(
                    "SELECT u.org_unit_id, u.id FROM users u JOIN user_roles r"
                    " ON r.user_id = u.id WHERE r.role = 'supervisor' AND u.is_active"
                    " AND u.org_unit_id = ANY(%s)",
                    ([c[11] for c in cases.values()],),
                )
                sups: dict[int, list[int]] = {}
                for unit, user in cur.fetchall():
                    sups.setdefault(unit, []).append(user)
                actions, escs, events, notes, new, upd = [], [], [], [], [], []
                for did, cid, entry, rule, due, cite in clocks:
                    c = cases[cid]
                    (_, ref, level, seq, last, ver, uid, ucode, ulevel, udepth, uname) = c[:11]
                    pid, pcode, plevel, pdepth, pname = c[11:]
                    comment = f"{rule} 期限 {due.isoformat()} 届满（{cite}）"
                    actions.append((did, "expire", cid, "escalate", NOW))
                    escs.append((cid, entry, uid, pid, level, "deadline_expired", comment, NOW))
                    new_level = level + max(udepth - pdepth, 1)
                    ev1, h = _chain(
                        key, kid, cid, seq + 1, last, "escalated",
                        {"reason": "deadline_expired", "comment": comment, "from_unit": ucode,
                         "to_unit": pcode, "from_level": ulevel, "to_level": plevel,
                         "escalation_level": new_level},
                    )  # fmt: skip
                    ev2, h = _chain(
                        key, kid, cid, seq + 2, h, "deadline_set",
                        {"rule": rule, "citation": cite, "days": 1, "unit": "working",
                         "started_on": today.isoformat(), "due": due_on.isoformat(),
                         "calendar_verified": True},
                    )  # fmt: skip
                    events += [ev1, ev2]
                    title = f"案件 {ref} 已上提至本级办理"
                    body = f"{uname}：办理期限届满。依“维权上提一级”，案件由{pname}承办。"
                    data = json.dumps({"case_ref": ref, "reason": "deadline_expired"})
                    for user in sups.get(pid, []):
                        notes.append(
                            (user, None, cid, title, body, data, f"esc:{cid}:{pid}:u{user}")
                        )
                    if not sups.get(pid):  # no supervisor: one notice for the unit
                        notes.append((None, pid, cid, title, body, data, f"esc:{cid}:{pid}:o{pid}"))
                    new.append((cid, rule, cite, seq + 1, pid, today, due_on, end_of_day(due_on)))
                    upd.append((pid, new_level, seq + 2, h, NOW, end_of_day(due_on), cid, ver))
                cur.executemany(
                    "INSERT INTO deadline_actions (deadline_id, action, case_id, result, at)"
                    " VALUES (%s, %s, %s, %s, %s)",
                    actions,
                )
                cur.executemany(
                    "INSERT INTO escalations (case_id, entry_seq, from_unit_id, to_unit_id,"
                    " from_level, reason, comment, at_ceiling, actor, created_at, case_open)"
                    " VALUES (%s, %s, %s, %s, %s, %s, %s, false, 'system', %s, true)"
                    " ON CONFLICT DO NOTHING",
                    escs,
                )
                cur.executemany(
                    "INSERT INTO case_events (case_id, seq, at, actor_id, actor, kind, data,"
                    " prev_hash, hash, key_id) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                    events,
                )
                cur.execute(
                    "UPDATE deadlines SET status = 'stopped', handled_at = %s,"
                    " version = version + 1 WHERE case_id = ANY(%s) AND kind = 'handling'"
                    " AND status IN ('running', 'paused')",
                    (NOW, ids),
                )
                cur.executemany(
                    "INSERT INTO deadlines (case_id, rule, kind, unit, days, citation,"
                    " on_expiry, entry_seq, org_unit_id, started_on, period_end, due_on, due_at,"
                    " paused_days, extended_days, calendar_verified, status, version,"
                    " created_at) VALUES (%s, %s, 'handling', 'working', 1, %s, 'escalate', %s,"
                    " %s, %s, %s, %s, %s, 0, 0, true, 'running', 1, now())",
                    [(c, r, ci, s, u, t, d, d, a) for c, r, ci, s, u, t, d, a in new],
                )
                cur.executemany(
                    "INSERT INTO notifications (user_id, org_unit_id, case_id, kind, title, body,"
                    " data, dedupe_key, created_at) VALUES (%s, %s, %s, 'escalation', %s, %s, %s,"
                    " %s, now()) ON CONFLICT (dedupe_key) DO NOTHING",
                    notes,
                )
                cur.executemany(
                    "UPDATE cases SET org_unit_id = %s, escalation_level = %s, assignee_id = NULL,"
                    " event_seq = %s, last_hash = %s, updated_at = %s, next_due_at = %s,"
                    " version = version + 1 WHERE id = %s AND version = %s",
                    upd,
                )
                done += len(clocks)
            if len(clocks) < batch:
                break
    print(f"bare: {done} expired")


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--postgres", required=True)
    p.add_argument("--due", type=int, default=10_000)
    p.add_argument("--procs", type=int, nargs="+", default=[1, 2, 4])
    p.add_argument("--batch", type=int, default=100)
    p.add_argument("--bare-worker", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.bare_worker:
        bare_worker(args.postgres, args.batch)
        return
    env = _env(args.postgres)
    now = NOW.isoformat()
    ratios = {}
    for n in args.procs:
        rt = _fresh(args.postgres, env, args.due)
        engine_t = _run([[CASEWORK, "sweep", "--now", now, "--batch", str(args.batch)]] * n, env)
        engine_rows = _counts(rt)
        rt.dispose()
        rt = _fresh(args.postgres, env, args.due)
        bare_t = _run(
            [[sys.executable, __file__, "--postgres", args.postgres, "--batch",
              str(args.batch), "--bare-worker"]] * n,
            env,
        )  # fmt: skip
        bare_rows = _counts(rt)
        rt.dispose()
        assert engine_rows == bare_rows, (engine_rows, bare_rows)
        e, b = args.due / engine_t, args.due / bare_t
        ratios[n] = e / b
        print(
            f"{n} process(es), {args.due:,} due clocks: casework sweep {engine_t:6.2f}s "
            f"({e:,.0f}/s), bare SQL {bare_t:6.2f}s ({b:,.0f}/s), ratio {e / b:.2f} "
            f"(1/{b / e:.1f})  {'OK' if e / b >= 1 / 3 else 'NOT MET (< 1/3)'}; rows {bare_rows}",
            flush=True,
        )


if __name__ == "__main__":
    main()
