"""The Alembic chain matches the models; the app serves health checks under real gunicorn."""

from __future__ import annotations

import requests
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from casework.core.migrate import current_revision, head_revision
from casework.models import Base
from tests.api_support import LiveServer
from tests.conftest import subprocess_env


def test_migrations_match_the_models(rt):
    with rt.engine.connect() as conn:
        diff = compare_metadata(
            MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata
        )
    assert diff == []
    assert current_revision(rt.engine) == head_revision()


def test_gunicorn_serves_health_and_readiness(rt, db_url):
    server = LiveServer(subprocess_env(db_url), name="health")
    try:
        r = requests.get(server.base + "/healthz", timeout=5)
        assert r.status_code == 200 and r.json() == {"status": "ok"}
        r = requests.get(server.base + "/readyz", timeout=5)
        assert r.status_code == 200 and r.json()["status"] == "ok"
    finally:
        server.stop()


def test_readiness_fails_on_an_unmigrated_database(tmp_path):
    server = LiveServer(subprocess_env(f"sqlite:///{tmp_path / 'empty.db'}"), name="unmigrated")
    try:
        assert requests.get(server.base + "/healthz", timeout=5).status_code == 200
        r = requests.get(server.base + "/readyz", timeout=5)
        assert r.status_code == 503 and "schema at none" in r.json()["database"]
    finally:
        server.stop()
