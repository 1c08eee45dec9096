"""Everything a process needs to talk to the engine: settings, engine, sessions, the vault, the
keys of the history chain.

Built once per process (gunicorn worker, CLI command, scheduler) and handed to services as a
fresh :class:`UnitOfWork` per operation.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from casework.core.db import make_engine, make_session_factory
from casework.core.settings import Settings, load_settings
from casework.core.uow import UnitOfWork
from casework.history import HistoryKeys
from casework.people.pii import PiiVault


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    session_factory: sessionmaker[Session]
    read_session_factory: sessionmaker[Session]
    vault: PiiVault
    history_keys: HistoryKeys

    def uow(self) -> UnitOfWork:
        """A unit of work for a use case that writes."""
        return UnitOfWork(self.session_factory, self.settings, self.vault, self.history_keys)

    def reader(self) -> UnitOfWork:
        """A unit of work for reads only (it cannot commit)."""
        return UnitOfWork(
            self.read_session_factory,
            self.settings,
            self.vault,
            self.history_keys,
            read_only=True,
        )

    def dispose(self) -> None:
        self.engine.dispose()


def build_runtime(settings: Settings | None = None, **engine_kw: object) -> Runtime:
    settings = settings or load_settings()
    engine = make_engine(settings.database_url, **engine_kw)
    return Runtime(
        settings=settings,
        engine=engine,
        session_factory=make_session_factory(engine),
        read_session_factory=make_session_factory(engine, read_only=True),
        vault=PiiVault(settings.fernet_key, settings.blind_index_key),
        history_keys=HistoryKeys(settings.history_key, settings.history_old_keys),
    )
