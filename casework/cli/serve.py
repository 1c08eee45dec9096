"""``casework serve``: gunicorn and the scheduler side by side; Ctrl-C (or SIGTERM) stops both.

gunicorn reads ``api/gunicorn_conf.py`` (``CASEWORK_BIND``, ``CASEWORK_WORKERS``, ...); ``--bind``
and ``--workers`` given here win over it. The default bind is 127.0.0.1:8000: the service
listens on another address only when told to.
"""

from __future__ import annotations

import argparse
import signal
import subprocess
import sys
import time
from pathlib import Path


def gunicorn_command(bind: str | None, workers: int | None) -> list[str]:
    """The gunicorn command line (our own console script, next to this interpreter)."""
    cmd = [str(Path(sys.executable).parent / "gunicorn"), "--config", "python:api.gunicorn_conf"]
    if bind:
        cmd += ["--bind", bind]
    if workers:
        cmd += ["--workers", str(workers)]
    return [*cmd, "wsgi:app"]


def cmd_serve(args: argparse.Namespace) -> int:
    scheduler = [str(Path(sys.executable).parent / "casework"), "scheduler"]
    procs = [
        subprocess.Popen(gunicorn_command(args.bind, args.workers)),  # noqa: S603
        subprocess.Popen(scheduler),  # noqa: S603
    ]

    def stop(*_a: object) -> None:
        for p in procs:
            if p.poll() is None:
                p.terminate()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        while all(p.poll() is None for p in procs):
            time.sleep(0.5)
    finally:
        stop()
        for p in procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
    return 0
