"""documents as real documents: drafts, the written title and body, and the hash of what was issued

A document is first a draft (``status = 'draft'``: no number, no issue time, its body editable)
and then issued (numbered, immutable). ``title`` and ``body`` keep what was written (the body
comes from the kind's template and may be edited while a draft), ``step_data`` the data given for
the workflow step it takes, ``content_hash`` the SHA-256 of the canonical content at issue (also
in the ``document_issued`` history event). Documents issued before this revision become
``issued`` with no body (they render from their kind's template and stored fields) and
``created_at`` = their issue time.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-23 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")

ISSUED_HAS_NUMBER = (
    "(status = 'draft' AND number IS NULL AND issued_at IS NULL) OR "
    "(status = 'issued' AND number IS NOT NULL AND issued_at IS NOT NULL)"
)


def upgrade() -> None:
    with op.batch_alter_table("documents") as batch:
        batch.add_column(
            sa.Column("status", sa.String(length=16), nullable=False, server_default="issued")
        )
        batch.add_column(sa.Column("title", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("body", sa.Text(), nullable=True))
        batch.add_column(sa.Column("step_data", JSON, nullable=True))
        batch.add_column(sa.Column("content_hash", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("created_at", sa.DateTime(timezone=True), nullable=True))
        batch.alter_column("number", existing_type=sa.String(length=64), nullable=True)
        batch.alter_column("issued_at", existing_type=sa.DateTime(timezone=True), nullable=True)
        batch.create_check_constraint(
            op.f("ck_documents_status_known"), "status IN ('draft', 'issued')"
        )
        batch.create_check_constraint(op.f("ck_documents_issued_has_number"), ISSUED_HAS_NUMBER)
    op.execute("UPDATE documents SET created_at = issued_at WHERE created_at IS NULL")


def downgrade() -> None:
    # Drafts were never issued: nothing outside them refers to them, and the old table has no
    # room for a document without a number.
    op.execute("DELETE FROM documents WHERE status = 'draft'")
    with op.batch_alter_table("documents") as batch:
        batch.drop_constraint(op.f("ck_documents_issued_has_number"), type_="check")
        batch.drop_constraint(op.f("ck_documents_status_known"), type_="check")
        batch.alter_column("issued_at", existing_type=sa.DateTime(timezone=True), nullable=False)
        batch.alter_column("number", existing_type=sa.String(length=64), nullable=False)
        batch.drop_column("created_at")
        batch.drop_column("content_hash")
        batch.drop_column("step_data")
        batch.drop_column("body")
        batch.drop_column("title")
        batch.drop_column("status")
