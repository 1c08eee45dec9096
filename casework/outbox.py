"""Delivery of queued side effects (webhooks) after commit, retried with backoff.

Every message carries a unique ``event_id`` (also sent as the ``X-Casework-Event-Id`` header) so
a receiver can drop duplicates: delivery is at-least-once. Messages are claimed with
``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so several schedulers never send the same one at once.
Payloads never contain personal data (ID numbers, phones): only references and codes.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import urllib.error
import urllib.request

from sqlalchemy import select

from casework.db import is_postgres
from casework.models import OutboxMessage
from casework.runtime import Runtime

log = logging.getLogger("casework.outbox")
MAX_BACKOFF = dt.timedelta(hours=1)


def backoff(attempts: int) -> dt.timedelta:
    return min(dt.timedelta(seconds=5 * 2 ** max(attempts - 1, 0)), MAX_BACKOFF)


def post_json(url: str, payload: dict, event_id: str, timeout: float = 5.0) -> None:
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    req = urllib.request.Request(  # noqa: S310 - the URL is the operator's configured webhook
        url, data=body, method="POST",
        headers={"Content-Type": "application/json; charset=utf-8", "X-Casework-Event-Id": event_id},
    )
    with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310
        if resp.status >= 300:
            raise urllib.error.HTTPError(url, resp.status, "unexpected status", resp.headers, None)


def deliver(rt: Runtime, *, now: dt.datetime | None = None, batch: int = 50) -> dict[str, int]:
    """Send what is due; returns counts of delivered and failed messages."""
    url = rt.settings.webhook_url
    sent = failed = 0
    if not url:
        return {"delivered": 0, "failed": 0}
    now = now or dt.datetime.now(dt.UTC)
    with rt.uow() as uow:
        q = (
            select(OutboxMessage)
            .where(OutboxMessage.delivered_at.is_(None), OutboxMessage.next_attempt_at <= now)
            .order_by(OutboxMessage.id)
            .limit(batch)
        )
        if is_postgres(uow.session):
            q = q.with_for_update(skip_locked=True)
        for msg in uow.session.scalars(q).all():
            try:
                post_json(url, msg.payload, msg.event_id)
            except (OSError, urllib.error.URLError, ValueError) as exc:
                msg.attempts += 1
                msg.last_error = type(exc).__name__ + ": " + str(getattr(exc, "reason", exc))[:200]
                msg.next_attempt_at = now + backoff(msg.attempts)
                failed += 1
                log.warning("outbox: %s delivery failed (attempt %d): %s", msg.event_id, msg.attempts, msg.last_error)
            else:
                msg.attempts += 1
                msg.delivered_at = dt.datetime.now(dt.UTC)
                sent += 1
        uow.commit()
    return {"delivered": sent, "failed": failed}
