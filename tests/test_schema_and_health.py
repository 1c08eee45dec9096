"""The Alembic chain matches the models; the app serves health checks under real gunicorn."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import requests
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from casework.migrate import current_revision, head_revision
from casework.models import Base
from tests.conftest import ROOT, subprocess_env

GUNICORN = str(Path(sys.executable).parent / "gunicorn")


def test_migrations_match_the_models(rt):
    with rt.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
    assert diff == []
    assert current_revision(rt.engine) == head_revision()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(env: dict[str, str]):
    port = _free_port()
    proc = subprocess.Popen(
        [GUNICORN, "--config", "python:api.gunicorn_conf", "--bind", f"127.0.0.1:{port}", "--workers", "2", "wsgi:app"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            requests.get(base + "/healthz", timeout=1)
            return proc, base
        except requests.ConnectionError:
            if proc.poll() is not None:
                raise AssertionError(proc.stdout.read()) from None
            time.sleep(0.1)
    proc.terminate()
    raise AssertionError("gunicorn did not start")


def test_gunicorn_serves_health_and_readiness(rt, db_url):
    proc, base = _serve(subprocess_env(db_url))
    try:
        r = requests.get(base + "/healthz", timeout=5)
        assert r.status_code == 200 and r.json() == {"status": "ok"}
        r = requests.get(base + "/readyz", timeout=5)
        assert r.status_code == 200 and r.json()["status"] == "ok"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_readiness_fails_on_an_unmigrated_database(tmp_path):
    env = subprocess_env(f"sqlite:///{tmp_path / 'empty.db'}")
    proc, base = _serve(env)
    try:
        assert requests.get(base + "/healthz", timeout=5).status_code == 200
        r = requests.get(base + "/readyz", timeout=5)
        assert r.status_code == 503 and "schema at none" in r.json()["database"]
    finally:
        proc.terminate()
        proc.wait(timeout=10)
