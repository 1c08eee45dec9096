"""The unit of work: one transaction, committed by the service that owns it.

Re-entrant: a service called from another service joins the outer transaction, and only the
outermost ``commit()`` commits (an inner one neither flushes nor commits). Leaving the outermost
block without a commit rolls back, so a failure anywhere after a trigger fired leaves the state,
the history and the version unchanged.

Every write checks the version the caller last read (``If-Match``) right after it found the case
(:func:`check_version`), and commits through :func:`commit_or_conflict`, which turns a lost race
into :class:`VersionConflict` instead of a silent overwrite.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from casework.core.errors import VersionConflict

if TYPE_CHECKING:
    from casework.core.settings import Settings
    from casework.history import HistoryKeys
    from casework.people.pii import PiiVault

# The history's unique (case_id, seq) key, as each dialect names it in its error.
_HISTORY_KEYS = ("uq_case_events_case_id_seq", "case_events.case_id, case_events.seq")


class RequestScope:
    """One connection and one session for everything a request does (issue 15): the units of
    work opened while the scope is current run their transactions one after another on them,
    so a request checks out one pooled connection and a case loaded by the write is served
    from the identity map to the read that answers. Its transactions stay separate: each unit
    of work commits or rolls back its own. A unit of work opened while another holds the
    session (an independent transaction inside a transaction) gets a session of its own."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._conn: Connection | None = None
        self._session: Session | None = None
        self._busy = False
        self._read_only = False
        # Entries for the session.info of the request's next unit of work only (see
        # :func:`seed_next_unit`).
        self.seed: dict[str, Any] = {}

    def acquire(self, read_only: bool) -> Session | None:
        """The scope's session for a unit of work starting now, or None when it is taken."""
        if self._busy:
            return None
        if self._conn is not None and self._conn.invalidated:
            self.close()  # the database dropped it: the next one comes fresh from the pool
        if self._conn is None:
            self._conn = self._engine.connect()
            self._session = Session(bind=self._conn, expire_on_commit=False, autoflush=True)
        assert self._session is not None
        if self._session.in_transaction():  # pragma: no cover - released units always end theirs
            self._session.rollback()
        # SQLite: readers BEGIN, writers BEGIN IMMEDIATE (see casework.core.db). PostgreSQL:
        # a reader runs in autocommit, without BEGIN and COMMIT round trips. At READ COMMITTED
        # each statement takes its own snapshot inside a transaction too, so a read sees the
        # same rows either way; it takes no locks.
        if self._conn.dialect.name == "postgresql":
            self._conn.execution_options(
                casework_read_only=read_only,
                isolation_level="AUTOCOMMIT" if read_only else self._isolation(),
            )
        else:
            self._conn.execution_options(casework_read_only=read_only)
        self._read_only = read_only
        self._busy = True
        return self._session

    def _isolation(self) -> str:
        assert self._conn is not None
        return self._conn.default_isolation_level or "READ COMMITTED"

    def release(self, session: Session, *, failed: bool = False) -> None:
        """End the unit of work: what it did not commit is rolled back; the identity map stays
        (objects are not expired on commit), for the next unit of work of the request.

        A read-only unit that ended normally ends its transaction with a COMMIT, not a
        ROLLBACK: a rollback expires every object in the session, so what the read returned
        would be loaded again, row by row, when the caller reads it after the block (the same
        objects stay readable when the unit of work has its own session, see
        :meth:`UnitOfWork.__exit__`)."""
        if session.in_transaction():
            if self._read_only and not failed:
                session.commit()
            else:
                session.rollback()
        self._busy = False

    def close(self) -> None:
        if self._session is not None:
            self._session.close()
        if self._conn is not None:
            self._conn.close()
        self._session = self._conn = None
        self._busy = False


_SCOPE: ContextVar[RequestScope | None] = ContextVar("casework_request_scope", default=None)


def enter_scope(engine: Engine) -> Token[RequestScope | None]:
    """Make the units of work opened from now on (in this context) share one connection and
    session, until :func:`exit_scope`."""
    return _SCOPE.set(RequestScope(engine))


def seed_next_unit(**entries: Any) -> None:
    """Memos read by a statement of this request (the calendar's revision, read beside the
    token) for the next unit of work the request opens, which would otherwise read them again.
    They serve that one unit of work: a later one reads for itself, since the first may have
    changed what they describe. Outside a request scope, nothing happens."""
    scope = _SCOPE.get()
    if scope is not None:
        scope.seed = entries


def exit_scope(token: Token[RequestScope | None]) -> None:
    scope = _SCOPE.get()
    _SCOPE.reset(token)
    if scope is not None:
        scope.close()


def current_scope() -> RequestScope | None:
    return _SCOPE.get()


@contextmanager
def request_scope(engine: Engine) -> Iterator[RequestScope]:
    """:func:`enter_scope` and :func:`exit_scope` around a block (the CLI, tests)."""
    token = enter_scope(engine)
    try:
        scope = _SCOPE.get()
        assert scope is not None
        yield scope
    finally:
        exit_scope(token)


class UnitOfWork:
    def __init__(
        self,
        session_factory: sessionmaker[Session],
        settings: Settings,
        vault: PiiVault,
        history_keys: HistoryKeys,
        *,
        read_only: bool = False,
    ) -> None:
        self._factory = session_factory
        self.read_only = read_only
        self.settings = settings
        self.vault = vault
        self.history_keys = history_keys
        self._session: Session | None = None
        self._scope: RequestScope | None = None
        self._depth = 0

    @property
    def session(self) -> Session:
        if self._session is None:
            raise RuntimeError("the unit of work is not open: use 'with uow:'")
        return self._session

    @property
    def nested(self) -> bool:
        """Whether this block runs inside another service's transaction."""
        return self._depth > 1

    def __enter__(self) -> UnitOfWork:
        if self._depth == 0:
            scope = _SCOPE.get()
            shared = scope.acquire(self.read_only) if scope is not None else None
            self._scope = scope if shared is not None else None
            self._session = shared or self._factory()
            # session.info holds per-transaction memos (the calendar snapshot, supervisors per
            # unit); they must not outlive the transaction.
            self._session.info.clear()
            if self._scope is not None and self._scope.seed:
                self._session.info.update(self._scope.seed)
                self._scope.seed = {}
        self._depth += 1
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        self._depth -= 1
        if self._depth > 0:
            return
        session, self._session = self._session, None
        scope, self._scope = self._scope, None
        if session is not None and scope is not None:
            scope.release(session, failed=exc_type is not None)
        elif session is not None:
            # close() rolls back whatever was not committed and detaches the objects without
            # expiring them, so what a read-only use case returns stays readable.
            session.close()

    def commit(self) -> None:
        """Commit if this is the outermost block (an inner block's commit does nothing)."""
        if self.nested:
            return
        if self.read_only:
            raise RuntimeError("a read-only unit of work cannot commit")
        self.session.commit()
        self.session.info.clear()

    def rollback(self) -> None:
        self.session.rollback()
        self.session.info.clear()


def stale() -> VersionConflict:
    return VersionConflict(
        "案件已被他人修改，请刷新后重试", "the case was changed by someone else; reload and retry"
    )


def commit_or_conflict(uow: UnitOfWork) -> None:
    """Commit the outermost block, turning a lost race on a case row (its version, or the
    history's unique (case_id, seq) key) into :class:`VersionConflict`. Inside another service's
    transaction it does nothing: the outer service commits once, so a case changed twice in one
    request still gets one new version."""
    if uow.nested:
        return
    try:
        uow.session.flush()
        uow.commit()
    except StaleDataError:
        raise stale() from None
    except IntegrityError as exc:
        if any(key in str(exc.orig) for key in _HISTORY_KEYS):
            raise stale() from None
        raise


def check_version(row: Any, expected_version: int | None) -> None:
    """The caller's ``If-Match``: refuse when the row moved on since they read it."""
    if expected_version is not None and row.version != expected_version:
        raise VersionConflict(
            f"案件版本已变为 {row.version}，请刷新后重试",
            f"the case is at version {row.version}, not {expected_version}",
            current_version=row.version,
        )
