"""``casework serve`` as ``make run`` starts it, a real process tree (serve → gunicorn and its
workers, and the scheduler).

What this guards: ``make run`` once listened on every interface and ignored its settings (a
``# noqa`` inside a multi-line argument list commented out ``--config`` and ``--bind``, so
gunicorn fell back to its own defaults: one worker, and ``0.0.0.0:$PORT`` because ``make`` exports
``PORT``). Here the service must listen where ``CASEWORK_BIND`` says and nowhere else (``PORT`` in
the environment is ignored), ``--bind`` on the command line must win, gunicorn must have read
``api/gunicorn_conf.py`` (two workers whose ``/metrics`` add up), and Ctrl-C (SIGINT to the
process group) must stop everything.
"""

from __future__ import annotations

import ipaddress
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import requests

from tests.api_support import PASSWORD, ROOT, free_port, log_dir
from tests.conftest import subprocess_env

CLI = str(Path(sys.executable).parent / "casework")
ROUTE = "/api/v1/workflows"


# -- the process tree and what it listens on -------------------------------------------------


def _group(pgid: int) -> dict[int, tuple[int, str]]:
    """Every live process of the process group: pid -> (parent pid, command line)."""
    out = {}
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            stat = (d / "stat").read_text()
            cmdline = (d / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        state, ppid, pgrp = stat[stat.rfind(")") + 2 :].split()[:3]
        if int(pgrp) == pgid and state != "Z":
            out[int(d.name)] = (int(ppid), cmdline)
    return out


def _decode(hex_addr: str) -> tuple[str, int]:
    addr, port = hex_addr.split(":")
    raw = bytes.fromhex(addr)
    # /proc/net/tcp{,6} write each 32-bit word of the address in host (little-endian) order.
    raw = b"".join(raw[i : i + 4][::-1] for i in range(0, len(raw), 4))
    return str(ipaddress.ip_address(raw)), int(port, 16)


def listening(pgid: int) -> set[tuple[str, int]]:
    """The TCP addresses the processes of the group listen on (their sockets, matched by inode
    in /proc/net/tcp and tcp6)."""
    inodes = set()
    for pid in _group(pgid):
        fd_dir = Path(f"/proc/{pid}/fd")
        try:
            fds = list(fd_dir.iterdir())
        except OSError:
            continue
        for fd in fds:
            try:
                target = os.readlink(fd)
            except OSError:
                continue
            if target.startswith("socket:["):
                inodes.add(target[len("socket:[") : -1])
    out = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            local, state, inode = fields[1], fields[3], fields[9]
            if state == "0A" and inode in inodes:  # 0A: LISTEN
                out.add(_decode(local))
    return out


def refuses(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=3):
            return False
    except OSError:
        return True


def other_addresses() -> list[str]:
    """This machine's addresses other than loopback (where a server on 0.0.0.0 would answer)."""
    if shutil.which("hostname"):
        out = subprocess.run(["hostname", "-I"], capture_output=True, text=True, check=False)
        found = out.stdout.split()
    else:  # pragma: no cover - hostname is part of every base image we run on
        found = socket.gethostbyname_ex(socket.gethostname())[2]
    return [a for a in found if not ipaddress.ip_address(a).is_loopback]


# -- casework serve --------------------------------------------------------------------------


class Serve:
    """``casework serve ARGS`` in its own process group, its output in the scanned log folder."""

    def __init__(self, env: dict[str, str], args: list[str], base: str, name: str) -> None:
        logs = log_dir()
        logs.mkdir(parents=True, exist_ok=True)
        self.log_path = logs / f"{name}.log"
        self.base = base
        self._log = open(self.log_path, "w", encoding="utf-8")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(  # noqa: S603 - our own script
            [CLI, "serve", *args],
            cwd=ROOT,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.pgid = self.proc.pid

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")[-3000:]

    def gunicorn_workers(self) -> list[int]:
        group = _group(self.pgid)
        masters = [
            pid for pid, (ppid, cmd) in group.items() if ppid == self.pgid and "gunicorn" in cmd
        ]
        return [pid for pid, (ppid, _cmd) in group.items() if ppid in masters]

    def wait_ready(self, workers: int) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, self.log()
            try:
                up = requests.get(self.base + "/healthz", timeout=5).status_code == 200
            except requests.RequestException:
                up = False
            if up and len(self.gunicorn_workers()) == workers:
                return
            time.sleep(0.2)
        raise AssertionError(f"casework serve did not start with {workers} workers:\n{self.log()}")

    def interrupt(self) -> int:
        """Ctrl-C: SIGINT to the whole process group, then wait for every process to end."""
        os.killpg(self.pgid, signal.SIGINT)
        code = self.proc.wait(timeout=40)
        deadline = time.monotonic() + 20
        while _group(self.pgid) and time.monotonic() < deadline:
            time.sleep(0.1)
        return code

    def kill(self) -> None:
        with suppress(ProcessLookupError):
            os.killpg(self.pgid, signal.SIGKILL)
        self.proc.wait(timeout=10)


@contextmanager
def serve(env: dict[str, str], args: list[str], port: int, name: str) -> Iterator[Serve]:
    server = Serve(env, args, f"http://127.0.0.1:{port}", name)
    try:
        yield server
    finally:
        if server.proc.poll() is None:
            server.kill()
        server._log.close()


def serve_env(db_url: str, data_dir: Path, bind: str) -> dict[str, str]:
    env = subprocess_env(db_url)
    env.pop("GUNICORN_CMD_ARGS", None)
    env.update(
        {
            "CASEWORK_BIND": bind,
            "CASEWORK_DATA_DIR": str(data_dir),
            # make exports PORT; gunicorn's own default would then be 0.0.0.0:$PORT.
            "PORT": "9",
        }
    )
    return env


# -- the tests -------------------------------------------------------------------------------


def _requests_counted(metrics: str) -> float:
    pattern = r'casework_http_requests_total\{[^}]*route="' + re.escape(ROUTE) + r'"[^}]*\} (\S+)'
    return sum(float(v) for v in re.findall(pattern, metrics))


def _raw_request_in_two_halves(port: int, token: str) -> tuple[socket.socket, bytes]:
    """Send the start of a request and keep the connection: the sync worker that accepted it
    waits for the rest, so every other request meanwhile is served by the other worker."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=30)
    sock.sendall(f"GET {ROUTE} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n".encode())
    rest = f"Authorization: Bearer {token}\r\nConnection: close\r\n\r\n".encode()
    return sock, rest


def _finish(sock: socket.socket, rest: bytes) -> int:
    sock.sendall(rest)
    data = b""
    while chunk := sock.recv(65536):
        data += chunk
    sock.close()
    return int(data.split(b" ", 2)[1])


def test_serve_listens_only_where_told_and_two_workers_metrics_add_up(db_url, demo, tmp_path):
    port = free_port()
    env = serve_env(db_url, tmp_path, f"127.0.0.1:{port}")
    with serve(env, [], port, f"serve-{port}") as server:
        # gunicorn read api/gunicorn_conf.py: two workers (its own default is one).
        server.wait_ready(workers=2)
        assert listening(server.pgid) == {("127.0.0.1", port)}, server.log()
        assert refuses("127.0.0.2", port)  # a server on 0.0.0.0 answers on all of 127/8
        for address in other_addresses():
            assert refuses(address, port), address

        r = requests.post(
            server.base + "/api/v1/auth/token",
            json={"username": "auditor", "password": PASSWORD},
            timeout=30,
        )
        assert r.status_code == 201, r.text
        token = r.json()["token"]
        # One request holds one worker, so the other nineteen (each on a fresh connection) are
        # served by the other worker; then the first is finished by the first worker.
        held, rest = _raw_request_in_two_halves(port, token)
        time.sleep(0.3)
        for _ in range(19):
            r = requests.get(
                server.base + ROUTE, headers={"Authorization": f"Bearer {token}"}, timeout=30
            )
            assert r.status_code == 200, r.text
        assert _finish(held, rest) == 200
        metrics = requests.get(server.base + "/metrics", timeout=30).text
        assert _requests_counted(metrics) == 20, metrics[-1500:]

        assert server.interrupt() == 0, server.log()
        assert _group(server.pgid) == {}, server.log()
        assert refuses("127.0.0.1", port)


def test_bind_on_the_command_line_wins_over_casework_bind(tmp_path):
    url = f"sqlite:///{tmp_path / 'serve.db'}"
    told, given = free_port(), free_port()
    env = serve_env(url, tmp_path, f"127.0.0.1:{told}")
    init = subprocess.run(  # noqa: S603 - our own script
        [CLI, "init"], env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert init.returncode == 0, init.stderr
    args = ["--bind", f"127.0.0.1:{given}", "--workers", "1"]
    with serve(env, args, given, f"serve-{given}") as server:
        server.wait_ready(workers=1)
        assert listening(server.pgid) == {("127.0.0.1", given)}, server.log()
        assert refuses("127.0.0.1", told)
        assert server.interrupt() == 0, server.log()
        assert _group(server.pgid) == {}


def test_make_run_binds_the_loopback_address_unless_told_otherwise():
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"HOST", "PORT", "MAKEFLAGS", "MFLAGS", "MAKELEVEL"}
    }

    def run_line(*overrides: str) -> str:
        out = subprocess.run(  # noqa: S603 - make, dry run: prints, runs nothing
            ["make", "--no-print-directory", "-n", "-C", str(ROOT), "run", *overrides],  # noqa: S607
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        return next(line for line in out.stdout.splitlines() if "casework serve" in line)

    assert run_line().endswith("casework serve --bind 127.0.0.1:8000")
    assert run_line("HOST=0.0.0.0", "PORT=8080").endswith("casework serve --bind 0.0.0.0:8080")
