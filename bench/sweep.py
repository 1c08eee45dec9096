"""Sweep cost against open cases: the sweep must scale with what is due, not with what is open.

    .venv/bin/python bench/sweep.py --postgres postgresql+psycopg://postgres@127.0.0.1:5432/test \
        [--open 10000 100000 1000000] [--due 100 10000]

For each N open cases (each with a running clock due in a year) and M due clocks, times one
`sweep()` pass that escalates the M due ones, and prints t(N=max)/t(N=min) at equal M (budget:
<= 2). Also prints the plan of the claim query at the largest N. DROPS the database's public
schema: point it at a scratch database.
"""

from __future__ import annotations

import argparse
import datetime as dt
import secrets
import time

from cryptography.fernet import Fernet
from seeding import seed_work_orders
from sqlalchemy import text

from casework.clocks.calendar import seed_from_package
from casework.core.migrate import upgrade
from casework.core.settings import load_settings
from casework.demo import load_demo
from casework.escalation.sweep import sweep
from casework.models import OrgUnit
from casework.runtime import build_runtime

NOW = dt.datetime(2026, 6, 1, 1, 0, tzinfo=dt.UTC)


def fresh(url: str):
    env = {
        "CASEWORK_DATABASE_URL": url,
        "CASEWORK_FERNET_KEY": Fernet.generate_key().decode(),
        "CASEWORK_BLIND_INDEX_KEY": secrets.token_hex(32),
    }
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
    return rt, unit


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--postgres", required=True)
    p.add_argument("--open", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    p.add_argument("--due", type=int, nargs="+", default=[100, 10_000])
    args = p.parse_args()
    results: dict[tuple[int, int], float] = {}
    plan = ""
    for n in args.open:
        rt, unit = fresh(args.postgres)
        t0 = time.perf_counter()
        seed_work_orders(rt.engine, unit_id=unit, total=n, due=0, now=NOW, tag="open")
        print(f"N={n:>9,}: seeded in {time.perf_counter() - t0:.1f}s", flush=True)
        for i, m in enumerate(args.due):
            seed_work_orders(rt.engine, unit_id=unit, total=m, due=m, now=NOW, tag=f"due{i}")
            if n == max(args.open) and i == 0:
                with rt.engine.connect() as c:
                    plan = "\n".join(
                        r[0]
                        for r in c.execute(
                            text(
                                "EXPLAIN ANALYZE SELECT id FROM deadlines "
                                "WHERE status = 'running' AND due_at <= :now "
                                "ORDER BY due_at, id LIMIT 100 FOR UPDATE SKIP LOCKED"
                            ),
                            {"now": NOW},
                        )
                    )
            t0 = time.perf_counter()
            report = sweep(rt, now=NOW)
            t = time.perf_counter() - t0
            assert report.expired == m, report.as_dict()
            results[(n, m)] = t
            print(f"  M={m:>6,} due: sweep {t:8.3f}s  ({m / t:,.0f} clocks/s)", flush=True)
        rt.dispose()
    lo, hi = min(args.open), max(args.open)
    for m in args.due:
        ratio = results[(hi, m)] / results[(lo, m)]
        print(
            f"t(N={hi:,})/t(N={lo:,}) at M={m:,}: {ratio:.2f}  "
            f"{'OK' if ratio <= 2 else 'OVER BUDGET (> 2)'}"
        )
    print(f"\nclaim query plan at N={hi:,}:\n{plan}")


if __name__ == "__main__":
    main()
