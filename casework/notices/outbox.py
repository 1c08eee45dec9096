"""Webhooks through an outbox: written in the transaction that decided them, sent after it.

Delivery follows *claim, commit, send, record*: a short transaction claims due messages (``FOR
UPDATE SKIP LOCKED`` on PostgreSQL) and leases them by moving their next attempt past the send
timeout; it commits before anything leaves the process. The messages are then POSTed with no
transaction open, so a slow or dead receiver never holds a lock a writer needs. A second short
transaction records each result: delivered, or the error and the next attempt (exponential
backoff). Every message carries a unique ``event_id`` (also the ``X-Casework-Event-Id`` header)
so a receiver can drop duplicates: delivery is at-least-once. Payloads carry references and
codes, never personal data.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import urllib.error
import urllib.request
import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.core.db import skip_locked
from casework.core.settings import Settings
from casework.models import OutboxMessage
from casework.runtime import Runtime

log = logging.getLogger("casework.outbox")
MAX_BACKOFF = dt.timedelta(hours=1)
SEND_TIMEOUT = 5.0
# A claimed message is not claimed again for this long (longer than one batch of sends).
LEASE = dt.timedelta(minutes=5)


def enqueue_webhook(
    session: Session, settings: Settings, topic: str, payload: dict[str, Any]
) -> None:
    """Queue a webhook delivery in the caller's transaction (sent after it commits)."""
    if not settings.webhook_url:
        return
    event_id = str(uuid.uuid4())
    body = {"event_id": event_id, "topic": topic, **payload}
    session.add(OutboxMessage(event_id=event_id, topic=topic, payload=body))


def webhook_row(topic: str, payload: dict[str, Any], now: dt.datetime) -> dict[str, Any]:
    """:func:`enqueue_webhook`'s row as plain values, for a multi-row insert (only when a
    webhook is configured)."""
    event_id = str(uuid.uuid4())
    return {
        "event_id": event_id,
        "topic": topic,
        "payload": {"event_id": event_id, "topic": topic, **payload},
        "created_at": now,
        "attempts": 0,
        "next_attempt_at": now,
        "delivered_at": None,
        "last_error": None,
    }


def backoff(attempts: int) -> dt.timedelta:
    return min(dt.timedelta(seconds=5 * 2 ** max(attempts - 1, 0)), MAX_BACKOFF)


def post_json(url: str, payload: dict, event_id: str, timeout: float = SEND_TIMEOUT) -> None:
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    req = urllib.request.Request(  # noqa: S310 - the URL is the operator's configured webhook
        url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "X-Casework-Event-Id": event_id,
        },
    )
    with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310
        if resp.status >= 300:
            raise urllib.error.HTTPError(url, resp.status, "unexpected status", resp.headers, None)


def _claim(rt: Runtime, now: dt.datetime, batch: int) -> list[tuple[int, str, dict[str, Any]]]:
    with rt.uow() as uow:
        q = (
            select(OutboxMessage)
            .where(OutboxMessage.delivered_at.is_(None), OutboxMessage.next_attempt_at <= now)
            .order_by(OutboxMessage.id)
            .limit(batch)
        )
        claimed = []
        for msg in uow.session.scalars(skip_locked(q, uow.session)).all():
            msg.attempts += 1
            msg.next_attempt_at = now + LEASE
            claimed.append((msg.id, msg.event_id, dict(msg.payload)))
        uow.commit()
    return claimed


def _record(rt: Runtime, results: dict[int, str | None], now: dt.datetime) -> None:
    with rt.uow() as uow:
        for msg in uow.session.scalars(
            select(OutboxMessage).where(OutboxMessage.id.in_(list(results)))
        ):
            error = results[msg.id]
            if error is None:
                msg.delivered_at = dt.datetime.now(dt.UTC)
                msg.last_error = None
            else:
                msg.last_error = error
                msg.next_attempt_at = now + backoff(msg.attempts)
        uow.commit()


def deliver(rt: Runtime, *, now: dt.datetime | None = None, batch: int = 50) -> dict[str, int]:
    """Send what is due; returns counts of delivered and failed messages."""
    url = rt.settings.webhook_url
    if not url:
        return {"delivered": 0, "failed": 0}
    now = now or dt.datetime.now(dt.UTC)
    claimed = _claim(rt, now, batch)
    if not claimed:
        return {"delivered": 0, "failed": 0}
    results: dict[int, str | None] = {}
    for msg_id, event_id, payload in claimed:
        try:
            post_json(url, payload, event_id)
        except (OSError, urllib.error.URLError, ValueError) as exc:
            error = type(exc).__name__ + ": " + str(getattr(exc, "reason", exc))[:200]
            results[msg_id] = error
            log.warning("outbox: %s delivery failed: %s", event_id, error)
        else:
            results[msg_id] = None
    _record(rt, results, now)
    failed = sum(1 for e in results.values() if e is not None)
    return {"delivered": len(results) - failed, "failed": failed}
