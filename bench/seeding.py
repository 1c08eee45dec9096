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


# Units outside the city supervisor's subtree, so that the lists' visibility filter has rows to
# leave out: another city of the province with a district.
OTHER_UNITS = [("SZ", "深圳市总工会", "city", "GD"), ("SZ-FT", "福田区总工会", "county", "SZ")]


def _ensure_units(conn) -> list[int]:
    for code, name, level, parent in OTHER_UNITS:
        conn.execute(
            text("""
            INSERT INTO org_units (code, name, level, parent_id, path, depth, created_at,
                                   doc_kind_marker)
            SELECT :code, :name, :level, p.id, p.path, p.depth + 1, now(), false
            FROM org_units p WHERE p.code = :parent
            ON CONFLICT (code) DO NOTHING
        """),
            {"code": code, "name": name, "level": level, "parent": parent},
        )
        conn.execute(
            text(
                "UPDATE org_units SET path = path || id || '/' "
                "WHERE code = :code AND path NOT LIKE '%/' || id || '/'"
            ),
            {"code": code},
        )
    return list(
        conn.execute(
            text("SELECT id FROM org_units WHERE level <> 'province' ORDER BY id")
        ).scalars()
    )


def seed_case_lists(engine: Engine, *, total: int, now: dt.datetime, tag: str) -> dict[str, int]:
    """``total`` hotline cases spread over every unit below the province (the demo's city and its
    districts, and another city): 4.5% open and overdue (up to 4 days), 10% closed, the rest due
    within 30 days; one in twenty escalated to its unit's parent (an escalation of a closed case
    is no longer open). Created over the year before ``now``. Returns the rows written."""
    with engine.begin() as conn:
        units = _ensure_units(conn)
        conn.execute(
            text("""
            INSERT INTO cases (ref, workflow, state, org_unit_id, origin_org_unit_id,
                               worker_count, channel, summary, complexity, collective,
                               mass_incident, attributes, escalation_level, event_seq,
                               last_hash, version, created_at, updated_at, next_due_at,
                               closed_at)
            SELECT 'L' || :tag || '-' || lpad(g::text, 8, '0'), 'hotline',
                   CASE WHEN g % 10 = 3 THEN 'closed' ELSE 'dispatched' END,
                   u, u, 1, 'hotline', '', 'normal', false, false, '{}'::jsonb, 0, 0, '', 1,
                   created, created,
                   CASE WHEN g % 1000 < 45
                        THEN CAST(:now AS timestamptz)
                             - make_interval(mins => CAST((g * 7919) % 5760 + 1 AS int))
                        ELSE CAST(:now AS timestamptz)
                             + make_interval(mins => CAST((g * 7919) % 43200 + 1 AS int)) END,
                   CASE WHEN g % 10 = 3 THEN CAST(:now AS timestamptz) ELSE NULL END
            FROM generate_series(CAST(1 AS bigint), CAST(:total AS bigint)) AS g,
                 LATERAL (SELECT (CAST(:units AS int[]))[CAST(1 + (g * 31) % :n AS int)] AS u,
                                 CAST(:now AS timestamptz)
                                 - make_interval(secs => (:total - g) * 31536000.0 / :total)
                                 AS created) AS x
        """),
            {"tag": tag, "now": now, "total": total, "units": units, "n": len(units)},
        )
        conn.execute(
            text("""
            INSERT INTO escalations (case_id, entry_seq, from_unit_id, to_unit_id, from_level,
                                     reason, comment, at_ceiling, actor, created_at, case_open)
            SELECT c.id, 0, c.org_unit_id, u.parent_id, 0, 'deadline_expired', '', false,
                   'system', c.created_at + interval '1 day', c.closed_at IS NULL
            FROM cases c JOIN org_units u ON u.id = c.org_unit_id
            WHERE c.ref LIKE 'L' || :tag || '-%' AND c.id % 20 = 0 AND u.parent_id IS NOT NULL
        """),
            {"tag": tag},
        )
        counts = {
            "cases": conn.execute(text("SELECT count(*) FROM cases")).scalar_one(),
            "escalations": conn.execute(text("SELECT count(*) FROM escalations")).scalar_one(),
        }
    # Index-only scans need the visibility map: what autovacuum does on a live database.
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE cases"))
        conn.execute(text("VACUUM ANALYZE escalations"))
        conn.execute(text("ANALYZE org_units"))
    return counts
