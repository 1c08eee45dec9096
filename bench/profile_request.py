"""Where one request's time goes, in-process: cProfile over a few hundred requests through the
app (Flask's test client, no gunicorn), on PostgreSQL, after the same setup as throughput.py.

    .venv/bin/python bench/profile_request.py \
        --postgres postgresql+psycopg://postgres@127.0.0.1:5432/bench \
        [--what detail|transition|intake] [--requests 300] [--sort tottime|cumulative] [--top 40]

Prints the wall time per request with and without the profiler, the share spent waiting on
the database (time inside the driver's execute), and the profile's top functions.
DROPS the database's public schema: point it at a scratch database.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import logging
import pstats
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from sqlalchemy import event  # noqa: E402
from throughput import CREDIT, _env, _setup  # noqa: E402

from api.app import create_app  # noqa: E402


def _requests(client, what: str, token: str, ids: list[int]):
    auth = {"Authorization": f"Bearer {token}"}
    for i, case_id in enumerate(ids):
        if what == "detail":
            r = client.get(f"/api/v1/cases/{case_id}", headers=auth)
        elif what == "transition":
            r = client.post(
                f"/api/v1/cases/{case_id}/transitions",
                headers={**auth, "If-Match": '"2"'},
                json={"trigger": "verify", "data": {"months_in_arrears": 2}},
            )
        else:
            r = client.post(
                "/api/v1/intakes",
                headers=auth,
                json={
                    "caller": {"name": "王五", "phone": f"1371{i:07d}"},
                    "employer": {"name": "广州市某建筑劳务有限公司", "credit_code": CREDIT},
                    "category": "wage_arrears",
                    "worker_count": 1,
                    "description": "欠薪",
                },
            )
        assert r.status_code < 300, r.get_data(as_text=True)


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--postgres", required=True)
    p.add_argument("--what", choices=("detail", "transition", "intake"), default="transition")
    p.add_argument("--requests", type=int, default=300)
    p.add_argument("--sort", default="tottime")
    p.add_argument("--top", type=int, default=40)
    args = p.parse_args()
    n = args.requests
    rt, tokens, ids = _setup(_env(args.postgres), 2 * n + 20)
    app = create_app(runtime=rt)
    logging.getLogger("casework.request").disabled = True
    client = app.test_client()
    token = tokens["hotline" if args.what == "intake" else "supervisor.tianhe"]
    _requests(client, args.what, token, ids[:20])  # warm: caches, prepared statements
    waited = [0.0]
    started = {}

    def before(conn, cursor, statement, parameters, context, executemany):
        started[id(cursor)] = time.perf_counter()

    def after(conn, cursor, statement, parameters, context, executemany):
        waited[0] += time.perf_counter() - started.pop(id(cursor), time.perf_counter())

    event.listen(rt.engine, "before_cursor_execute", before)
    event.listen(rt.engine, "after_cursor_execute", after)
    plain = ids[20 : 20 + n]
    t0 = time.perf_counter()
    _requests(client, args.what, token, plain)
    wall = (time.perf_counter() - t0) / n
    db = waited[0] / n
    print(
        f"{args.what}: {wall * 1000:.2f} ms per request without the profiler, of which "
        f"{db * 1000:.2f} ms in the driver's execute ({db / wall:.0%})"
    )
    event.remove(rt.engine, "before_cursor_execute", before)
    event.remove(rt.engine, "after_cursor_execute", after)
    prof = cProfile.Profile()
    t0 = time.perf_counter()
    prof.enable()
    _requests(client, args.what, token, ids[20 + n : 20 + 2 * n])
    prof.disable()
    print(f"with the profiler: {(time.perf_counter() - t0) / n * 1000:.2f} ms per request")
    out = io.StringIO()
    pstats.Stats(prof, stream=out).sort_stats(args.sort).print_stats(args.top)
    print(out.getvalue())
    rt.dispose()


if __name__ == "__main__":
    main()
