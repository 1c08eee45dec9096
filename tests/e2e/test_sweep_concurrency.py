"""Exactly-once under concurrency, on PostgreSQL: several sweeping processes at once, and a
sweeper killed with SIGKILL mid-batch."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from casework.models import Case, DeadlineAction, Escalation
from tests.conftest import ROOT, subprocess_env

sys.path.insert(0, str(ROOT / "bench"))
from seeding import seed_work_orders  # noqa: E402

CLI = str(Path(sys.executable).parent / "casework")
NOW = "2026-06-01T09:00:00+08:00"


def _pg_only(rt):
    if rt.engine.dialect.name != "postgresql":
        pytest.skip(
            "FOR UPDATE SKIP LOCKED across processes is the PostgreSQL path; "
            "SQLite serialises sweepers (covered by test_the_same_clock_is_never_acted_on_twice)"
        )


def _sweeper(db_url, batch):
    return subprocess.Popen(
        [CLI, "sweep", "--now", NOW, "--batch", str(batch)],
        env=subprocess_env(db_url),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _stop(procs: list[subprocess.Popen]) -> None:
    for p in procs:
        if p.poll() is None:
            p.kill()
            p.wait(timeout=30)


def _counts(rt):
    with rt.reader() as uow:
        s = uow.session
        actions = s.scalar(
            select(func.count())
            .select_from(DeadlineAction)
            .where(DeadlineAction.action == "expire")
        )
        distinct = s.scalar(
            select(func.count(func.distinct(DeadlineAction.deadline_id))).where(
                DeadlineAction.action == "expire"
            )
        )
        escalations = s.scalar(select(func.count()).select_from(Escalation))
        lifted = s.scalar(select(func.count()).select_from(Case).where(Case.escalation_level == 1))
        twice = s.scalar(select(func.count()).select_from(Case).where(Case.escalation_level > 1))
    return actions, distinct, escalations, lifted, twice


@pytest.mark.timeout(900)  # ~90 s quiet; a loaded 2-core machine can take several times that
def test_four_sweepers_at_once_handle_10000_due_clocks_exactly_once(rt, demo, db_url):
    _pg_only(rt)
    now = dt.datetime.fromisoformat(NOW)
    seed_work_orders(
        rt.engine, unit_id=demo.unit("TH-SP-ACME").id, total=10_000, due=10_000, now=now, tag="c4"
    )
    started = time.monotonic()
    procs = [_sweeper(db_url, 100) for _ in range(4)]
    try:
        outputs = [p.communicate(timeout=850)[0] for p in procs]
    finally:
        _stop(procs)  # never leave a sweeper holding rows the next test's clean-up must delete
    elapsed = time.monotonic() - started
    assert all(p.returncode == 0 for p in procs), outputs
    actions, distinct, escalations, lifted, twice = _counts(rt)
    assert (actions, distinct, escalations, lifted, twice) == (10_000, 10_000, 10_000, 10_000, 0)
    # every process did a share (they really ran at the same time)
    shares = [int(o.split(" expired")[0].rsplit(":", 1)[1]) for o in outputs]
    assert sum(shares) == 10_000 and sum(1 for s in shares if s > 0) >= 2, shares
    print(f"4 sweepers, 10,000 clocks: {elapsed:.1f}s, shares {shares}")
    # The set-based sweep chained every event as record() would: the history verifies.
    audit = subprocess.run(
        [CLI, "audit", "verify"],
        env=subprocess_env(db_url),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert audit.returncode == 0, audit.stdout + audit.stderr


@pytest.mark.timeout(900)
def test_a_sweeper_killed_mid_batch_loses_nothing(rt, demo, db_url):
    _pg_only(rt)
    now = dt.datetime.fromisoformat(NOW)
    # Enough batches that the kill lands mid-run even when a batch takes a fraction of a second.
    total, batch = 10_000, 500
    seed_work_orders(
        rt.engine, unit_id=demo.unit("TH-SP-ACME").id, total=total, due=total, now=now, tag="k9"
    )
    proc = _sweeper(db_url, batch)
    try:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and _counts(rt)[0] < batch:
            time.sleep(0.05)
        os.kill(proc.pid, signal.SIGKILL)  # now inside its second batch
        proc.wait(timeout=30)
    finally:
        _stop([proc])
    done_before = _counts(rt)[0]
    assert 0 < done_before < total and done_before % batch == 0  # no partial batch was committed
    with rt.engine.connect() as conn:  # the killed transaction's locks are gone
        assert (
            conn.execute(text("SELECT count(*) FROM pg_locks WHERE locktype = 'tuple'")).scalar()
            == 0
        )
    rest = subprocess.run(
        [CLI, "sweep", "--now", NOW],
        env=subprocess_env(db_url),
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert rest.returncode == 0, rest.stdout + rest.stderr
    assert _counts(rt) == (total, total, total, total, 0)
    audit = subprocess.run(
        [CLI, "audit", "verify"], env=subprocess_env(db_url), capture_output=True, text=True
    )
    assert audit.returncode == 0, audit.stdout + audit.stderr
