"""gunicorn settings (``gunicorn --config python:api.gunicorn_conf wsgi:app``).

Every value can be overridden by the usual ``GUNICORN_CMD_ARGS`` or on the command line.
gunicorn workers never run the scheduler: that is its own process (``casework scheduler``).

Metrics: with several workers each process counts its own requests; prometheus_client's
multiprocess mode adds them up at scrape time from files in ``PROMETHEUS_MULTIPROC_DIR``. This
file sets that directory (a fresh one under the data dir unless given) before any worker
imports the app, empties it when the master starts, and tells the library when a worker exits.
"""

import os
import shutil
from pathlib import Path

# prometheus_client chooses between one-process and multiprocess counting once, when it is first
# imported, from this variable: it must be set before the import below (workers are forked from
# this process with the module already imported). Imported first, every worker counted in its
# own memory and /metrics, reading the (empty) directory, showed no requests at all unless
# PROMETHEUS_MULTIPROC_DIR was already in the environment.
_metrics_dir = Path(
    os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    or Path(os.environ.get("CASEWORK_DATA_DIR", "var")) / "prometheus"
)
os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(_metrics_dir.resolve())

from prometheus_client import multiprocess  # noqa: E402 - only once the variable is set

bind = os.environ.get("CASEWORK_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("CASEWORK_WORKERS", "2"))
threads = int(os.environ.get("CASEWORK_THREADS", "1"))
timeout = int(os.environ.get("CASEWORK_TIMEOUT", "30"))
graceful_timeout = 20
accesslog = None  # the app writes its own JSON request log (no query strings with PII)
errorlog = "-"
loglevel = os.environ.get("CASEWORK_LOG_LEVEL", "info")


def on_starting(server):  # noqa: ARG001 - gunicorn hook signature
    # Counts from a previous run must not leak into this one.
    shutil.rmtree(_metrics_dir, ignore_errors=True)
    _metrics_dir.mkdir(parents=True, exist_ok=True)


def child_exit(server, worker):  # noqa: ARG001 - gunicorn hook signature
    multiprocess.mark_process_dead(worker.pid)
