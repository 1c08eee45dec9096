"""employer moves: an employer placed under another union body, recorded

Routing (服务下沉) follows the union body an employer is placed under. An admin, or a supervisor
whose part of the tree holds both the old and the new unit, may move an employer; each move is
one row here (who, from, to, when, the reason given), so the place an employer had when an old
case was routed can be read back. Ids, the mover's login name and the reason only.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-24 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "employer_moves",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("employer_id", sa.Integer(), nullable=False),
        sa.Column("from_unit_id", sa.Integer(), nullable=False),
        sa.Column("to_unit_id", sa.Integer(), nullable=False),
        sa.Column("by_user_id", sa.Integer(), nullable=True),
        sa.Column("actor", sa.String(length=80), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["employer_id"],
            ["employers.id"],
            name=op.f("fk_employer_moves_employer_id_employers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["from_unit_id"],
            ["org_units.id"],
            name=op.f("fk_employer_moves_from_unit_id_org_units"),
        ),
        sa.ForeignKeyConstraint(
            ["to_unit_id"], ["org_units.id"], name=op.f("fk_employer_moves_to_unit_id_org_units")
        ),
        sa.ForeignKeyConstraint(
            ["by_user_id"], ["users.id"], name=op.f("fk_employer_moves_by_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_employer_moves")),
    )
    op.create_index(
        "ix_employer_moves_employer_id_at", "employer_moves", ["employer_id", "at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_employer_moves_employer_id_at", table_name="employer_moves")
    op.drop_table("employer_moves")
