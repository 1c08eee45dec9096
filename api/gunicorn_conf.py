"""gunicorn settings (``gunicorn --config python:api.gunicorn_conf wsgi:app``).

Every value can be overridden by the usual ``GUNICORN_CMD_ARGS`` or on the command line.
gunicorn workers never run the scheduler: that is its own process (``casework scheduler``).
"""

import os

bind = os.environ.get("CASEWORK_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("CASEWORK_WORKERS", "2"))
threads = int(os.environ.get("CASEWORK_THREADS", "1"))
timeout = int(os.environ.get("CASEWORK_TIMEOUT", "30"))
graceful_timeout = 20
accesslog = None  # the app writes its own JSON request log (no query strings with PII)
errorlog = "-"
loglevel = os.environ.get("CASEWORK_LOG_LEVEL", "info")
