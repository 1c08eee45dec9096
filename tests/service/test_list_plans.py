"""The supervisor lists stay fast at a million cases because each walks its own index: the
overdue list the open cases' due-time index, the case list its (created_at, id) index, the
escalation inbox its (open, newest) index; the cases and units are joined for the page's rows
only. Checked with PostgreSQL's EXPLAIN on a seeded table (the planner's choice depends on the
data, so the table is large enough for a wrong plan to be visibly worse)."""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import event

from casework.cases.queries import cases
from casework.escalation.queries import inbox
from tests.conftest import ROOT

sys.path.insert(0, str(ROOT / "bench"))
from seeding import seed_case_lists  # noqa: E402

NOW = dt.datetime(2026, 6, 1, 1, 0, tzinfo=dt.UTC)
ROWS = 100_000


@contextmanager
def _selects(engine) -> Iterator[list[tuple[str, object]]]:
    seen: list[tuple[str, object]] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def _plans(rt, run) -> list[tuple[str, dict]]:
    """Run ``run`` and EXPLAIN every SELECT it sent, with its parameters."""
    with _selects(rt.engine) as seen:
        result = run()
    out = []
    with rt.engine.connect() as conn:
        for statement, parameters in seen:
            raw = conn.exec_driver_sql("EXPLAIN (FORMAT JSON) " + statement, parameters).scalar()
            out.append((statement, (raw if isinstance(raw, list) else json.loads(raw))[0]["Plan"]))
    return result, out


def _nodes(plan: dict) -> Iterator[dict]:
    yield plan
    for child in plan.get("Plans", []):
        yield from _nodes(child)


def _indexes(plan: dict) -> set[str]:
    return {n["Index Name"] for n in _nodes(plan) if "Index Name" in n}


def _scanned_tables(plan: dict) -> set[str]:
    """Tables read row by row (a sequential scan reads them whole)."""
    return {n["Relation Name"] for n in _nodes(plan) if n["Node Type"] == "Seq Scan"}


@pytest.fixture
def seeded(rt, demo):
    if rt.engine.dialect.name != "postgresql":
        pytest.skip("query plans are PostgreSQL's (EXPLAIN); SQLite runs the same statements")
    return seed_case_lists(rt.engine, total=ROWS, now=NOW, tag="plan")


def test_the_overdue_list_walks_the_open_cases_due_time_index(rt, demo, seeded):
    city = demo.actor("supervisor.guangzhou")
    page, plans = _plans(rt, lambda: cases(rt.reader(), actor=city, overdue=True, now=NOW))
    assert len(page.items) == 20 and page.next_cursor and page.total > 20
    dues = [item["next_due_at"] for item in page.items]
    assert dues == sorted(dues)  # most overdue first
    count, rows = plans
    assert "ix_cases_open_next_due_at" in _indexes(count[1]), count
    assert "cases" not in _scanned_tables(count[1])
    assert "ix_cases_open_next_due_at" in _indexes(rows[1]), rows
    assert "cases" not in _scanned_tables(rows[1])
    # The next page by cursor walks the same index from where the first one stopped.
    nxt, plans = _plans(
        rt,
        lambda: cases(rt.reader(), actor=city, overdue=True, cursor=page.next_cursor, now=NOW),
    )
    assert nxt.items[0]["next_due_at"] >= dues[-1]
    assert not {i["id"] for i in nxt.items} & {i["id"] for i in page.items}
    assert "ix_cases_open_next_due_at" in _indexes(plans[1][1])


def test_the_case_list_walks_its_newest_first_index(rt, demo, seeded):
    city = demo.actor("supervisor.guangzhou")
    page, (count, rows) = _plans(rt, lambda: cases(rt.reader(), actor=city, now=NOW))
    assert len(page.items) == 20
    assert "ix_cases_created_at_id" in _indexes(rows[1]), rows
    assert "cases" not in _scanned_tables(rows[1])


def test_the_escalation_inbox_walks_its_open_then_newest_index(rt, demo, seeded):
    city = demo.actor("supervisor.guangzhou")
    page, plans = _plans(rt, lambda: inbox(rt.reader(), actor=city))
    assert len(page.items) == 20 and page.next_cursor
    assert all(item["open"] for item in page.items)
    rows = plans[1]
    assert "ix_escalations_case_open_created_at_id" in _indexes(rows[1]), rows
    assert not _scanned_tables(rows[1]) & {"cases", "escalations"}
