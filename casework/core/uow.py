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

from typing import TYPE_CHECKING, Any

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
            self._session = self._factory()
            # session.info holds per-transaction memos (the calendar snapshot, supervisors per
            # unit); they must not outlive the transaction.
            self._session.info.clear()
        self._depth += 1
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        self._depth -= 1
        if self._depth > 0:
            return
        session, self._session = self._session, None
        if session is not None:
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
