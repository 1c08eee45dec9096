"""Fixtures for every tier: each database test runs twice, on SQLite and on PostgreSQL.

PostgreSQL runs when ``CASEWORK_TEST_POSTGRES_URL`` is set (CI sets it). If it is set and the
server cannot be reached the whole run fails at once (never a silent skip); if it is not set,
the PostgreSQL half is skipped with a message saying how to run it.

The schema is built once per backend and session (by the Alembic chain); each test starts from
emptied tables (the official calendar, which no test needs to lose, stays unless a test changed
it). Two session-wide checks end the run: no personal data in any log, and no 5xx answered.
"""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask, request
from sqlalchemy import select, text
from sqlalchemy.engine import make_url

from api.app import create_app
from casework.clocks.calendar import seed_from_package
from casework.core.db import make_engine
from casework.core.migrate import upgrade
from casework.core.settings import load_settings
from casework.demo import load_demo
from casework.models import Base, CalendarDay, CalendarMeta, CalendarYear, Employer, OrgUnit, User
from casework.people.access import SYSTEM_ACTOR, Actor, actor_from_user
from casework.runtime import Runtime, build_runtime
from tests.api_support import Api, LiveServer, RequestsHttp, WsgiHttp, log_dir
from tests.helpers import TEST_KEYS

PG_URL = os.environ.get("CASEWORK_TEST_POSTGRES_URL", "")
# Test data need no durability: commits do not wait for the WAL to reach the disk (the server's
# own setting, per connection, through libpq's options; the subprocesses get the same URL).
FAST_COMMITS = "options=-c%20synchronous_commit%3Doff"
ROOT = Path(__file__).resolve().parent.parent

CALENDAR_TABLES = {
    CalendarDay.__tablename__,
    CalendarYear.__tablename__,
    CalendarMeta.__tablename__,
}


# -- session-wide checks: personal data never reaches a log; no 5xx is ever answered ------------
# Every record logged in this process is kept raw (before the JSON formatter masks anything), and
# every live server writes its log to a file; at the end the whole lot is searched for anything
# shaped like a resident ID number or a mobile phone. A hit fails the run. Every response of the
# in-process apps and every request line of the live servers is checked for a 5xx status.
# Wherever they stand: glued to letters (/cases/x13812345678y), behind +86/0086/86, or written in
# groups. Hex tokens (request ids, SHA-256 hashes, blind indexes: 32 to 64 hex characters with a
# letter) are taken out first: about one uuid4 request id in a thousand holds a run of digits
# shaped like a phone or an ID number, which is chance, not personal data.
PII_PATTERNS = [
    re.compile(r"(?<![0-9])[0-9]{17}[0-9Xx](?![0-9])"),
    re.compile(r"(?<![0-9])[0-9]{6}[ -][0-9]{8}[ -][0-9]{3}[0-9Xx](?![0-9])"),
    re.compile(r"(?<![0-9])1[3-9][0-9]{9}(?![0-9])"),
    re.compile(r"(?:\+|00)?86[ -]?1[3-9][0-9]{9}(?![0-9])"),
    re.compile(r"(?<![0-9])1[3-9][0-9][ -][0-9]{4}[ -][0-9]{4}(?![0-9])"),
]
HEX_TOKEN = re.compile(r"(?<![0-9A-Za-z])(?=[0-9]*[A-Fa-f])[0-9A-Fa-f]{32,64}(?![0-9A-Za-z])")
_LOGGED: list[str] = []
SERVER_ERRORS: list[str] = []
# Answers that are a 5xx by design, not a failure: readiness while the database is away.
EXPECTED_5XX = {("GET", "/readyz", 503)}


class _KeepEverything(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        try:
            line = f"{record.name}: {record.getMessage()}"
            if record.exc_info:
                line += "\n" + logging.Formatter().formatException(record.exc_info)
        except Exception:  # noqa: BLE001 - a broken record must not break the run
            line = f"{record.name}: {record.msg!r} {record.args!r}"
        _LOGGED.append(line)


def pii_hits(texts: list[str]) -> list[str]:
    return [
        f"{p.pattern[:20]}…: {m.group(0)[:3]}…"
        for t in texts
        for p in PII_PATTERNS
        for m in p.finditer(HEX_TOKEN.sub(" ", t))
    ]


def server_errors_in_log(log_text: str) -> list[str]:
    """5xx request lines of a live server's JSON log."""
    out = []
    for line in log_text.splitlines():
        if '"status": 5' not in line:
            continue
        try:
            rec = json.loads(line)
        except ValueError:
            continue
        status = rec.get("status")
        expected = (rec.get("method"), rec.get("path"), status) in EXPECTED_5XX
        if isinstance(status, int) and status >= 500 and not expected:
            out.append(f"{rec.get('method')} {rec.get('route')} -> {status}")
    return out


def record_server_errors(app: Flask) -> Flask:
    @app.after_request
    def _five_xx(resp):  # type: ignore[no-untyped-def]
        if (
            resp.status_code >= 500
            and (request.method, request.path, resp.status_code) not in EXPECTED_5XX
        ):
            SERVER_ERRORS.append(f"{request.method} {request.path} -> {resp.status_code}")
        return resp

    return app


def _worker_id(config: pytest.Config) -> str | None:
    """The xdist worker this process is (``gw0``...), or None for the only or controlling one."""
    workerinput = getattr(config, "workerinput", None)
    return workerinput["workerid"] if workerinput else None


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    worker = _worker_id(session.config)
    logs = log_dir()
    if worker is not None:
        # A worker hands what it saw to the controlling process, which checks everything once.
        logs.mkdir(parents=True, exist_ok=True)
        (logs / f"records-{worker}.log").write_text("\n".join(_LOGGED), encoding="utf-8")
        (logs / f"errors-{worker}.txt").write_text("\n".join(SERVER_ERRORS), encoding="utf-8")
        return
    texts = list(_LOGGED)
    errors = list(SERVER_ERRORS)
    if logs.exists():
        for p in logs.glob("*.log"):
            content = p.read_text(encoding="utf-8", errors="replace")
            texts.append(content)
            errors += server_errors_in_log(content)
        for p in logs.glob("errors-*.txt"):
            errors += [line for line in p.read_text(encoding="utf-8").splitlines() if line]
    hits = pii_hits(texts)
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if hits:
        if reporter:
            reporter.write_line(
                f"PERSONAL DATA IN LOGS: {len(hits)} hit(s), e.g. {hits[:3]}", red=True
            )
        session.exitstatus = 1
    elif reporter:
        reporter.write_line(
            f"log scan: {len(texts)} log records/files searched, no ID numbers or phones"
        )
    if errors:
        if reporter:
            reporter.write_line(f"5xx ANSWERED: {len(errors)}, e.g. {errors[:5]}", red=True)
        session.exitstatus = 1
    elif reporter:
        reporter.write_line("5xx check: no server error answered during the suite")


def pytest_configure(config: pytest.Config) -> None:
    workerinput = getattr(config, "workerinput", None)
    if workerinput and "casework_run_dir" in workerinput:
        os.environ["CASEWORK_TEST_RUN_DIR"] = workerinput["casework_run_dir"]


def pytest_configure_node(node: object) -> None:
    """(xdist, in the controlling process) every worker writes its logs into this run's folder."""
    node.workerinput["casework_run_dir"] = str(log_dir())  # type: ignore[attr-defined]


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


# -- databases -------------------------------------------------------------------------------


def _reset_postgres(url: str) -> None:
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def _worker_database(url: str, worker: str | None) -> str:
    """``url`` itself, or under xdist a database of this worker's own next to it (created on
    first use), so parallel workers never share tables."""
    if worker is None:
        return url
    parsed = make_url(url)
    name = f"{parsed.database}_{worker}"
    engine = make_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            exists = conn.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}
            ).first()
            if not exists:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        engine.dispose()
    return parsed.set(database=name).render_as_string(hide_password=False)


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
        url = _worker_database(PG_URL, _worker_id(request.config))
        url += ("&" if "?" in url else "?") + FAST_COMMITS
        _reset_postgres(url)
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    return url


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
    _seed_calendar(rt)
    rt.calendar_revision = _calendar_revision(rt)  # type: ignore[attr-defined]
    yield rt
    rt.dispose()


def _seed_calendar(rt: Runtime) -> None:
    with rt.uow() as uow:
        seed_from_package(uow.session)
        uow.commit()


def _calendar_revision(rt: Runtime) -> str:
    with rt.engine.connect() as conn:
        return conn.execute(select(CalendarMeta.revision)).scalar() or ""


def _empty(rt: Runtime) -> None:
    """Empty every table but the calendar; rebuild the calendar only if a test changed it."""
    calendar_changed = _calendar_revision(rt) != rt.calendar_revision  # type: ignore[attr-defined]
    tables = [
        t.name
        for t in reversed(Base.metadata.sorted_tables)
        if calendar_changed or t.name not in CALENDAR_TABLES
    ]
    with rt.engine.begin() as conn:
        # DELETE, not TRUNCATE: on PostgreSQL a TRUNCATE of twenty small tables costs ~0.3 s (new
        # files for every table), a DELETE of a few rows next to nothing.
        for name in tables:
            conn.execute(text(f"DELETE FROM {name}"))
        if rt.engine.dialect.name == "postgresql":
            # Ids start again at 1, as in a fresh database.
            conn.execute(
                text(
                    "SELECT setval(c.oid, 1, false) FROM pg_class c "
                    "JOIN pg_namespace n ON n.oid = c.relnamespace "
                    "WHERE c.relkind = 'S' AND n.nspname = current_schema()"
                )
            )
    if calendar_changed:
        _seed_calendar(rt)
        rt.calendar_revision = _calendar_revision(rt)  # type: ignore[attr-defined]


@pytest.fixture
def rt(session_runtime: Runtime) -> Runtime:
    """A runtime on an empty (migrated) database with the official calendar."""
    _empty(session_runtime)
    return session_runtime


class Demo:
    """Handy lookups into the demo data."""

    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        with rt.reader() as uow:
            s = uow.session
            self.units = {u.code: u for u in s.scalars(select(OrgUnit))}
            self.employers = {e.name: e for e in s.scalars(select(Employer))}
            self._actors: dict[str, Actor] = {
                u.username: actor_from_user(u) for u in s.scalars(select(User))
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


# -- HTTP ------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def app(session_runtime: Runtime) -> Flask:
    """The Flask app, in-process, on this backend's runtime (built once per backend)."""
    return record_server_errors(create_app({"TESTING": True}, runtime=session_runtime))


@pytest.fixture
def api(demo: Demo, rt: Runtime, app: Flask) -> Api:
    """The API in-process, through the whole Flask stack (fresh demo data every test)."""
    return Api(rt, "", WsgiHttp(app.test_client()))


@pytest.fixture(scope="session")
def live_server(db_url: str, session_runtime: Runtime) -> Iterator[LiveServer]:
    """The real service (gunicorn, two workers) on the test database, one per backend."""
    server = LiveServer(subprocess_env(db_url), workers=2)
    yield server
    server.stop()


@pytest.fixture
def live_api(demo: Demo, rt: Runtime, live_server: LiveServer) -> Api:
    """The API over real HTTP against gunicorn (end-to-end tests)."""
    return Api(rt, live_server.base, RequestsHttp())
