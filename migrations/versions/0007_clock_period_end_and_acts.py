"""clocks keep their end as counted, why they are paused, and what an extension rests on

``period_end`` is the last day of a clock's period as counted (start + days + pauses +
extensions), before a rest day moved it to ``due_on``. A resume used to count the days left to
``due_on``, so the rest days a period had been moved over became days of the period; it now
counts them to ``period_end``. ``pause_reason`` says why a clock stands still (a user's reason,
or ``state:<state>`` when its rule pauses it); ``extension_basis`` (``parties_consent`` or
``officer_approval``) and ``extension_approver`` record the latest lawful extension.

Clocks written before this revision keep NULL in ``period_end`` and get it back from their parts
when read (casework.clocks.queries.period_end), so no row is rewritten.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BASES = "extension_basis IN ('parties_consent', 'officer_approval')"


def upgrade() -> None:
    with op.batch_alter_table("deadlines", schema=None) as batch_op:
        batch_op.add_column(sa.Column("period_end", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("pause_reason", sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column("extension_basis", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("extension_approver", sa.String(length=120), nullable=True))
        batch_op.create_check_constraint(op.f("ck_deadlines_extension_basis_known"), BASES)


def downgrade() -> None:
    with op.batch_alter_table("deadlines", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_deadlines_extension_basis_known"), type_="check")
        batch_op.drop_column("extension_approver")
        batch_op.drop_column("extension_basis")
        batch_op.drop_column("pause_reason")
        batch_op.drop_column("period_end")
