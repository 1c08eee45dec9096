"""Bulk rows for benchmarks and the concurrency test (PostgreSQL, generate_series).

Creates hotline work orders at one unit, each with a running 'dispatch' handling clock
(escalate on expiry): ``due`` of them already due at ``now``, the rest due a year later.
Rows are written straight in SQL, as the engine itself would leave them, minus history.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine, text

CITATION = "12351 职工服务热线分级主办要求（可配置）"


def seed_work_orders(
    engine: Engine, *, unit_id: int, total: int, due: int, now: dt.datetime, tag: str
) -> None:
    past = now - dt.timedelta(hours=1)
    future = now + dt.timedelta(days=365)
    with engine.begin() as conn:
        conn.execute(
            text("""
            INSERT INTO cases (ref, workflow, state, org_unit_id, origin_org_unit_id,
                               worker_count, channel, summary, complexity, collective,
                               mass_incident, attributes, escalation_level, event_seq,
                               last_hash, version, created_at, updated_at, next_due_at)
            SELECT 'B' || :tag || '-' || lpad(g::text, 8, '0'), 'hotline', 'registered',
                   :unit, :unit, 1, 'hotline', '', 'normal', false, false, '{}'::jsonb, 0, 0,
                   '', 1, :now, :now,
                   CASE WHEN g <= :due THEN CAST(:past AS timestamptz)
                        ELSE CAST(:future AS timestamptz) END
            FROM generate_series(1, :total) AS g
        """),
            {
                "tag": tag,
                "unit": unit_id,
                "now": now,
                "due": due,
                "past": past,
                "future": future,
                "total": total,
            },
        )
        conn.execute(
            text("""
            INSERT INTO deadlines (case_id, rule, kind, unit, days, citation, on_expiry,
                                   entry_seq, org_unit_id, started_on, due_on, due_at,
                                   paused_days, extended_days, calendar_verified, status,
                                   version, created_at)
            SELECT id, 'dispatch', 'handling', 'working', 1, :citation, 'escalate', 0, :unit,
                   CAST(:today AS date),
                   CAST(next_due_at AT TIME ZONE 'Asia/Shanghai' AS date), next_due_at,
                   0, 0, true, 'running', 1, :now
            FROM cases WHERE ref LIKE 'B' || :tag || '-%'
        """),
            {"citation": CITATION, "unit": unit_id, "today": now.date(), "now": now, "tag": tag},
        )
        conn.execute(text("ANALYZE cases; ANALYZE deadlines"))
