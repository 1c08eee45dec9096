"""Throughput of the case service: open a case and fire triggers, on SQLite and PostgreSQL.

    .venv/bin/python bench/fire.py [--cases 300] [--postgres URL]

Prints cases/s and transitions/s per backend and the SQL statements each operation issues
(an operation whose statement count grows with the data would show here first).
"""

from __future__ import annotations

import argparse
import secrets
import tempfile
import time
from pathlib import Path

from cryptography.fernet import Fernet
from sqlalchemy import event, text

from casework.cases.service import WorkerInput, fire, open_case
from casework.core.migrate import upgrade
from casework.core.settings import load_settings
from casework.demo import load_demo
from casework.models import OrgUnit
from casework.people.access import load_actor
from casework.runtime import build_runtime


def run(url: str, n: int) -> dict[str, float]:
    env = {
        "CASEWORK_DATABASE_URL": url,
        "CASEWORK_FERNET_KEY": Fernet.generate_key().decode(),
        "CASEWORK_BLIND_INDEX_KEY": secrets.token_hex(32),
    }
    rt = build_runtime(load_settings(env))
    if rt.engine.dialect.name == "postgresql":
        with rt.engine.begin() as c:
            c.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    upgrade(rt.engine)
    load_demo(rt.uow())
    with rt.reader() as uow:
        actor = load_actor(uow.session, "supervisor.tianhe")
        th = uow.session.query(OrgUnit).filter_by(code="TH").one().id
        sp = uow.session.query(OrgUnit).filter_by(code="TH-SP").one().id
    counter = {"n": 0}

    @event.listens_for(rt.engine, "before_cursor_execute")
    def _count(*_a):
        counter["n"] += 1

    t0 = time.perf_counter()
    ids = []
    for i in range(n):
        ids.append(
            open_case(
                rt.uow(),
                actor=actor,
                workflow="hotline",
                org_unit_id=th,
                workers=[WorkerInput(name=f"职工{i}", phone=f"138{i:08d}")],
            ).id
        )
    t_open = time.perf_counter() - t0
    open_stmts = counter["n"] / n
    counter["n"] = 0
    t0 = time.perf_counter()
    for cid in ids:
        fire(rt.uow(), case_id=cid, trigger="dispatch", actor=actor, data={"org_unit_id": sp})
        fire(rt.uow(), case_id=cid, trigger="accept", actor=actor)
    t_fire = time.perf_counter() - t0
    fire_stmts = counter["n"] / (2 * n)
    rt.dispose()
    return {
        "open_per_s": n / t_open,
        "fire_per_s": 2 * n / t_fire,
        "open_statements": open_stmts,
        "fire_statements": fire_stmts,
    }


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--cases", type=int, default=300)
    p.add_argument("--postgres", default="")
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as d:
        backends = {"sqlite": f"sqlite:///{Path(d) / 'bench.db'}"}
        if args.postgres:
            backends["postgresql"] = args.postgres
        for name, url in backends.items():
            r = run(url, args.cases)
            print(
                f"{name:<10} open {r['open_per_s']:7.1f} cases/s "
                f"({r['open_statements']:.1f} SQL each)   "
                f"fire {r['fire_per_s']:7.1f} transitions/s ({r['fire_statements']:.1f} SQL each)"
            )


if __name__ == "__main__":
    main()
