"""The unit of work: one transaction, committed by the service that owns it.

Re-entrant: a service called from another service joins the outer transaction, and only the
outermost ``commit()`` commits. Leaving the outermost block without a commit rolls back, so a
failure anywhere after a trigger fired leaves the state, the history and the version unchanged.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session, sessionmaker

if TYPE_CHECKING:
    from casework.pii import PiiVault
    from casework.settings import Settings


class UnitOfWork:
    def __init__(
        self,
        session_factory: sessionmaker[Session],
        settings: Settings,
        vault: PiiVault,
        *,
        read_only: bool = False,
    ) -> None:
        self._factory = session_factory
        self.read_only = read_only
        self.settings = settings
        self.vault = vault
        self._session: Session | None = None
        self._depth = 0
        self._after_commit: list[Callable[[], None]] = []

    @property
    def session(self) -> Session:
        if self._session is None:
            raise RuntimeError("the unit of work is not open: use 'with uow:'")
        return self._session

    def __enter__(self) -> UnitOfWork:
        if self._depth == 0:
            self._session = self._factory()
            self._after_commit = []
            # session.info holds per-transaction memos (the calendar snapshot, supervisors per
            # unit); they must not outlive the transaction.
            self._session.info.clear()
        self._depth += 1
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        self._depth -= 1
        if self._depth > 0:
            return
        session, self._session = self._session, None
        self._after_commit = []
        if session is not None:
            # close() rolls back whatever was not committed and detaches the objects without
            # expiring them, so what a read-only use case returns stays readable.
            session.close()

    def commit(self) -> None:
        """Commit if this is the outermost block; then run the after-commit hooks."""
        if self._depth > 1:
            return
        if self.read_only:
            raise RuntimeError("a read-only unit of work cannot commit")
        self.session.commit()
        self.session.info.clear()
        hooks, self._after_commit = self._after_commit, []
        for hook in hooks:
            hook()

    def rollback(self) -> None:
        self._after_commit = []
        self.session.rollback()
        self.session.info.clear()

    def after_commit(self, hook: Callable[[], None]) -> None:
        """Run ``hook`` once the outermost transaction has committed (never if it rolls back)."""
        self._after_commit.append(hook)
