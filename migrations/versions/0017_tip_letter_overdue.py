"""area-wide 提示函: when the sweep checked its replies after the reply date

``tip_letters.replies_checked_at`` is set by the sweep once the letter's reply date has passed,
when it tells the issuing unit's supervisors which recipients have not answered (if any); a
partial index on ``reply_due`` over the letters not yet checked keeps that look-up small. Letters
already past their reply date at the upgrade count as checked.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-12 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UNCHECKED = sa.text("replies_checked_at IS NULL")


def upgrade() -> None:
    op.add_column(
        "tip_letters", sa.Column("replies_checked_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.create_index(
        "ix_tip_letters_reply_due_unchecked",
        "tip_letters",
        ["reply_due"],
        postgresql_where=UNCHECKED,
        sqlite_where=UNCHECKED,
    )
    # Letters already past their reply date count as checked: their overdue recipients already
    # show on the lists, and a burst of notices about old letters on the day of the upgrade
    # would bury the new ones.
    op.execute(
        "UPDATE tip_letters SET replies_checked_at = CURRENT_TIMESTAMP "
        "WHERE reply_due < CURRENT_DATE"
    )


def downgrade() -> None:
    op.drop_index("ix_tip_letters_reply_due_unchecked", table_name="tip_letters")
    with op.batch_alter_table("tip_letters") as batch:
        batch.drop_column("replies_checked_at")
