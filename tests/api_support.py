"""Running the real service for HTTP tests: gunicorn with several workers, and a small client."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = str(Path(os.sys.executable).parent / "gunicorn")
PASSWORD = "casework-demo"
LOG_DIR = Path(os.environ.get("CASEWORK_TEST_LOG_DIR", "/tmp")) / f"casework-test-logs-{os.getpid()}"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    """gunicorn serving wsgi:app on a free port; its stderr (JSON logs) goes to a file that the
    suite greps for personal data at the end."""

    def __init__(self, env: dict[str, str], *, workers: int = 2, name: str = "gunicorn") -> None:
        LOG_DIR.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.metrics_dir = LOG_DIR / f"prom-{self.port}"
        shutil.rmtree(self.metrics_dir, ignore_errors=True)
        self.metrics_dir.mkdir()
        self.log_path = LOG_DIR / f"{name}-{self.port}.log"
        env = {**env, "PROMETHEUS_MULTIPROC_DIR": str(self.metrics_dir)}
        self._log = open(self.log_path, "w", encoding="utf-8")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            [GUNICORN, "--config", "python:api.gunicorn_conf", "--bind", f"127.0.0.1:{self.port}",
             "--workers", str(workers), "wsgi:app"],
            cwd=ROOT, env=env, stdout=self._log, stderr=subprocess.STDOUT, text=True,
        )
        for _ in range(200):
            try:
                if requests.get(self.base + "/healthz", timeout=5).status_code == 200:
                    return
            except requests.RequestException:
                if self.proc.poll() is not None:
                    raise AssertionError(self.log_path.read_text(encoding="utf-8")) from None
                time.sleep(0.1)
        self.stop()
        raise AssertionError("gunicorn did not start")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()


class Api:
    """A requests session per user against the live server."""

    def __init__(self, base: str) -> None:
        self.base = base
        self._sessions: dict[str, requests.Session] = {}

    def url(self, path: str) -> str:
        return self.base + "/api/v1" + path

    def token(self, username: str, password: str = PASSWORD) -> str:
        r = requests.post(self.url("/auth/token"), json={"username": username, "password": password}, timeout=10)
        assert r.status_code == 201, r.text
        return r.json()["token"]

    def as_(self, username: str) -> requests.Session:
        if username not in self._sessions:
            s = requests.Session()
            s.headers["Authorization"] = f"Bearer {self.token(username)}"
            self._sessions[username] = s
        return self._sessions[username]

    def call(self, username: str | None, method: str, path: str, **kw: Any) -> requests.Response:
        kw.setdefault("timeout", 30)
        if username is None:
            return requests.request(method, self.url(path), **kw)
        return self.as_(username).request(method, self.url(path), **kw)

    def get(self, username: str | None, path: str, **kw: Any) -> requests.Response:
        return self.call(username, "GET", path, **kw)

    def post(self, username: str | None, path: str, **kw: Any) -> requests.Response:
        return self.call(username, "POST", path, **kw)
