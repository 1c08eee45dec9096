"""login throttle per account: login_failures records the account tried

Failures were counted per client address only, so behind a reverse proxy (one address for a
whole call centre) one operator's typos locked out everyone. Each failure now also names the
account tried (the normalised username, whether it exists or not; never the password).

Rows written before this revision get the empty account: they still count against their
client and never against an account.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("login_failures", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("account", sa.String(length=80), nullable=False, server_default="")
        )
    # The default only filled the existing rows; new rows always name their account.
    with op.batch_alter_table("login_failures", schema=None) as batch_op:
        batch_op.alter_column("account", server_default=None)
        batch_op.create_index("ix_login_failures_account_at", ["account", "at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("login_failures", schema=None) as batch_op:
        batch_op.drop_index("ix_login_failures_account_at")
        batch_op.drop_column("account")
