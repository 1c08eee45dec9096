"""The README's "First production start", step by step, as real processes on an empty database:
the settings exported, ``casework init``, ``casework org create``, ``casework user create
--admin`` with the password piped in, gunicorn and the scheduler; then the first admin logs in
over HTTP, a browser front-end on the configured origin may call the API, and /metrics wants its
token. The demo data is refused."""

from __future__ import annotations

import secrets
import subprocess
import sys
import time
from pathlib import Path

import requests
from cryptography.fernet import Fernet

from tests.api_support import LiveServer
from tests.conftest import subprocess_env

BIN = Path(sys.executable).parent
CLI = str(BIN / "casework")
PASSWORD = "Di-yi-ge-guan-li-yuan"  # noqa: S105 - test data
DESK = "https://desk.example"


def test_first_production_start_from_the_readme(tmp_path):
    env = subprocess_env(f"sqlite:///{tmp_path / 'prod.db'}")
    env.update(
        CASEWORK_ENV="production",
        CASEWORK_DATA_DIR=str(tmp_path / "var"),
        # The README's commands for the four keys.
        CASEWORK_FERNET_KEY=Fernet.generate_key().decode(),
        CASEWORK_BLIND_INDEX_KEY=secrets.token_hex(32),
        CASEWORK_HISTORY_KEY=secrets.token_hex(32),
        CASEWORK_SECRET_KEY=secrets.token_hex(32),
        CASEWORK_CORS_ORIGINS=DESK,
        CASEWORK_METRICS_TOKEN=secrets.token_urlsafe(32),
        CASEWORK_SWEEP_INTERVAL="1",
    )

    def cli(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [CLI, *args], env=env, input=stdin, capture_output=True, text=True, timeout=120
        )

    out = cli("init")
    assert out.returncode == 0 and "upgraded empty ->" in out.stdout, out.stderr
    out = cli("org", "create", "GD", "广东省总工会", "--level", "province")
    assert out.returncode == 0, out.stderr
    out = cli("user", "create", "--admin", "root.admin", stdin=PASSWORD + "\n")
    assert out.returncode == 0, out.stderr
    assert PASSWORD not in out.stdout + out.stderr
    refused = cli("demo")
    assert refused.returncode == 2 and "production" in refused.stderr
    assert "root.admin" in cli("user", "list").stdout

    server = LiveServer(env, workers=2, name="production-start")
    scheduler_log = tmp_path / "scheduler.log"
    with open(scheduler_log, "w", encoding="utf-8") as out:
        scheduler = subprocess.Popen(
            [CLI, "scheduler"], env=env, stdout=out, stderr=subprocess.STDOUT, text=True
        )
    try:
        r = requests.post(
            server.base + "/api/v1/auth/token",
            json={"username": "root.admin", "password": PASSWORD},
            timeout=30,
        )
        assert r.status_code == 201, r.text
        token = r.json()["token"]
        me = requests.get(
            server.base + "/api/v1/me",
            headers={"Authorization": f"Bearer {token}", "Origin": DESK},
            timeout=30,
        )
        assert me.status_code == 200
        assert me.json()["roles"] == ["admin"] and me.json()["org_unit"]["code"] == "GD"
        assert me.headers["Access-Control-Allow-Origin"] == DESK

        preflight = requests.options(
            server.base + "/api/v1/org-units",
            headers={
                "Origin": DESK,
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "authorization, content-type",
            },
            timeout=30,
        )
        assert preflight.status_code in (200, 204)
        assert preflight.headers["Access-Control-Allow-Origin"] == DESK

        assert requests.get(server.base + "/metrics", timeout=30).status_code == 401
        scrape = requests.get(
            server.base + "/metrics",
            headers={"Authorization": f"Bearer {env['CASEWORK_METRICS_TOKEN']}"},
            timeout=30,
        )
        assert scrape.status_code == 200 and "casework_http_requests_total" in scrape.text

        # The scheduler starts on the new database, sweeps it every second and stays up.
        deadline = time.monotonic() + 120
        while "scheduler: sweep every 1s" not in scheduler_log.read_text(encoding="utf-8"):
            assert scheduler.poll() is None, scheduler_log.read_text(encoding="utf-8")
            assert time.monotonic() < deadline, "the scheduler did not start"
            time.sleep(0.2)
        time.sleep(3)
        assert scheduler.poll() is None
    finally:
        server.stop()
        scheduler.terminate()
        scheduler.wait(timeout=30)
    log = scheduler_log.read_text(encoding="utf-8")
    assert scheduler.returncode == 0, log
    assert "scheduler: sweep every 1s" in log
    assert "Traceback" not in log and " ERROR " not in log
