"""keyed history: case_events.key_id names the HMAC key that signed each event

Events written before (key_id NULL) keep their plain SHA-256 chain and still verify as legacy;
``casework init`` re-signs them with CASEWORK_HISTORY_KEY right after this upgrade, once each
chain has verified (a broken one is refused and left as it is). Downgrading drops the column:
the code before keys then reports every re-signed chain as altered.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("case_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("key_id", sa.String(length=8), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("case_events", schema=None) as batch_op:
        batch_op.drop_column("key_id")
