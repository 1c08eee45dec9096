"""employer profile: industry, staff, union members, projects; warning-rule changes recorded

``employers`` gains what the dossier shows about the employer itself: its industry (a 门类 of
GB/T 4754-2017), its staff count and its union's membership (``has_union`` already says
whether it has one). ``projects`` and ``project_parties`` link employers in one construction
project as 建设单位 / 总承包 / 分包 (a subcontractor may name the party it works for).
``warning_rule_changes`` records every administrator's change of an early-warning rule (who,
when, before and after); ``warning_rules`` keeps only the effective setting.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-10 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
ROLES = "role IN ('builder', 'general_contractor', 'subcontractor')"


def upgrade() -> None:
    # Plain ADD COLUMN: employers is referenced by cases, so it is never rebuilt.
    op.add_column("employers", sa.Column("industry", sa.String(length=1), nullable=True))
    op.add_column("employers", sa.Column("staff_count", sa.Integer(), nullable=True))
    op.add_column("employers", sa.Column("union_members", sa.Integer(), nullable=True))
    op.create_table(
        "projects",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("location", sa.String(length=200), nullable=False, server_default=""),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_projects")),
    )
    op.create_table(
        "project_parties",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("employer_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=24), nullable=False),
        sa.Column("contractor_id", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(ROLES, name=op.f("ck_project_parties_role_known")),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_project_parties_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["employer_id"],
            ["employers.id"],
            name=op.f("fk_project_parties_employer_id_employers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["contractor_id"],
            ["employers.id"],
            name=op.f("fk_project_parties_contractor_id_employers"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_project_parties")),
        sa.UniqueConstraint(
            "project_id",
            "employer_id",
            "role",
            name=op.f("uq_project_parties_project_id_employer_id_role"),
        ),
    )
    op.create_index("ix_project_parties_employer_id", "project_parties", ["employer_id"])
    op.create_table(
        "warning_rule_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("changed_by", sa.String(length=80), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("before", JSON, nullable=False),
        sa.Column("after", JSON, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_warning_rule_changes")),
    )
    op.create_index(
        "ix_warning_rule_changes_code_changed_at", "warning_rule_changes", ["code", "changed_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_warning_rule_changes_code_changed_at", table_name="warning_rule_changes")
    op.drop_table("warning_rule_changes")
    op.drop_index("ix_project_parties_employer_id", table_name="project_parties")
    op.drop_table("project_parties")
    op.drop_table("projects")
    # DROP COLUMN in place (PostgreSQL, SQLite >= 3.35): employers cannot be rebuilt under the
    # foreign keys that point at it.
    op.execute("ALTER TABLE employers DROP COLUMN union_members")
    op.execute("ALTER TABLE employers DROP COLUMN staff_count")
    op.execute("ALTER TABLE employers DROP COLUMN industry")
