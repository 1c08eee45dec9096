"""referral and feedback ledger (移送与反馈台账): what the union sent to which agency, and back

One row per referral: outbound (the union sends a matter to 人社 labour inspection, an
arbitration committee, a court, the procuratorate, a legal-aid centre, a sector regulator or the
government) or inbound (an agency sends one to the union, which opens a case for it). It keeps
the agency's acts (receipt, its case number, 立案, an extension, the answer), the clock the
agency's law sets for the stage the referral is in, and the marks the overdue sweep leaves
(``chase_at`` is the sweep's index, ``overdue_at`` the joint-meeting agenda's).

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-22 06:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

AGENCY_KINDS = (
    "labour_inspection",
    "arbitration",
    "court",
    "procuratorate",
    "legal_aid",
    "sector_regulator",
    "public_security",
    "government",
)
OUTCOMES = ("handled", "settled", "not_accepted", "no_violation", "transferred", "other")


def _in(column: str, values: Sequence[str]) -> str:
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


def upgrade() -> None:
    op.create_table(
        "referrals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("direction", sa.String(length=8), nullable=False),
        sa.Column("org_unit_id", sa.Integer(), nullable=False),
        sa.Column("agency_kind", sa.String(length=32), nullable=False),
        sa.Column("agency_name", sa.String(length=200), nullable=False),
        sa.Column("procedure", sa.String(length=32), nullable=True),
        sa.Column("basis", sa.String(length=500), nullable=False),
        sa.Column("matter", sa.Text(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=True),
        sa.Column("agency_ref", sa.String(length=64), nullable=True),
        sa.Column("sent_on", sa.Date(), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=True),
        sa.Column("filed_on", sa.Date(), nullable=True),
        sa.Column("answered_on", sa.Date(), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.Column("transferred_to", sa.String(length=32), nullable=True),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("stage", sa.String(length=16), nullable=True),
        sa.Column("citation", sa.String(length=255), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("calendar_verified", sa.Boolean(), nullable=False),
        sa.Column("extended_days", sa.Integer(), nullable=False),
        sa.Column("extension_note", sa.String(length=255), nullable=True),
        sa.Column("missed", sa.Boolean(), nullable=False),
        sa.Column("chase_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("overdue_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            _in("agency_kind", AGENCY_KINDS), name=op.f("ck_referrals_agency_kind_known")
        ),
        sa.CheckConstraint(
            _in("direction", ("outbound", "inbound")), name=op.f("ck_referrals_direction_known")
        ),
        sa.CheckConstraint(
            "outcome IS NULL OR " + _in("outcome", OUTCOMES),
            name=op.f("ck_referrals_outcome_known"),
        ),
        sa.CheckConstraint(
            "procedure IS NULL OR " + _in("procedure", ("payment_order",)),
            name=op.f("ck_referrals_procedure_known"),
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_referrals_case_id_cases"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["org_unit_id"], ["org_units.id"], name=op.f("fk_referrals_org_unit_id_org_units")
        ),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["documents.id"],
            name=op.f("fk_referrals_document_id_documents"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_referrals_created_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_referrals")),
    )
    op.create_index(
        "ix_referrals_org_unit_id_sent_on", "referrals", ["org_unit_id", "sent_on"], unique=False
    )
    op.create_index(
        "ix_referrals_agency_kind_sent_on", "referrals", ["agency_kind", "sent_on"], unique=False
    )
    op.create_index("ix_referrals_case_id", "referrals", ["case_id"], unique=False)
    op.create_index("ix_referrals_chase_at", "referrals", ["chase_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_referrals_chase_at", table_name="referrals")
    op.drop_index("ix_referrals_case_id", table_name="referrals")
    op.drop_index("ix_referrals_agency_kind_sent_on", table_name="referrals")
    op.drop_index("ix_referrals_org_unit_id_sent_on", table_name="referrals")
    op.drop_table("referrals")
