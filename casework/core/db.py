"""Engines and sessions. Every dialect difference between SQLite and PostgreSQL lives here."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, Insert, Select, Table, create_engine, event, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker


def make_engine(url: str, **kw: object) -> Engine:
    """An engine for ``url``; SQLite gets WAL, a busy timeout and enforced foreign keys."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30}, **kw)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # pragma: no cover - trivial
            # Let SQLAlchemy emit BEGIN itself so transactions behave as on PostgreSQL.
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn):  # pragma: no cover - trivial
            # Writers BEGIN IMMEDIATE: they take the write lock up front and queue on
            # busy_timeout instead of failing with "database is locked" when a transaction that
            # read first upgrades to a writer. Read-only units of work (see read_only()) take a
            # plain BEGIN and never wait for writers (WAL).
            if conn.get_execution_options().get("casework_read_only"):
                conn.exec_driver_sql("BEGIN")
            else:
                conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
        # Plain postgresql:// means psycopg 3 here (psycopg2 is not a dependency).
        url = str(parsed.set(drivername="postgresql+psycopg"))
    # No ping per checkout (a round trip per request): connections are recycled after half an
    # hour, and one the server dropped fails its first statement, which invalidates it (and
    # every older one in the pool); the API retries authentication once on such a failure.
    kw.setdefault("pool_recycle", 1800)
    return create_engine(url, **kw)


def is_postgres(engine_or_session: Engine | Session) -> bool:
    bind = (
        engine_or_session.get_bind()
        if isinstance(engine_or_session, Session)
        else engine_or_session
    )
    return bind.dialect.name == "postgresql"


def skip_locked(stmt: Select, session: Session, of: Any = None) -> Select:
    """Claim rows for this process: ``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so concurrent
    sweepers or outbox senders each take different rows (``of``: only the rows of that entity,
    when the statement also outer-joins another). SQLite writers hold the database's one write
    lock (``BEGIN IMMEDIATE``) instead, so the plain statement is already exclusive."""
    return stmt.with_for_update(skip_locked=True, of=of) if is_postgres(session) else stmt


def insert_new(session: Session, table: Table) -> Insert:
    """``INSERT ... ON CONFLICT DO NOTHING`` for ``table``: rows whose unique key is already
    taken are left out (with RETURNING, only the rows written come back). Both backends."""
    dialect = postgresql if is_postgres(session) else sqlite
    return dialect.insert(table).on_conflict_do_nothing()


def _lock_id(key: str) -> int:
    """A stable signed 64-bit id for a named lock (the same in every process, unlike hash())."""
    return int.from_bytes(hashlib.sha256(key.encode("utf-8")).digest()[:8], "big", signed=True)


def lock_keys(session: Session, *keys: str) -> None:
    """Serialise the transactions that name the same key, until this one ends: a transaction-
    scoped advisory lock per key on PostgreSQL (taken in one fixed order, so two transactions
    naming the same keys never deadlock). On SQLite nothing to do: a writer holds the database's
    one write lock from its first statement (``BEGIN IMMEDIATE``) to its end, which already
    serialises every writer."""
    if not is_postgres(session):
        return
    for lock_id in sorted({_lock_id(k) for k in keys}):
        session.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": lock_id})


def make_session_factory(engine: Engine, *, read_only: bool = False) -> sessionmaker[Session]:
    """Sessions for units of work; ``read_only`` ones never take SQLite's write lock."""
    bind = engine.execution_options(casework_read_only=True) if read_only else engine
    return sessionmaker(bind=bind, expire_on_commit=False, autoflush=True)
