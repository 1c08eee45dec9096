"""HTTP for the tests: the same small client over two transports.

- in-process (the default ``api`` fixture): ``create_app(runtime=rt).test_client()`` — the whole
  Flask stack, errors, auth and schemas, without a socket;
- live (``live_api``, end-to-end tests only): real gunicorn with two workers on a free port, whose
  log file the suite greps for personal data at the end.

Both look like :mod:`requests` to a test: ``api.http.post(api.url("/cases"), json=...)`` and a
response with ``status_code``, ``json()``, ``text`` and ``headers``. Bearer tokens for the demo
users are minted straight into the database (no scrypt per login); the login endpoint itself is
exercised by the tests that are about it.
"""

from __future__ import annotations

import json as jsonlib
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import requests
from sqlalchemy import select

from casework.models import User
from casework.people.auth import issue_token
from casework.runtime import Runtime

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = str(Path(sys.executable).parent / "gunicorn")
PASSWORD = "casework-demo"


def log_dir() -> Path:
    """One folder per run for every log the suite scans, shared by parallel (xdist) workers: the
    controlling process names it and hands it to each worker (see conftest)."""
    base = Path(os.environ.get("CASEWORK_TEST_LOG_DIR", "/tmp"))
    default = base / f"casework-test-logs-{os.getpid()}"
    return Path(os.environ.setdefault("CASEWORK_TEST_RUN_DIR", str(default)))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# -- in-process transport --------------------------------------------------------------------


class WsgiResponse:
    """What a test reads of a response, the same as :class:`requests.Response` offers it."""

    def __init__(self, resp: Any) -> None:
        self._resp = resp
        self.status_code: int = resp.status_code
        self.headers = resp.headers
        self.content: bytes = resp.get_data()
        # Binary answers (PDF, DOCX) have no text: read them as ``content``.
        self.text: str = self.content.decode("utf-8", errors="replace")

    @property
    def ok(self) -> bool:
        return self.status_code < 400

    def json(self) -> Any:
        return jsonlib.loads(self.text)


class WsgiHttp:
    """``requests``-like calls (``get``, ``post``, ``request``, ``Session``) into a Flask app."""

    def __init__(self, client: Any, headers: dict[str, str] | None = None) -> None:
        self._client = client
        self.headers: dict[str, str] = dict(headers or {})

    def request(
        self,
        method: str,
        url: str,
        *,
        json: Any = None,
        data: Any = None,
        headers: dict[str, str] | None = None,
        params: dict[str, Any] | None = None,
        timeout: float | None = None,
        **kw: Any,
    ) -> WsgiResponse:
        parts = urlsplit(url)
        path = parts.path
        query = parts.query
        if params:
            extra = urlencode({k: v for k, v in params.items() if v is not None}, doseq=True)
            query = f"{query}&{extra}" if query else extra
        merged = {**self.headers, **(headers or {})}
        if json is not None:
            kw["json"] = json
        elif data is not None:
            kw["data"] = data
        resp = self._client.open(
            path, method=method.upper(), headers=merged, query_string=query, **kw
        )
        return WsgiResponse(resp)

    def get(self, url: str, **kw: Any) -> WsgiResponse:
        return self.request("GET", url, **kw)

    def post(self, url: str, **kw: Any) -> WsgiResponse:
        return self.request("POST", url, **kw)

    def put(self, url: str, **kw: Any) -> WsgiResponse:
        return self.request("PUT", url, **kw)

    def patch(self, url: str, **kw: Any) -> WsgiResponse:
        return self.request("PATCH", url, **kw)

    def delete(self, url: str, **kw: Any) -> WsgiResponse:
        return self.request("DELETE", url, **kw)

    def Session(self) -> WsgiHttp:  # noqa: N802 - mirrors requests.Session
        return WsgiHttp(self._client)


class RequestsHttp:
    """The real ``requests`` with a default timeout, for the live server."""

    @staticmethod
    def request(method: str, url: str, **kw: Any) -> requests.Response:
        kw.setdefault("timeout", 30)
        return requests.request(method, url, **kw)

    def get(self, url: str, **kw: Any) -> requests.Response:
        return self.request("GET", url, **kw)

    def post(self, url: str, **kw: Any) -> requests.Response:
        return self.request("POST", url, **kw)

    def put(self, url: str, **kw: Any) -> requests.Response:
        return self.request("PUT", url, **kw)

    def patch(self, url: str, **kw: Any) -> requests.Response:
        return self.request("PATCH", url, **kw)

    def delete(self, url: str, **kw: Any) -> requests.Response:
        return self.request("DELETE", url, **kw)

    @staticmethod
    def Session() -> requests.Session:  # noqa: N802 - mirrors requests.Session
        return requests.Session()


# -- the client tests use --------------------------------------------------------------------


class Api:
    """A session per user against the API, in-process or live."""

    def __init__(self, rt: Runtime, base: str, http: Any) -> None:
        self.rt = rt
        self.base = base
        self.http = http
        self._sessions: dict[str, Any] = {}

    def url(self, path: str) -> str:
        return self.base + "/api/v1" + path

    def token(self, username: str, password: str = PASSWORD) -> str:
        """A token through the login endpoint (password checked)."""
        r = self.http.post(
            self.url("/auth/token"), json={"username": username, "password": password}
        )
        assert r.status_code == 201, r.text
        return r.json()["token"]

    def minted_token(self, username: str) -> str:
        """A token for an active user, written straight into the database."""
        with self.rt.uow() as uow:
            user = uow.session.scalars(select(User).where(User.username == username)).one()
            issued = issue_token(uow, user=user)
            uow.commit()
        return issued.token

    def as_(self, username: str) -> Any:
        if username not in self._sessions:
            s = self.http.Session()
            s.headers["Authorization"] = f"Bearer {self.minted_token(username)}"
            self._sessions[username] = s
        return self._sessions[username]

    def call(self, username: str | None, method: str, path: str, **kw: Any) -> Any:
        if username is None:
            return self.http.request(method, self.url(path), **kw)
        return self.as_(username).request(method, self.url(path), **kw)

    def get(self, username: str | None, path: str, **kw: Any) -> Any:
        return self.call(username, "GET", path, **kw)

    def post(self, username: str | None, path: str, **kw: Any) -> Any:
        return self.call(username, "POST", path, **kw)


# -- the live server -------------------------------------------------------------------------


class LiveServer:
    """gunicorn serving wsgi:app on a free port; its stderr (JSON logs) goes to a file that the
    suite greps for personal data at the end."""

    def __init__(
        self,
        env: dict[str, str],
        *,
        workers: int = 2,
        name: str = "gunicorn",
        argv: list[str] | None = None,
        port: int | None = None,
    ) -> None:
        logs = log_dir()
        logs.mkdir(parents=True, exist_ok=True)
        self.port = port or free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.metrics_dir = logs / f"prom-{self.port}"
        shutil.rmtree(self.metrics_dir, ignore_errors=True)
        self.metrics_dir.mkdir()
        self.log_path = logs / f"{name}-{self.port}.log"
        env = {**env, "PROMETHEUS_MULTIPROC_DIR": str(self.metrics_dir)}
        argv = argv or [
            GUNICORN,
            "--config",
            "python:api.gunicorn_conf",
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            str(workers),
            "wsgi:app",
        ]
        self._log = open(self.log_path, "w", encoding="utf-8")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            argv,
            cwd=ROOT,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        for _ in range(300):
            try:
                if requests.get(self.base + "/healthz", timeout=5).status_code == 200:
                    return
            except requests.RequestException:
                if self.proc.poll() is not None:
                    raise AssertionError(self.log_path.read_text(encoding="utf-8")) from None
                time.sleep(0.1)
        self.stop()
        raise AssertionError("the server did not start")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()
