"""Request ids, JSON request logs and Prometheus metrics.

- Every request gets an id (a sane incoming ``X-Request-Id`` is kept, otherwise a new one); it
  is echoed in the response header, in problem bodies and in the log line.
- One JSON log line per request: method, route, path (never the query string, which may carry
  search text), status, duration, user. The formatter masks anything shaped like an ID number or
  a mobile phone, so even an unexpected traceback cannot leak one.
- ``/metrics``: request counts and latencies per route (labels are URL rules, so cardinality is
  bounded), plus sweep results and backlog read from the database at scrape time, which makes
  them correct whichever process (scheduler, CLI) did the sweeping. Under gunicorn with several
  workers ``PROMETHEUS_MULTIPROC_DIR`` (set by ``api/gunicorn_conf.py``) aggregates all workers.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import re
import sys
import time
import uuid
from typing import Any

from flask import Flask, Response, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from sqlalchemy import func, select

from casework.models import Deadline, DeadlineAction, OutboxMessage
from casework.runtime import Runtime

REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")

# Personal data in any text that reaches a log: resident ID numbers (18 characters, also written
# 6-8-4 with spaces or dashes) and mainland mobile numbers (11 digits, also 3-4-4, with or without
# +86, 0086, 86 or (+86) in front), wherever they stand: bounded by non-digits only, so a number
# glued to letters (/cases/x13812345678y) is found too. A hex token of 32 to 64 characters with a
# letter in it (a request id, a SHA-256 hash, a blind index) is kept whole: a digit run inside
# one is chance, not a phone.
_HEX_RUN = r"(?<![0-9A-Za-z])(?=[0-9]*[A-Fa-f])[0-9A-Fa-f]{32,64}(?![0-9A-Za-z])"
_ID_NUMBER = r"(?<![0-9])[0-9]{6}[ -]?[0-9]{8}[ -]?[0-9]{3}[0-9Xx](?![0-9])"
_MOBILE = (
    r"(?<![0-9])(?P<prefix>(?:\+|00)?86[ -]?|\(\+?86\)[ -]?)?"
    r"(?P<mobile>1[3-9][0-9](?:[ -]?[0-9]{4}){2})(?![0-9])"
)
PERSONAL = re.compile(f"(?P<keep>{_HEX_RUN})|(?P<id>{_ID_NUMBER})|{_MOBILE}")
_NOT_DIGIT = re.compile(r"[^0-9Xx]")


def _mask(m: re.Match[str]) -> str:
    if m.group("keep"):
        return m.group(0)
    if m.group("id"):
        chars = _NOT_DIGIT.sub("", m.group("id"))
        return chars[:6] + "********" + chars[-4:]
    digits = _NOT_DIGIT.sub("", m.group("mobile"))
    return (m.group("prefix") or "") + digits[:3] + "****" + digits[-4:]


def redact(text: str) -> str:
    """``text`` with every ID number and mobile number masked (440106********1235,
    +86 138****5678)."""
    return PERSONAL.sub(_mask, text)


class JsonFormatter(logging.Formatter):
    """One JSON object per line; personal data masked whatever the message."""

    EXTRA = ("request_id", "method", "route", "path", "status", "duration_ms", "user", "remote")

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "ts": dt.datetime.fromtimestamp(record.created, dt.UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key in self.EXTRA:
            if hasattr(record, key):
                out[key] = getattr(record, key)
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        return redact(json.dumps(out, ensure_ascii=False, default=str))


def configure_logging(level: str = "INFO") -> None:
    """JSON lines on stderr for the ``casework`` loggers (idempotent)."""
    logger = logging.getLogger("casework")
    logger.setLevel(level.upper())
    if any(getattr(h, "_casework_json", False) for h in logger.handlers):
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    handler._casework_json = True  # type: ignore[attr-defined]
    logger.addHandler(handler)


_request_log = logging.getLogger("casework.request")

REQUESTS = Counter("casework_http_requests_total", "HTTP requests", ["method", "route", "status"])
LATENCY = Histogram(
    "casework_http_request_duration_seconds",
    "HTTP request latency",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)


class DatabaseCollector:
    """Sweep results and backlogs, read from the database at scrape time."""

    def __init__(self, rt: Runtime) -> None:
        self.rt = rt

    def collect(self):  # type: ignore[no-untyped-def]
        actions = CounterMetricFamily(
            "casework_sweep_actions",
            "Deadline actions taken by the sweep",
            labels=["action", "result"],
        )
        overdue = GaugeMetricFamily(
            "casework_deadlines_overdue", "Running clocks past their expiry (not yet swept)"
        )
        outbox = GaugeMetricFamily("casework_outbox_pending", "Webhook messages not yet delivered")
        try:
            now = dt.datetime.now(dt.UTC)
            with self.rt.reader() as uow:
                s = uow.session
                for action, result, n in s.execute(
                    select(
                        DeadlineAction.action, DeadlineAction.result, func.count(DeadlineAction.id)
                    ).group_by(DeadlineAction.action, DeadlineAction.result)
                ):
                    actions.add_metric([action, result], n)
                overdue.add_metric(
                    [],
                    s.scalar(
                        select(func.count(Deadline.id)).where(
                            Deadline.status == "running", Deadline.due_at < now
                        )
                    )
                    or 0,
                )
                outbox.add_metric(
                    [],
                    s.scalar(
                        select(func.count(OutboxMessage.id)).where(
                            OutboxMessage.delivered_at.is_(None)
                        )
                    )
                    or 0,
                )
        except Exception:  # noqa: BLE001 - a scrape must not fail because the database is away
            logging.getLogger("casework.metrics").warning("metrics: database not readable")
            return
        yield actions
        yield overdue
        yield outbox


def metrics_response(rt: Runtime) -> Response:
    """This process's request metrics (or every worker's, in multiprocess mode), then the
    database's figures."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        requests_registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(requests_registry)
    else:
        requests_registry = REGISTRY
    database = CollectorRegistry()
    database.register(DatabaseCollector(rt))  # type: ignore[arg-type]
    return Response(
        generate_latest(requests_registry) + generate_latest(database), mimetype=CONTENT_TYPE_LATEST
    )


def install(app: Flask) -> None:
    @app.before_request
    def _start() -> None:
        g.started = time.perf_counter()
        incoming = request.headers.get("X-Request-Id", "")
        g.request_id = incoming if REQUEST_ID.match(incoming) else uuid.uuid4().hex

    @app.after_request
    def _finish(resp: Response) -> Response:
        started = getattr(g, "started", None)
        elapsed = time.perf_counter() - started if started else 0.0
        route = request.url_rule.rule if request.url_rule else "unmatched"
        resp.headers["X-Request-Id"] = getattr(g, "request_id", "")
        if route != "/metrics":
            REQUESTS.labels(request.method, route, str(resp.status_code)).inc()
            LATENCY.labels(request.method, route).observe(elapsed)
        actor = getattr(g, "actor", None)
        _request_log.info(
            "%s %s %s",
            request.method,
            route,
            resp.status_code,
            extra={
                "request_id": getattr(g, "request_id", None),
                "method": request.method,
                "route": route,
                "path": request.path,
                "status": resp.status_code,
                "duration_ms": round(elapsed * 1000, 1),
                "user": actor.username if actor else None,
            },
        )
        return resp
