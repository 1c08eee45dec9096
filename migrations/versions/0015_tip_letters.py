"""area-wide 提示函: one letter to many employers, each recipient's reply tracked; documents keep
the issuing unit's name at issue

``tip_letters`` holds the letter (issuing unit and its name at issue, number in the unit's 提示函
sequence, year, title, scope in words, 主送, body, basis, reply date and its counting rule, who
issued it and when, the number of recipients, the content hash); ``tip_letter_recipients`` one
row per employer it went to, with the reply (status, date, summary, who recorded it and when).
``documents.issuer_name`` keeps the issuing unit's name when a case document is issued, so a
re-render prints the name the paper was signed with, not the unit's current one.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-10 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMN (nullable, no default): documents is never rebuilt.
    op.add_column("documents", sa.Column("issuer_name", sa.String(length=200), nullable=True))
    op.create_table(
        "tip_letters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("issuer_unit_id", sa.Integer(), nullable=False),
        sa.Column("issuer_name", sa.String(length=200), nullable=False),
        sa.Column("number", sa.String(length=64), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("scope", sa.String(length=200), nullable=False),
        sa.Column("addressee", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("citation", sa.String(length=255), nullable=False),
        sa.Column("reply_due", sa.Date(), nullable=False),
        sa.Column("reply_period", sa.String(length=32), nullable=True),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("issued_by_id", sa.Integer(), nullable=True),
        sa.Column("issued_by", sa.String(length=80), nullable=False),
        sa.Column("recipient_count", sa.Integer(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["issuer_unit_id"],
            ["org_units.id"],
            name=op.f("fk_tip_letters_issuer_unit_id_org_units"),
        ),
        sa.ForeignKeyConstraint(
            ["issued_by_id"], ["users.id"], name=op.f("fk_tip_letters_issued_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tip_letters")),
        sa.UniqueConstraint(
            "issuer_unit_id", "number", name=op.f("uq_tip_letters_issuer_unit_id_number")
        ),
    )
    op.create_index(
        "ix_tip_letters_issuer_unit_id_issued_at",
        "tip_letters",
        ["issuer_unit_id", "issued_at"],
        unique=False,
    )
    op.create_index("ix_tip_letters_issued_at", "tip_letters", ["issued_at"], unique=False)
    op.create_table(
        "tip_letter_recipients",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("letter_id", sa.Integer(), nullable=False),
        sa.Column("employer_id", sa.Integer(), nullable=False),
        sa.Column("employer_name", sa.String(length=200), nullable=False),
        sa.Column("reply_status", sa.String(length=16), nullable=False),
        sa.Column("replied_on", sa.Date(), nullable=True),
        sa.Column("reply_summary", sa.Text(), nullable=True),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("recorded_by", sa.String(length=80), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "reply_status IN ('awaiting', 'answered')",
            name=op.f("ck_tip_letter_recipients_status_known"),
        ),
        sa.ForeignKeyConstraint(
            ["letter_id"],
            ["tip_letters.id"],
            name=op.f("fk_tip_letter_recipients_letter_id_tip_letters"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["employer_id"],
            ["employers.id"],
            name=op.f("fk_tip_letter_recipients_employer_id_employers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["users.id"],
            name=op.f("fk_tip_letter_recipients_recorded_by_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tip_letter_recipients")),
        sa.UniqueConstraint(
            "letter_id", "employer_id", name=op.f("uq_tip_letter_recipients_letter_id_employer_id")
        ),
    )
    op.create_index(
        "ix_tip_letter_recipients_employer_id",
        "tip_letter_recipients",
        ["employer_id"],
        unique=False,
    )
    op.create_index(
        "ix_tip_letter_recipients_letter_id_reply_status",
        "tip_letter_recipients",
        ["letter_id", "reply_status"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(
        "ix_tip_letter_recipients_letter_id_reply_status", table_name="tip_letter_recipients"
    )
    op.drop_index("ix_tip_letter_recipients_employer_id", table_name="tip_letter_recipients")
    op.drop_table("tip_letter_recipients")
    op.drop_index("ix_tip_letters_issued_at", table_name="tip_letters")
    op.drop_index("ix_tip_letters_issuer_unit_id_issued_at", table_name="tip_letters")
    op.drop_table("tip_letters")
    with op.batch_alter_table("documents") as batch:
        batch.drop_column("issuer_name")
