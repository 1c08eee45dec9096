"""document numbers per GB/T 9704: each unit's 发文机关代字, one sequence per kind where a unit marks kinds

A document number is 机关代字 + 〔年份〕 + 序号 + 号 (穗工〔2026〕3号), or with the kind's marker
after the 代字 where the unit uses one (天工提〔2026〕1号): no Latin code, no "第", no padding.
``org_units.doc_abbr`` is the unit's 代字 (set by admins), ``doc_kind_marker`` whether it marks
kinds; ``document_counters`` gains the marker to its key, so a unit that marks kinds counts each
kind on its own and one that does not counts all its documents in one yearly sequence. Numbers
already issued keep their value (their counters keep the empty marker).

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-22 05:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMN: org_units is referenced by most tables, so it is never rebuilt.
    op.add_column("org_units", sa.Column("doc_abbr", sa.String(length=16), nullable=True))
    op.add_column(
        "org_units",
        sa.Column("doc_kind_marker", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    with op.batch_alter_table("document_counters", recreate="always") as batch:
        batch.add_column(
            sa.Column("marker", sa.String(length=8), nullable=False, server_default="")
        )
        batch.drop_constraint("pk_document_counters", type_="primary")
        batch.create_primary_key("pk_document_counters", ["issuer_unit_id", "year", "marker"])


def downgrade() -> None:
    # Counters of marked kinds fold back into one per unit and year: the highest number stands.
    bind = op.get_bind()
    rows = bind.execute(
        sa.text(
            "SELECT issuer_unit_id, year, MAX(last) FROM document_counters "
            "GROUP BY issuer_unit_id, year"
        )
    ).all()
    bind.execute(sa.text("DELETE FROM document_counters"))
    with op.batch_alter_table("document_counters", recreate="always") as batch:
        batch.drop_constraint("pk_document_counters", type_="primary")
        batch.drop_column("marker")
        batch.create_primary_key("pk_document_counters", ["issuer_unit_id", "year"])
    for unit_id, year, last in rows:
        bind.execute(
            sa.text(
                "INSERT INTO document_counters (issuer_unit_id, year, last) VALUES (:u, :y, :n)"
            ),
            {"u": unit_id, "y": year, "n": last},
        )
    # DROP COLUMN in place (PostgreSQL, SQLite >= 3.35): org_units cannot be rebuilt under the
    # foreign keys that point at it.
    op.execute("ALTER TABLE org_units DROP COLUMN doc_kind_marker")
    op.execute("ALTER TABLE org_units DROP COLUMN doc_abbr")
