"""The data model (SQLAlchemy 2 declarative). Alembic's chain in ``migrations/`` creates it.

Times are stored in UTC (timezone-aware on PostgreSQL; SQLite keeps naive UTC, normalised by
:class:`UTCDateTime`). Legal deadline dates are plain dates computed in Asia/Shanghai.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Numeric,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
    text,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from casework.core.time import utcnow
from casework.core.vocab import (
    ACTIVE_CLOCK_STATUSES,
    AGENCY_KINDS,
    CHANNELS,
    CLOCK_STATUSES,
    DAY_UNITS,
    DEADLINE_KINDS,
    DOCUMENT_STATUSES,
    EXTENSION_BASES,
    LEVELS,
    MAX_ADDRESSEE,
    MAX_AGENCY_NAME,
    MAX_AGENCY_REF,
    MAX_CLIENT_ADDRESS,
    MAX_DOCUMENT_TITLE,
    MAX_FILTER_NAME,
    MAX_MOVE_REASON,
    MAX_PROJECT_NAME,
    MAX_REFERRAL_BASIS,
    MAX_TIP_SCOPE,
    MAX_USERNAME,
    PROJECT_ROLES,
    REFERRAL_DIRECTIONS,
    REFERRAL_OUTCOMES,
    REFERRAL_PROCEDURES,
    ROLES,
    TIP_REPLY_STATUSES,
    WARNING_LEVELS,
    WARNING_STATUSES,
    check_constraint,
)

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on every backend."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where UTC is required")
        value = value.astimezone(dt.UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


# JSON on SQLite, JSONB on PostgreSQL (indexable, compact).
try:  # pragma: no cover - import shape differs little between versions
    from sqlalchemy.dialects.postgresql import JSONB

    JSONType = JSON().with_variant(JSONB(), "postgresql")
except ImportError:  # pragma: no cover
    JSONType = JSON()


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


LEVEL_CHECK = check_constraint("level", LEVELS)


class OrgUnit(Base):
    """A union body. ``path`` is the materialised path of ids (``/1/4/9/``) for subtree queries."""

    __tablename__ = "org_units"
    __table_args__ = (CheckConstraint(LEVEL_CHECK, name="level_known"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    level: Mapped[str] = mapped_column(String(16))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"), index=True)
    path: Mapped[str] = mapped_column(String(512), index=True)
    depth: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # 发文机关代字 (GB/T 9704), e.g. 穗工; and whether its numbers carry the document kind
    # (天工提〔2026〕1号, one sequence per kind) or not (穗工〔2026〕3号, one sequence).
    doc_abbr: Mapped[str | None] = mapped_column(String(16))
    doc_kind_marker: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    parent: Mapped[OrgUnit | None] = relationship(remote_side="OrgUnit.id", lazy="joined")

    def ancestor_ids(self) -> list[int]:
        """Ids from the root down to this unit (inclusive)."""
        return [int(p) for p in self.path.strip("/").split("/") if p]

    def __repr__(self) -> str:
        return f"<OrgUnit {self.code} {self.level}>"


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(MAX_USERNAME), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), index=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    org_unit: Mapped[OrgUnit] = relationship(lazy="joined")
    role_rows: Mapped[list[UserRole]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", back_populates="user"
    )

    @property
    def roles(self) -> frozenset[str]:
        return frozenset(r.role for r in self.role_rows)


class UserRole(Base):
    __tablename__ = "user_roles"
    __table_args__ = (
        CheckConstraint(check_constraint("role", ROLES), name="role_known"),
        Index("ix_user_roles_role", "role"),
    )

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[str] = mapped_column(String(16), primary_key=True)

    user: Mapped[User] = relationship(back_populates="role_rows")


class ApiToken(Base):
    """An API token; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class Employer(Base):
    __tablename__ = "employers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    credit_code: Mapped[str | None] = mapped_column(String(18), unique=True)
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), index=True)
    has_union: Mapped[bool] = mapped_column(Boolean, default=False)
    # The profile an administrator keeps: 门类 of GB/T 4754-2017, staff, union members.
    industry: Mapped[str | None] = mapped_column(String(1))
    staff_count: Mapped[int | None] = mapped_column(Integer)
    union_members: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The tail of the employer's own hash-chained history (warnings and their dispositions).
    event_seq: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    last_hash: Mapped[str] = mapped_column(String(64), default="", server_default="")

    org_unit: Mapped[OrgUnit] = relationship(lazy="joined")


class EmployerMove(Base):
    """An employer placed under another union body (so that later calls route there): who, from
    where, to where, when and why. Ids, a login name and the mover's reason only: no one's
    personal data."""

    __tablename__ = "employer_moves"
    __table_args__ = (Index("ix_employer_moves_employer_id_at", "employer_id", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    employer_id: Mapped[int] = mapped_column(ForeignKey("employers.id", ondelete="CASCADE"))
    from_unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))
    to_unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))
    by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor: Mapped[str] = mapped_column(String(80))
    reason: Mapped[str] = mapped_column(String(MAX_MOVE_REASON), default="")
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    from_unit: Mapped[OrgUnit] = relationship(foreign_keys=[from_unit_id], lazy="joined")
    to_unit: Mapped[OrgUnit] = relationship(foreign_keys=[to_unit_id], lazy="joined")


class CaseWorker(Base):
    """A worker as recorded on one case: what the caller or worker gave for this case, and only
    for it. ID number and phone are Fernet-encrypted and found again by keyed hash (blind
    index); a match on another case never copies, shows or changes what was recorded there."""

    __tablename__ = "case_workers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    id_number_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    id_number_index: Mapped[str | None] = mapped_column(String(64), index=True)
    id_number_masked: Mapped[str | None] = mapped_column(String(32))
    phone_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    phone_index: Mapped[str | None] = mapped_column(String(64), index=True)
    phone_masked: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class RefCounter(Base):
    """Last number handed out per reference prefix and year (``MED`` 2026 → 123)."""

    __tablename__ = "ref_counters"

    prefix: Mapped[str] = mapped_column(String(16), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last: Mapped[int] = mapped_column(Integer, default=0)


class Case(Base):
    __tablename__ = "cases"
    __table_args__ = (
        CheckConstraint(check_constraint("channel", CHANNELS), name="channel_known"),
        CheckConstraint("worker_count >= 1", name="worker_count_positive"),
        CheckConstraint(
            "amount_claimed IS NULL OR amount_claimed >= 0", name="amount_not_negative"
        ),
        Index("ix_cases_org_unit_id_state", "org_unit_id", "state"),
        Index("ix_cases_workflow_state", "workflow", "state"),
        # The case list, newest first, paged by (created_at, id).
        Index("ix_cases_created_at_id", "created_at", "id"),
        # The overdue list: open cases by nearest due time, paged by (next_due_at, id); the
        # units are in the index so the visibility filter and the count read no table rows.
        Index(
            "ix_cases_open_next_due_at",
            "next_due_at",
            "id",
            "org_unit_id",
            "origin_org_unit_id",
            postgresql_where=text("closed_at IS NULL"),
            sqlite_where=text("closed_at IS NULL"),
        ),
        # The early-warning rules count one employer's calls and cases in a window.
        Index("ix_cases_employer_id_workflow_created_at", "employer_id", "workflow", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ref: Mapped[str] = mapped_column(String(32), unique=True)
    workflow: Mapped[str] = mapped_column(String(32))
    state: Mapped[str] = mapped_column(String(48))
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))
    origin_org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), index=True)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    employer_id: Mapped[int | None] = mapped_column(ForeignKey("employers.id"), index=True)
    worker_count: Mapped[int] = mapped_column(Integer, default=1)
    amount_claimed: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    channel: Mapped[str] = mapped_column(String(16))
    summary: Mapped[str] = mapped_column(Text, default="")
    complexity: Mapped[str] = mapped_column(String(16), default="normal")
    collective: Mapped[bool] = mapped_column(Boolean, default=False)
    mass_incident: Mapped[bool] = mapped_column(Boolean, default=False)
    attributes: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    escalation_level: Mapped[int] = mapped_column(Integer, default=0)
    next_due_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    event_seq: Mapped[int] = mapped_column(Integer, default=0)
    last_hash: Mapped[str] = mapped_column(String(64), default="")
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    __mapper_args__ = {"version_id_col": version}

    org_unit: Mapped[OrgUnit] = relationship(foreign_keys=[org_unit_id], lazy="joined")
    origin_org_unit: Mapped[OrgUnit] = relationship(
        foreign_keys=[origin_org_unit_id], lazy="joined"
    )
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id], lazy="joined")
    employer: Mapped[Employer | None] = relationship(lazy="joined")
    workers: Mapped[list[CaseWorker]] = relationship(
        lazy="select", order_by="CaseWorker.id", cascade="all, delete-orphan"
    )
    parent: Mapped[Case | None] = relationship(remote_side="Case.id")
    # The running and paused clocks, read with the case in one statement where a step needs
    # them (casework.cases.queries.case_for_step). View-only: clocks are written as Deadline
    # rows, and casework.clocks keeps a loaded list in step with what it starts and stops.
    open_clocks: Mapped[list[Deadline]] = relationship(
        primaryjoin=(
            "and_(Case.id == foreign(Deadline.case_id), "
            f"Deadline.status.in_({list(ACTIVE_CLOCK_STATUSES)!r}))"
        ),
        order_by="Deadline.id",
        viewonly=True,
        lazy="select",
    )

    def __repr__(self) -> str:
        return f"<Case {self.ref} {self.workflow}:{self.state} v{self.version}>"


class CaseEvent(Base):
    """Append-only history; each row is chained to its predecessor by HMAC-SHA256 under the key
    named by ``key_id`` (NULL: plain SHA-256, written before history keys)."""

    __tablename__ = "case_events"
    __table_args__ = (UniqueConstraint("case_id", "seq"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor: Mapped[str] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(32))
    from_state: Mapped[str | None] = mapped_column(String(48))
    to_state: Mapped[str | None] = mapped_column(String(48))
    trigger: Mapped[str | None] = mapped_column(String(48))
    data: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    key_id: Mapped[str | None] = mapped_column(String(8))


class Deadline(Base):
    """One running clock of a case (a deadline rule applied from a state entry)."""

    __tablename__ = "deadlines"
    __table_args__ = (
        CheckConstraint(check_constraint("unit", DAY_UNITS), name="unit_known"),
        CheckConstraint(check_constraint("kind", DEADLINE_KINDS), name="kind_known"),
        CheckConstraint(check_constraint("status", CLOCK_STATUSES), name="status_known"),
        CheckConstraint(
            check_constraint("extension_basis", EXTENSION_BASES), name="extension_basis_known"
        ),
        Index("ix_deadlines_status_due_at", "status", "due_at"),
        Index("ix_deadlines_case_id_status", "case_id", "status"),
        Index("ix_deadlines_status_remind_at", "status", "remind_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    rule: Mapped[str] = mapped_column(String(48))
    kind: Mapped[str] = mapped_column(String(16))
    unit: Mapped[str] = mapped_column(String(16))
    days: Mapped[int] = mapped_column(Integer)
    citation: Mapped[str] = mapped_column(String(255))
    on_expiry: Mapped[str] = mapped_column(String(48))
    entry_seq: Mapped[int] = mapped_column(Integer)
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))
    started_on: Mapped[dt.date] = mapped_column(Date)
    # The period's last day as counted (start + days + pauses + extensions), before a rest day
    # moved it to ``due_on`` (民事诉讼法 第八十五条). Pauses and extensions count from here. NULL
    # on clocks written before it existed (see casework.clocks.service.period_end).
    period_end: Mapped[dt.date | None] = mapped_column(Date)
    due_on: Mapped[dt.date] = mapped_column(Date)
    due_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    paused_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # Why the clock stands still now: a user's reason, or ``state:<state>`` for a rule's pause.
    pause_reason: Mapped[str | None] = mapped_column(String(255))
    paused_days: Mapped[int] = mapped_column(Integer, default=0)
    extended_days: Mapped[int] = mapped_column(Integer, default=0)
    calendar_verified: Mapped[bool] = mapped_column(Boolean, default=True)
    status: Mapped[str] = mapped_column(String(16), default="running")
    remind_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    reminded_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    extension_note: Mapped[str | None] = mapped_column(String(255))
    # The latest extension's legal basis (workflows.base.EXTENSION_BASES) and, for an approval,
    # the officer who approved it; every extension is also an event in the history.
    extension_basis: Mapped[str | None] = mapped_column(String(32))
    extension_approver: Mapped[str | None] = mapped_column(String(120))
    handled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    __mapper_args__ = {"version_id_col": version}


class Document(Base):
    """A numbered document issued on a case (提示函, 意见书, 建议书, 调解协议书 ...)."""

    __tablename__ = "documents"
    __table_args__ = (
        UniqueConstraint("issuer_unit_id", "number"),
        CheckConstraint(check_constraint("status", DOCUMENT_STATUSES), name="status_known"),
        # A draft has no number and no issue time; an issued document has both.
        CheckConstraint(
            "(status = 'draft' AND number IS NULL AND issued_at IS NULL) OR "
            "(status = 'issued' AND number IS NOT NULL AND issued_at IS NOT NULL)",
            name="issued_has_number",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default="issued", server_default="issued")
    # 发文字号: NULL while a draft.
    number: Mapped[str | None] = mapped_column(String(64))
    issuer_unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))
    addressee: Mapped[str] = mapped_column(String(200))
    citation: Mapped[str] = mapped_column(String(255), default="")
    # 标题 and 正文 (paragraphs, one a line) as written; NULL on documents issued before bodies
    # were kept (they render from their kind's template and the stored fields).
    title: Mapped[str | None] = mapped_column(String(200))
    body: Mapped[str | None] = mapped_column(Text)
    # Data for the workflow step the document takes, given with the draft (used at issue).
    step_data: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    # SHA-256 (hex) of the canonical content at issue (casework.documents.content).
    content_hash: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=utcnow)
    issued_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    reply_due: Mapped[dt.date | None] = mapped_column(Date)
    outcome: Mapped[str | None] = mapped_column(String(32))
    outcome_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # The issuing unit's name when it was issued (the 版头 and 落款 print it, not a later name);
    # NULL on drafts and on documents issued before it was kept (they print the name now).
    issuer_name: Mapped[str | None] = mapped_column(String(200))


class TipLetter(Base):
    """An area-wide 提示函 (工会劳动法律监督提示函): one numbered letter a union body issues to
    many employers of a sector or area at once, not tied to a case. It takes its number in the
    issuing unit's 提示函 sequence (shared with the 提示函 issued on cases) and is immutable once
    issued; each recipient's reply is tracked in ``tip_letter_recipients``."""

    __tablename__ = "tip_letters"
    __table_args__ = (
        UniqueConstraint("issuer_unit_id", "number"),
        Index("ix_tip_letters_issuer_unit_id_issued_at", "issuer_unit_id", "issued_at"),
        Index("ix_tip_letters_issued_at", "issued_at"),
        # The sweep's look-up of letters past their reply date not checked yet.
        Index(
            "ix_tip_letters_reply_due_unchecked",
            "reply_due",
            postgresql_where=text("replies_checked_at IS NULL"),
            sqlite_where=text("replies_checked_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    issuer_unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))
    # The issuing unit's name at issue (printed in the 版头 and the 落款).
    issuer_name: Mapped[str] = mapped_column(String(200))
    number: Mapped[str] = mapped_column(String(64))
    year: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(MAX_DOCUMENT_TITLE))
    # Who it is addressed to, in words: 天河区建筑施工企业, 石牌街道辖区内未建会企业 ...
    scope: Mapped[str] = mapped_column(String(MAX_TIP_SCOPE))
    # 主送 as printed: the recipient's name, a few names, or 各有关用人单位.
    addressee: Mapped[str] = mapped_column(String(MAX_ADDRESSEE))
    body: Mapped[str] = mapped_column(Text)
    citation: Mapped[str] = mapped_column(String(255))
    reply_due: Mapped[dt.date] = mapped_column(Date)
    # The counting rule of ``reply_due`` ("15个工作日"), or NULL when a user set the date.
    reply_period: Mapped[str | None] = mapped_column(String(32))
    issued_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    issued_by: Mapped[str] = mapped_column(String(MAX_USERNAME))
    recipient_count: Mapped[int] = mapped_column(Integer)
    # SHA-256 of the canonical content (recipients included) at issue.
    content_hash: Mapped[str] = mapped_column(String(64))
    # When the sweep checked the replies after the reply date, telling the issuing unit's
    # supervisors of the recipients that had not answered, if any (NULL: not yet). Not part of
    # the letter (not in its hash).
    replies_checked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    issuer: Mapped[OrgUnit] = relationship(lazy="joined")


class TipLetterRecipient(Base):
    """One employer an area-wide 提示函 was sent to, and its reply: ``awaiting`` until one is
    recorded (overdue after ``reply_due``, computed when read), then ``answered``."""

    __tablename__ = "tip_letter_recipients"
    __table_args__ = (
        UniqueConstraint("letter_id", "employer_id"),
        CheckConstraint(check_constraint("reply_status", TIP_REPLY_STATUSES), name="status_known"),
        Index("ix_tip_letter_recipients_employer_id", "employer_id"),
        Index("ix_tip_letter_recipients_letter_id_reply_status", "letter_id", "reply_status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    letter_id: Mapped[int] = mapped_column(ForeignKey("tip_letters.id", ondelete="CASCADE"))
    employer_id: Mapped[int] = mapped_column(ForeignKey("employers.id", ondelete="CASCADE"))
    # The employer's name when the letter was issued (the recipient list prints it).
    employer_name: Mapped[str] = mapped_column(String(200))
    reply_status: Mapped[str] = mapped_column(String(16), default="awaiting")
    replied_on: Mapped[dt.date | None] = mapped_column(Date)
    reply_summary: Mapped[str | None] = mapped_column(Text)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_by: Mapped[str | None] = mapped_column(String(MAX_USERNAME))
    recorded_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class Referral(Base):
    """One entry of the referral and feedback ledger (移送与反馈台账): a matter the union sent to
    an agency (``outbound``: 人社 labour inspection, an arbitration committee, a court, the
    procuratorate ...) or one an agency sent to the union (``inbound``: it opened the case).

    An outbound entry keeps the agency's acts (receipt, its own case number, 立案, an extension,
    the answer) and the clock its law sets for the stage it is in: ``stage``, ``due_on`` (and
    ``due_at``, the end of that day) with the ``citation``. ``chase_at`` is ``due_at`` until the
    sweep has chased the agency for that due date (then NULL, out of the sweep's index);
    ``overdue_at`` is when it was first found overdue (a line on the joint-meeting agenda) and
    ``missed`` whether any of its clocks ran out before the agency acted."""

    __tablename__ = "referrals"
    __table_args__ = (
        CheckConstraint(check_constraint("agency_kind", AGENCY_KINDS), name="agency_kind_known"),
        CheckConstraint(check_constraint("direction", REFERRAL_DIRECTIONS), name="direction_known"),
        CheckConstraint(
            "outcome IS NULL OR " + check_constraint("outcome", REFERRAL_OUTCOMES),
            name="outcome_known",
        ),
        CheckConstraint(
            "procedure IS NULL OR " + check_constraint("procedure", REFERRAL_PROCEDURES),
            name="procedure_known",
        ),
        Index("ix_referrals_org_unit_id_sent_on", "org_unit_id", "sent_on"),
        Index("ix_referrals_agency_kind_sent_on", "agency_kind", "sent_on"),
        Index("ix_referrals_case_id", "case_id"),
        Index("ix_referrals_chase_at", "chase_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    direction: Mapped[str] = mapped_column(String(8))
    # The unit that referred the matter (outbound) or received it (inbound).
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))
    agency_kind: Mapped[str] = mapped_column(String(32))
    agency_name: Mapped[str] = mapped_column(String(MAX_AGENCY_NAME))
    procedure: Mapped[str | None] = mapped_column(String(32))
    basis: Mapped[str] = mapped_column(String(MAX_REFERRAL_BASIS), default="")
    matter: Mapped[str] = mapped_column(Text, default="")
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id", ondelete="SET NULL"))
    agency_ref: Mapped[str | None] = mapped_column(String(MAX_AGENCY_REF))
    # Outbound: the day it was sent. Inbound: the day the union received it.
    sent_on: Mapped[dt.date] = mapped_column(Date)
    received_on: Mapped[dt.date | None] = mapped_column(Date)
    filed_on: Mapped[dt.date | None] = mapped_column(Date)
    answered_on: Mapped[dt.date | None] = mapped_column(Date)
    outcome: Mapped[str | None] = mapped_column(String(16))
    transferred_to: Mapped[str | None] = mapped_column(String(32))
    answer: Mapped[str | None] = mapped_column(Text)
    stage: Mapped[str | None] = mapped_column(String(16))
    citation: Mapped[str] = mapped_column(String(255), default="")
    due_on: Mapped[dt.date | None] = mapped_column(Date)
    due_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    calendar_verified: Mapped[bool] = mapped_column(Boolean, default=True)
    extended_days: Mapped[int] = mapped_column(Integer, default=0)
    extension_note: Mapped[str | None] = mapped_column(String(255))
    missed: Mapped[bool] = mapped_column(Boolean, default=False)
    chase_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    overdue_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Notification(Base):
    """An inbox entry for a user or for every supervisor of a unit."""

    __tablename__ = "notifications"
    __table_args__ = (
        Index("ix_notifications_user_id_read_at", "user_id", "read_at"),
        Index("ix_notifications_org_unit_id_read_at", "org_unit_id", "read_at"),
        UniqueConstraint("dedupe_key"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    org_unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"))
    case_id: Mapped[int | None] = mapped_column(
        ForeignKey("cases.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(255))
    body: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    dedupe_key: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class OutboxMessage(Base):
    """A side effect to deliver after commit (webhook), retried with backoff, unique event id."""

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_delivered_at_next_attempt_at", "delivered_at", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[str] = mapped_column(String(36), unique=True)
    topic: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    delivered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(String(255))


class DeadlineAction(Base):
    """The expiry (or reminder) action taken for a clock. The unique key makes a second sweeper's
    attempt to act on the same clock fail instead of acting twice."""

    __tablename__ = "deadline_actions"
    __table_args__ = (UniqueConstraint("deadline_id", "action"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    deadline_id: Mapped[int] = mapped_column(ForeignKey("deadlines.id", ondelete="CASCADE"))
    action: Mapped[str] = mapped_column(String(32))
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    result: Mapped[str] = mapped_column(String(64))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Escalation(Base):
    """One rise of a case to the parent unit (or a stop at the ceiling), unique per
    (case, state entry, level) so it can never be recorded twice."""

    __tablename__ = "escalations"
    __table_args__ = (
        UniqueConstraint("case_id", "entry_seq", "from_level"),
        Index("ix_escalations_to_unit_id_created_at", "to_unit_id", "created_at"),
        # The inbox's order (open cases first, then newest first), paged by its three keys.
        Index("ix_escalations_case_open_created_at_id", "case_open", "created_at", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    entry_seq: Mapped[int] = mapped_column(Integer)
    from_unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))
    to_unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))
    from_level: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(32))
    comment: Mapped[str] = mapped_column(Text, default="")
    at_ceiling: Mapped[bool] = mapped_column(Boolean, default=False)
    actor: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Whether the case is still open (its closed_at is NULL): kept here so the inbox's order
    # is one index. Set false when the case closes (casework.cases.service.fire).
    case_open: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())


class CalendarDay(Base):
    """An exception to Monday–Friday: a holiday, a rest day or a make-up working day."""

    __tablename__ = "calendar_days"

    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    is_workday: Mapped[bool] = mapped_column(Boolean)
    name: Mapped[str] = mapped_column(String(120), default="")
    source: Mapped[str] = mapped_column(String(16), default="package")  # package | admin
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class CalendarYear(Base):
    """A year whose official schedule is known (from the package or imported by an admin)."""

    __tablename__ = "calendar_years"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    source: Mapped[str] = mapped_column(String(16))
    verified: Mapped[bool] = mapped_column(Boolean, default=True)


class CalendarMeta(Base):
    """One row: a random revision token replaced on every calendar change, so every process
    reloads its cached calendar (a token, not a counter, so it can never repeat)."""

    __tablename__ = "calendar_meta"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    revision: Mapped[str] = mapped_column(String(32), default="")


class DocumentCounter(Base):
    """Last document number issued per issuing unit, year and kind marker (numbers never repeat):
    the marker is empty for a unit that numbers all its documents in one sequence."""

    __tablename__ = "document_counters"

    issuer_unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    marker: Mapped[str] = mapped_column(String(8), primary_key=True, default="", server_default="")
    last: Mapped[int] = mapped_column(Integer, default=0)


class IdempotencyKey(Base):
    """A request made with an ``Idempotency-Key``: the fingerprint of its body and the response
    it got, so a retry answers the same and a different body under the same key is refused."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("user_id", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(255))
    request_hash: Mapped[str] = mapped_column(String(64))
    response: Mapped[dict[str, Any]] = mapped_column(JSONType)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class SavedFilter(Base):
    """A user's named view of the caseworker desk: the desk's query parameters (scope, process,
    overdue, search text), checked against the desk's vocabulary when saved."""

    __tablename__ = "saved_filters"
    __table_args__ = (UniqueConstraint("user_id", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(MAX_FILTER_NAME))
    params: Mapped[dict[str, Any]] = mapped_column(JSONType)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class LoginFailure(Base):
    """A failed login: the account tried (the normalised username, whether it exists or not;
    never the password) and the client address. Enough of them in a window lock the account
    (from any client) or the client (across accounts); see ``casework.people.auth``."""

    __tablename__ = "login_failures"
    __table_args__ = (
        Index("ix_login_failures_client_at", "client", "at"),
        Index("ix_login_failures_account_at", "account", "at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account: Mapped[str] = mapped_column(String(MAX_USERNAME))
    client: Mapped[str] = mapped_column(String(MAX_CLIENT_ADDRESS))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class EmployerEvent(Base):
    """The employer's append-only history (warnings raised, escalated, disposed of), chained like
    the case history: HMAC-SHA256 under the key named by ``key_id``."""

    __tablename__ = "employer_events"
    __table_args__ = (UniqueConstraint("employer_id", "seq"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    employer_id: Mapped[int] = mapped_column(ForeignKey("employers.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor: Mapped[str] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(32))
    data: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    key_id: Mapped[str | None] = mapped_column(String(8))


class WarningRule(Base):
    """An administrator's setting of one early-warning rule over the defaults of the settings
    file: on or off, the level it raises, its thresholds."""

    __tablename__ = "warning_rules"
    __table_args__ = (
        CheckConstraint(check_constraint("level", WARNING_LEVELS), name="level_known"),
    )

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    level: Mapped[str] = mapped_column(String(8))
    params: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    updated_by: Mapped[str] = mapped_column(String(80), default="")
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Project(Base):
    """A construction project (工程建设项目): links employers as 建设单位, 总承包 and 分包."""

    __tablename__ = "projects"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(MAX_PROJECT_NAME))
    location: Mapped[str] = mapped_column(String(200), default="", server_default="")
    created_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class ProjectParty(Base):
    """An employer's place in a project; a subcontractor may name the party it works for."""

    __tablename__ = "project_parties"
    __table_args__ = (
        CheckConstraint(check_constraint("role", PROJECT_ROLES), name="role_known"),
        UniqueConstraint("project_id", "employer_id", "role"),
        Index("ix_project_parties_employer_id", "employer_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    employer_id: Mapped[int] = mapped_column(ForeignKey("employers.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(24))
    contractor_id: Mapped[int | None] = mapped_column(
        ForeignKey("employers.id", ondelete="SET NULL")
    )
    created_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class WarningRuleChange(Base):
    """An administrator's change of an early-warning rule: who, when, the setting before and
    after (the defaults file's setting when there was no row before)."""

    __tablename__ = "warning_rule_changes"
    __table_args__ = (Index("ix_warning_rule_changes_code_changed_at", "code", "changed_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32))
    changed_by: Mapped[str] = mapped_column(String(80))
    changed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    before: Mapped[dict[str, Any]] = mapped_column(JSONType)
    after: Mapped[dict[str, Any]] = mapped_column(JSONType)


class EmployerWarning(Base):
    """One early warning on an employer: the rule, what it rests on (``basis``, unique per
    employer and rule, so the incremental path and the nightly reconciliation can never raise it
    twice), its level and disposition clock, the unit whose supervisors must dispose of it."""

    __tablename__ = "employer_warnings"
    __table_args__ = (
        CheckConstraint(check_constraint("level", WARNING_LEVELS), name="level_known"),
        CheckConstraint(check_constraint("status", WARNING_STATUSES), name="status_known"),
        UniqueConstraint("employer_id", "rule", "basis"),
        Index("ix_employer_warnings_status_due_at", "status", "due_at"),
        Index("ix_employer_warnings_org_unit_id_status", "org_unit_id", "status"),
        Index(
            "ix_employer_warnings_employer_id_rule_raised_at", "employer_id", "rule", "raised_at"
        ),
        Index("ix_employer_warnings_raised_at", "raised_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    employer_id: Mapped[int] = mapped_column(ForeignKey("employers.id", ondelete="CASCADE"))
    rule: Mapped[str] = mapped_column(String(32))
    basis: Mapped[str] = mapped_column(String(64))
    level: Mapped[str] = mapped_column(String(8))
    raised_level: Mapped[str] = mapped_column(String(8))
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))
    evidence: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    raised_by: Mapped[str] = mapped_column(String(16), default="event")  # event | reconcile
    raised_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    due_on: Mapped[dt.date] = mapped_column(Date)
    due_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    escalations: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(16), default="open")
    disposition: Mapped[str | None] = mapped_column(String(32))
    disposition_note: Mapped[str | None] = mapped_column(Text)
    disposed_by: Mapped[str | None] = mapped_column(String(80))
    disposed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    disposed_on_time: Mapped[bool | None] = mapped_column(Boolean)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="SET NULL"))
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version}

    employer: Mapped[Employer] = relationship(lazy="joined")
    org_unit: Mapped[OrgUnit] = relationship(lazy="joined")
