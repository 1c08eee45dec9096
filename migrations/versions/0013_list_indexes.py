"""indexes for lists that stay fast at a million cases

The case list pages newest first by ``(created_at, id)``; the overdue list pages open cases by
``(next_due_at, id)`` from a partial index that also holds the two units the visibility filter
reads (it replaces the plain ``next_due_at`` index, which only that list used); the escalation inbox keeps whether the case is still open (``case_open``, set false when
the case closes) so that its order, open cases first and then newest first, is one index.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-25 05:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN = sa.text("closed_at IS NULL")


def upgrade() -> None:
    op.drop_index("ix_cases_created_at", table_name="cases")
    op.drop_index("ix_cases_next_due_at", table_name="cases")
    op.create_index("ix_cases_created_at_id", "cases", ["created_at", "id"])
    op.create_index(
        "ix_cases_open_next_due_at",
        "cases",
        ["next_due_at", "id", "org_unit_id", "origin_org_unit_id"],
        postgresql_where=OPEN,
        sqlite_where=OPEN,
    )
    # Plain ADD COLUMN (no table rebuild): every existing row starts open, then closed cases'
    # escalations are marked.
    op.add_column(
        "escalations",
        sa.Column("case_open", sa.Boolean(), nullable=False, server_default=sa.true()),
    )
    op.execute(
        "UPDATE escalations SET case_open = false WHERE case_id IN "
        "(SELECT id FROM cases WHERE closed_at IS NOT NULL)"
    )
    op.create_index(
        "ix_escalations_case_open_created_at_id",
        "escalations",
        ["case_open", "created_at", "id"],
    )


def downgrade() -> None:
    op.drop_index("ix_escalations_case_open_created_at_id", table_name="escalations")
    with op.batch_alter_table("escalations") as batch:
        batch.drop_column("case_open")
    op.drop_index("ix_cases_open_next_due_at", table_name="cases")
    op.create_index("ix_cases_next_due_at", "cases", ["next_due_at"])
    op.drop_index("ix_cases_created_at_id", table_name="cases")
    op.create_index("ix_cases_created_at", "cases", ["created_at"])
