"""Test fixtures: every database test runs twice, on SQLite and on PostgreSQL.

PostgreSQL runs when ``CASEWORK_TEST_POSTGRES_URL`` is set (CI sets it). If it is set and the
server cannot be reached the whole run fails at once (never a silent skip); if it is not set,
the PostgreSQL half is skipped with a message saying how to run it.
"""

from __future__ import annotations

import logging
import os
import re
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import text

from casework.access import SYSTEM_ACTOR, Actor, actor_from_user
from casework.calendar import seed_from_package
from casework.db import make_engine
from casework.demo import load_demo
from casework.migrate import upgrade
from casework.models import Base, Employer, OrgUnit, User
from casework.runtime import Runtime, build_runtime
from casework.settings import load_settings

PG_URL = os.environ.get("CASEWORK_TEST_POSTGRES_URL", "")
ROOT = Path(__file__).resolve().parent.parent

TEST_KEYS = {
    "CASEWORK_FERNET_KEY": Fernet.generate_key().decode(),
    "CASEWORK_BLIND_INDEX_KEY": secrets.token_hex(32),
}


# -- personal data must never reach a log ------------------------------------------------------
# Every record logged in this process is kept raw (before the JSON formatter masks anything), and
# every live server writes its log to a file; at the end the whole lot is searched for anything
# shaped like a resident ID number or a mobile phone. A hit fails the run.
PII_PATTERNS = [
    re.compile(r"(?<![0-9A-Za-z])[0-9]{17}[0-9Xx](?![0-9A-Za-z])"),
    re.compile(r"(?<![0-9A-Za-z])1[3-9][0-9]{9}(?![0-9A-Za-z])"),
]
_LOGGED: list[str] = []


class _KeepEverything(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = f"{record.name}: {record.getMessage()}"
            if record.exc_info:
                text += "\n" + logging.Formatter().formatException(record.exc_info)
        except Exception:  # noqa: BLE001 - a broken record must not break the run
            text = f"{record.name}: {record.msg!r} {record.args!r}"
        _LOGGED.append(text)


def pii_hits(texts: list[str]) -> list[str]:
    return [f"{p.pattern[:20]}…: {m.group(0)[:3]}…" for t in texts for p in PII_PATTERNS for m in p.finditer(t)]


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    from tests.api_support import LOG_DIR

    texts = list(_LOGGED)
    if LOG_DIR.exists():
        texts += [p.read_text(encoding="utf-8", errors="replace") for p in LOG_DIR.glob("*.log")]
    hits = pii_hits(texts)
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if hits:
        if reporter:
            reporter.write_line(f"PERSONAL DATA IN LOGS: {len(hits)} hit(s), e.g. {hits[:3]}", red=True)
        session.exitstatus = 1
    elif reporter:
        reporter.write_line(f"log scan: {len(texts)} log records/files searched, no ID numbers or phones")


def pytest_sessionstart(session: pytest.Session) -> None:
    handler = _KeepEverything(level=logging.DEBUG)
    logging.getLogger().addHandler(handler)
    logging.getLogger("casework").setLevel(logging.INFO)
    if not PG_URL:
        return
    engine = make_engine(PG_URL)
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - any failure to connect ends the run
        pytest.exit(
            f"CASEWORK_TEST_POSTGRES_URL is set but PostgreSQL is unreachable "
            f"({type(exc).__name__}); refusing to skip the PostgreSQL half",
            returncode=3,
        )
    finally:
        engine.dispose()


def _reset_postgres(url: str) -> None:
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(scope="session", params=["sqlite", "postgres"])
def db_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A migrated database URL for each backend (schema built by the Alembic chain)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'casework.db'}"
    else:
        if not PG_URL:
            pytest.skip(
                "PostgreSQL half skipped: set CASEWORK_TEST_POSTGRES_URL="
                "postgresql+psycopg://postgres@127.0.0.1:5432/test to run it (CI does)"
            )
        url = PG_URL
        _reset_postgres(url)
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    return url


def _seed_calendar(rt: Runtime) -> None:
    with rt.uow() as uow:
        seed_from_package(uow.session)
        uow.commit()


def subprocess_env(db_url: str) -> dict[str, str]:
    """Environment for subprocesses (CLI, gunicorn) pointing at the test database."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CASEWORK_")}
    env.update(TEST_KEYS)
    env["CASEWORK_DATABASE_URL"] = db_url
    return env


@pytest.fixture(scope="session")
def session_runtime(db_url: str) -> Iterator[Runtime]:
    settings = load_settings({**TEST_KEYS, "CASEWORK_DATABASE_URL": db_url})
    rt = build_runtime(settings)
    yield rt
    rt.dispose()


def _truncate(rt: Runtime) -> None:
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    with rt.engine.begin() as conn:
        if rt.engine.dialect.name == "postgresql":
            conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for name in tables:
                conn.execute(text(f"DELETE FROM {name}"))


@pytest.fixture
def rt(session_runtime: Runtime) -> Runtime:
    """A runtime on an empty (migrated) database."""
    _truncate(session_runtime)
    _seed_calendar(session_runtime)
    return session_runtime


class Demo:
    """Handy lookups into the demo data."""

    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        with rt.reader() as uow:
            s = uow.session
            self.units = {u.code: u for u in s.query(OrgUnit)}
            self.employers = {e.name: e for e in s.query(Employer)}
            self._actors: dict[str, Actor] = {
                u.username: actor_from_user(u) for u in s.query(User)
            }

    def unit(self, code: str) -> OrgUnit:
        return self.units[code]

    def employer(self, name_part: str) -> Employer:
        for name, e in self.employers.items():
            if name_part in name:
                return e
        raise KeyError(name_part)

    def actor(self, username: str) -> Actor:
        if username == "system":
            return SYSTEM_ACTOR
        return self._actors[username]


@pytest.fixture
def demo(rt: Runtime) -> Demo:
    load_demo(rt.uow())
    return Demo(rt)


@pytest.fixture(scope="session")
def live_server(db_url: str) -> Iterator[object]:
    """The real service (gunicorn, two workers) on the test database, one per backend."""
    from tests.api_support import LiveServer

    server = LiveServer(subprocess_env(db_url), workers=2)
    yield server
    server.stop()


@pytest.fixture
def api(demo: Demo, live_server) -> object:
    """An HTTP client per demo user against the live server (fresh demo data every test)."""
    from tests.api_support import Api

    return Api(live_server.base)
