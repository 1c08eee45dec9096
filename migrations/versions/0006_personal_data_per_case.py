"""personal data per case: each case keeps what was given for it

A worker used to be one shared ``people`` row found by ID number (or phone and name) across the
whole org tree, so one district could read, and silently overwrite, what another recorded. Now
``case_workers`` holds, per case, the name, ID number and phone given for that case (encrypted,
blind-indexed, masked). Each existing link becomes a record of its own with the values the
shared row held; the ``people`` table goes.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22 01:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        "CREATE TABLE case_workers_old AS SELECT cw.case_id, cw.person_id, p.name, "
        "p.id_number_enc, p.id_number_index, p.id_number_masked, p.phone_enc, p.phone_index, "
        "p.phone_masked, p.created_at FROM case_workers cw JOIN people p ON p.id = cw.person_id"
    )
    op.drop_table("case_workers")
    op.drop_table("people")
    op.create_table(
        "case_workers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("id_number_enc", sa.LargeBinary(), nullable=True),
        sa.Column("id_number_index", sa.String(length=64), nullable=True),
        sa.Column("id_number_masked", sa.String(length=32), nullable=True),
        sa.Column("phone_enc", sa.LargeBinary(), nullable=True),
        sa.Column("phone_index", sa.String(length=64), nullable=True),
        sa.Column("phone_masked", sa.String(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_case_workers_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_workers")),
    )
    with op.batch_alter_table("case_workers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_workers_case_id"), ["case_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_case_workers_id_number_index"), ["id_number_index"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_case_workers_phone_index"), ["phone_index"], unique=False
        )
    op.execute(
        "INSERT INTO case_workers (case_id, name, id_number_enc, id_number_index, "
        "id_number_masked, phone_enc, phone_index, phone_masked, created_at) "
        "SELECT case_id, name, id_number_enc, id_number_index, id_number_masked, phone_enc, "
        "phone_index, phone_masked, created_at FROM case_workers_old ORDER BY case_id, person_id"
    )
    op.drop_table("case_workers_old")


def downgrade() -> None:
    """Back to shared ``people`` rows, one per case record: nothing is merged, so nothing one
    unit recorded becomes visible on another unit's case."""
    op.execute(
        "CREATE TABLE case_workers_new AS SELECT id, case_id, name, id_number_enc, "
        "id_number_index, id_number_masked, phone_enc, phone_index, phone_masked, created_at "
        "FROM case_workers"
    )
    op.drop_table("case_workers")
    op.create_table(
        "people",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("id_number_enc", sa.LargeBinary(), nullable=True),
        sa.Column("id_number_index", sa.String(length=64), nullable=True),
        sa.Column("id_number_masked", sa.String(length=32), nullable=True),
        sa.Column("phone_enc", sa.LargeBinary(), nullable=True),
        sa.Column("phone_index", sa.String(length=64), nullable=True),
        sa.Column("phone_masked", sa.String(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_people")),
    )
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_people_id_number_index"), ["id_number_index"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_people_phone_index"), ["phone_index"], unique=False)
    op.create_table(
        "case_workers",
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_case_workers_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_case_workers_person_id_people")
        ),
        sa.PrimaryKeyConstraint("case_id", "person_id", name=op.f("pk_case_workers")),
    )
    with op.batch_alter_table("case_workers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_workers_person_id"), ["person_id"], unique=False)
    op.execute(
        "INSERT INTO people (id, name, id_number_enc, id_number_index, id_number_masked, "
        "phone_enc, phone_index, phone_masked, created_at) SELECT id, name, id_number_enc, "
        "id_number_index, id_number_masked, phone_enc, phone_index, phone_masked, created_at "
        "FROM case_workers_new"
    )
    op.execute(
        "INSERT INTO case_workers (case_id, person_id) SELECT case_id, id FROM case_workers_new"
    )
    op.drop_table("case_workers_new")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("SELECT setval('people_id_seq', COALESCE((SELECT max(id) FROM people), 1))")
