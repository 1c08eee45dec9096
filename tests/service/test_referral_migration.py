"""Migration 0010 (the referral ledger) goes up and down on both backends, and back up again."""

from __future__ import annotations

from alembic import command
from sqlalchemy import inspect

from casework.core.migrate import alembic_config, current_revision, upgrade
from tests.service.test_migrations import scratch  # noqa: F401 - the fixture


def _downgrade(engine, revision):
    cfg = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, revision)


def test_0010_creates_and_drops_the_referrals_table(scratch):  # noqa: F811
    upgrade(scratch, "0010")
    tables = set(inspect(scratch).get_table_names())
    assert "referrals" in tables
    indexes = {i["name"] for i in inspect(scratch).get_indexes("referrals")}
    assert {"ix_referrals_org_unit_id_sent_on", "ix_referrals_chase_at"} <= indexes
    _downgrade(scratch, "0009")
    assert current_revision(scratch) == "0009"
    assert "referrals" not in set(inspect(scratch).get_table_names())
    upgrade(scratch)
    assert "referrals" in set(inspect(scratch).get_table_names())
