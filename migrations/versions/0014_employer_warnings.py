"""labour-relations early warning: rules, warnings, the employer's own hash-chained history

``warning_rules`` holds an administrator's settings over the defaults of the settings file;
``employer_warnings`` one warning per employer, rule and basis (unique, so the incremental path
and the nightly reconciliation never raise one twice), with its level, disposition clock and
disposition; ``employer_events`` the employer's history, chained like the case history, whose
tail is kept on the employer row. An index lets the rules count one employer's calls and cases
in a window without reading anyone else's.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
LEVELS = "level IN ('blue', 'yellow', 'orange', 'red')"


def upgrade() -> None:
    # Plain ADD COLUMN: employers is referenced by cases, so it is never rebuilt.
    op.add_column(
        "employers", sa.Column("event_seq", sa.Integer(), nullable=False, server_default="0")
    )
    op.add_column(
        "employers", sa.Column("last_hash", sa.String(length=64), nullable=False, server_default="")
    )
    op.create_index(
        "ix_cases_employer_id_workflow_created_at",
        "cases",
        ["employer_id", "workflow", "created_at"],
        unique=False,
    )
    op.create_table(
        "employer_events",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("employer_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor", sa.String(length=80), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("data", JSON, nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("key_id", sa.String(length=8), nullable=True),
        sa.ForeignKeyConstraint(
            ["employer_id"],
            ["employers.id"],
            name=op.f("fk_employer_events_employer_id_employers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["users.id"], name=op.f("fk_employer_events_actor_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_employer_events")),
        sa.UniqueConstraint("employer_id", "seq", name=op.f("uq_employer_events_employer_id_seq")),
    )
    op.create_table(
        "warning_rules",
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("level", sa.String(length=8), nullable=False),
        sa.Column("params", JSON, nullable=False),
        sa.Column("updated_by", sa.String(length=80), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(LEVELS, name=op.f("ck_warning_rules_level_known")),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_warning_rules")),
    )
    op.create_table(
        "employer_warnings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("employer_id", sa.Integer(), nullable=False),
        sa.Column("rule", sa.String(length=32), nullable=False),
        sa.Column("basis", sa.String(length=64), nullable=False),
        sa.Column("level", sa.String(length=8), nullable=False),
        sa.Column("raised_level", sa.String(length=8), nullable=False),
        sa.Column("org_unit_id", sa.Integer(), nullable=False),
        sa.Column("evidence", JSON, nullable=False),
        sa.Column("raised_by", sa.String(length=16), nullable=False),
        sa.Column("raised_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("escalations", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("disposition", sa.String(length=32), nullable=True),
        sa.Column("disposition_note", sa.Text(), nullable=True),
        sa.Column("disposed_by", sa.String(length=80), nullable=True),
        sa.Column("disposed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("disposed_on_time", sa.Boolean(), nullable=True),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(LEVELS, name=op.f("ck_employer_warnings_level_known")),
        sa.CheckConstraint(
            "status IN ('open', 'disposed')", name=op.f("ck_employer_warnings_status_known")
        ),
        sa.ForeignKeyConstraint(
            ["employer_id"],
            ["employers.id"],
            name=op.f("fk_employer_warnings_employer_id_employers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["org_unit_id"],
            ["org_units.id"],
            name=op.f("fk_employer_warnings_org_unit_id_org_units"),
        ),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_employer_warnings_case_id_cases"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_employer_warnings")),
        sa.UniqueConstraint(
            "employer_id", "rule", "basis", name=op.f("uq_employer_warnings_employer_id_rule_basis")
        ),
    )
    op.create_index("ix_employer_warnings_status_due_at", "employer_warnings", ["status", "due_at"])
    op.create_index(
        "ix_employer_warnings_org_unit_id_status", "employer_warnings", ["org_unit_id", "status"]
    )
    op.create_index(
        "ix_employer_warnings_employer_id_rule_raised_at",
        "employer_warnings",
        ["employer_id", "rule", "raised_at"],
    )
    op.create_index("ix_employer_warnings_raised_at", "employer_warnings", ["raised_at"])


def downgrade() -> None:
    op.drop_index("ix_employer_warnings_raised_at", table_name="employer_warnings")
    op.drop_index("ix_employer_warnings_employer_id_rule_raised_at", table_name="employer_warnings")
    op.drop_index("ix_employer_warnings_org_unit_id_status", table_name="employer_warnings")
    op.drop_index("ix_employer_warnings_status_due_at", table_name="employer_warnings")
    op.drop_table("employer_warnings")
    op.drop_table("warning_rules")
    op.drop_table("employer_events")
    op.drop_index("ix_cases_employer_id_workflow_created_at", table_name="cases")
    # DROP COLUMN in place (PostgreSQL, SQLite >= 3.35): employers cannot be rebuilt under the
    # foreign keys that point at it.
    op.execute("ALTER TABLE employers DROP COLUMN last_hash")
    op.execute("ALTER TABLE employers DROP COLUMN event_seq")
